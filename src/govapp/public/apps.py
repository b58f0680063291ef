from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "govapp.public"
    label = "public"
    verbose_name = _("公众查询")

    def ready(self) -> None:
        from govapp.api import api
        from govapp.public.api import router

        # /api/v1/public (no login); mounted here so the public app stays self-contained.
        if not any(r is router for _prefix, r in getattr(api, "_routers", [])):
            api.add_router("/public", router)
