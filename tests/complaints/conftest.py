from __future__ import annotations

import pytest

from govapp.complaints import privacy
from govapp.core import shared


@pytest.fixture(autouse=True)
def _complaint_settings(settings, tmp_path):
    """Fast password hashing, evidence in a temporary directory, a cheap proof of work and a
    fresh rate limiter for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.GOVAPP_COMPLAINT_POW_BITS = 6
    # the limiter's counters live in the database (rolled back after each test) unless the run
    # uses Redis (CACHE_URL=redis://...), which is cleared here
    redis = shared._redis()
    if redis:
        privacy.rate_limit_reset()
    yield
    if redis:
        privacy.rate_limit_reset()
