from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "govapp.oversight.usage"
    label = "usage"
    verbose_name = _("使用情况与退出")

    def ready(self) -> None:
        from govapp.oversight.usage import sqlite_ping

        # SQLite's one-statement ping (sqlite_ping.py): dropped before a migration, made after
        pre_migrate.connect(sqlite_ping.before_migrate, sender=self)
        post_migrate.connect(sqlite_ping.after_migrate, sender=self)
