from __future__ import annotations

import pytest
from django.core.cache import cache

from govapp.complaints import privacy
from govapp.oversight.usage import services


@pytest.fixture(autouse=True)
def _usage_settings(request, settings, tmp_path):
    """Fast password hashing, uploads in a temporary directory, an empty cache, a fresh
    in-memory limiter and no remembered ping targets for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # the shared limiter keeps its counters in the database (or Redis): reset them only where
    # the test may use the database (the multi-process test runs its own servers)
    with_db = request.node.get_closest_marker("django_db") is not None
    cache.clear()
    if with_db:
        privacy.rate_limit_reset()
    services.memo_clear()
    yield
    cache.clear()
    if with_db:
        privacy.rate_limit_reset()
    services.memo_clear()
