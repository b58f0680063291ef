from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_public_cache():
    from django.core.cache import cache

    from govapp.public import selectors

    cache.clear()
    selectors._memo["token"] = None
    yield
    cache.clear()
    selectors._memo["token"] = None
