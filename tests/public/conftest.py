from __future__ import annotations

import pytest
from django.core.cache import cache

from govapp.public import selectors


@pytest.fixture(autouse=True)
def _fresh_public_cache():
    """Each test starts with an empty cache and no memoised registry version."""
    cache.clear()
    selectors._memo["token"] = None
    yield
    cache.clear()
    selectors._memo["token"] = None
