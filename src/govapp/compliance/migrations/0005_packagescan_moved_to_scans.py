# PackageScan now belongs to the scans app (scans 0001, docs/adr/0007-scans-app.md). State only:
# the table (compliance_packagescan) and the foreign keys of findings and rectification orders to
# it stay exactly as they are in the database; only Django's model state points them at scans.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0004_scale_indexes'),
        ('scans', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='rectificationorder',
                    name='response_scan',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='scans.packagescan'),
                ),
                migrations.AlterField(
                    model_name='finding',
                    name='scan',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='scans.packagescan'),
                ),
                migrations.DeleteModel(
                    name='PackageScan',
                ),
            ],
        ),
    ]
