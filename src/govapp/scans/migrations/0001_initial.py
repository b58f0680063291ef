# PackageScan moved here from compliance (docs/adr/0007-scans-app.md). The table was created by
# compliance 0001 and keeps its name (db_table "compliance_packagescan"): this migration only
# tells Django's state that the model now belongs to scans, so no table is dropped, renamed or
# copied on an existing database, and a fresh one gets the table from compliance 0001 as before.
# Its content type is renamed (compliance -> scans) so permissions attached to it follow.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_type_to_scans(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    old = ContentType.objects.using(db).filter(app_label="compliance", model="packagescan")
    if not ContentType.objects.using(db).filter(app_label="scans", model="packagescan").exists():
        old.update(app_label="scans")


def content_type_to_compliance(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    new = ContentType.objects.using(db).filter(app_label="scans", model="packagescan")
    if not ContentType.objects.using(db).filter(app_label="compliance", model="packagescan").exists():
        new.update(app_label="compliance")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # the table is compliance's, created in its 0001; its last migration before the move
        ('compliance', '0004_scale_indexes'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('orgs', '0005_recovery_code'),
        ('registry', '0007_merge_session8'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='PackageScan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file_name', models.CharField(max_length=255, verbose_name='文件名')),
                        ('sha256', models.CharField(db_index=True, max_length=64, verbose_name='SHA-256')),
                        ('size', models.PositiveBigIntegerField(verbose_name='大小')),
                        ('status', models.CharField(choices=[('queued', '排队中'), ('running', '检测中'), ('done', '已完成'), ('failed', '失败')], default='queued', max_length=16, verbose_name='状态')),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('error', models.TextField(blank=True, verbose_name='错误')),
                        ('error_code', models.CharField(blank=True, max_length=32)),
                        ('facts', models.JSONField(blank=True, null=True, verbose_name='检测结果')),
                        ('kind', models.CharField(blank=True, max_length=32, verbose_name='包类型')),
                        ('package', models.CharField(blank=True, db_index=True, max_length=255, verbose_name='包名')),
                        ('identity_check', models.JSONField(blank=True, null=True, verbose_name='身份核对')),
                        ('scanner_version', models.CharField(blank=True, max_length=32)),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('app', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='package_scans', to='registry.app')),
                        ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='package_scans', to='registry.application')),
                        ('hosting_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='package_scans', to='orgs.unit')),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '安装包检测',
                        'verbose_name_plural': '安装包检测',
                        'db_table': 'compliance_packagescan',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_to_scans, content_type_to_compliance),
    ]
