from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverlapConfig(AppConfig):
    name = "govapp.oversight.overlap"
    label = "overlap"
    verbose_name = _("重复应用治理")
    default_auto_field = "django.db.models.BigAutoField"
