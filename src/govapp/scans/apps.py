from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScansConfig(AppConfig):
    name = "govapp.scans"
    label = "scans"
    verbose_name = _("安装包检测")
