from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "govapp.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        # Every image any part of govapp decodes stops at the pixel budget: Pillow refuses
        # an image of more than twice this many pixels outright (DecompressionBombError) and
        # callers check the size against it before decoding.
        from django.conf import settings
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = int(settings.GOVAPP_IMAGE_MAX_PIXELS)
