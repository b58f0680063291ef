from __future__ import annotations

import pytest

from govapp.complaints import privacy


@pytest.fixture(autouse=True)
def _complaint_settings(settings, tmp_path):
    """Fast password hashing, evidence in a temporary directory, a cheap proof of work and a
    fresh in-memory rate limiter for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.GOVAPP_COMPLAINT_POW_BITS = 6
    privacy.rate_limit_reset()
    yield
    privacy.rate_limit_reset()
