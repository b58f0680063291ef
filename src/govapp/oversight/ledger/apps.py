from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "govapp.oversight.ledger"
    label = "ledger"
    verbose_name = _("填报事项清单")
