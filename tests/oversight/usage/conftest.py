from __future__ import annotations

import pytest
from django.core.cache import cache

from govapp.complaints import privacy
from govapp.oversight.usage import services


@pytest.fixture(autouse=True)
def _usage_settings(settings, tmp_path):
    """Fast password hashing, uploads in a temporary directory, an empty cache, a fresh
    in-memory limiter and no remembered ping targets for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    privacy.rate_limit_reset()
    services.memo_clear()
    yield
    cache.clear()
    privacy.rate_limit_reset()
    services.memo_clear()
