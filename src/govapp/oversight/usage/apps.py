from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "govapp.oversight.usage"
    label = "usage"
    verbose_name = _("使用情况与退出")
