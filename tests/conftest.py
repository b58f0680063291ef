"""Shared pytest configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _redis_db_per_worker() -> None:
    """Tests that talk to Redis (``GOVAPP_TEST_REDIS_URL``, e.g. ``redis://127.0.0.1:6379/13``)
    flush and count in their database: each xdist worker gets its own (gw0 the given number,
    gw1 the next), so two workers never clear each other's counters."""
    url = os.environ.get("GOVAPP_TEST_REDIS_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return
    base, _, db = url.rpartition("/")
    if base.startswith("redis") and db.isdigit():
        os.environ["GOVAPP_TEST_REDIS_URL"] = f"{base}/{int(db) + int(worker[2:])}"


_redis_db_per_worker()


def pytest_configure(config: pytest.Config) -> None:
    """One test process: a per-process cache unless the run asks for a shared one
    (CACHE_URL=redis://... or db://); tests of several processes start their servers with an
    explicit CACHE_URL."""
    from django.conf import settings

    if not os.environ.get("CACHE_URL"):
        from govapp.settings import _cache_config

        settings.CACHES = {"default": _cache_config("locmem://")}
    # A fast hasher: argon2 costs ~50 ms a password, and factories create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shared_fixtures() -> Path:
    path = SHARED / "fixtures"
    if not path.is_dir():
        pytest.skip(f"../shared/fixtures not found at {path}: real packages are not available here")
    return path


@pytest.fixture(autouse=True)
def _calendar_data(request: pytest.FixtureRequest) -> None:
    """The official holiday calendar is data seeded by a migration; transactional tests flush
    every table afterwards, so put it back for any database test that finds it gone."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from govapp.core.services import calendar_seed_from_package

    calendar_seed_from_package()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in English leaves English active in the thread; every test starts in the
    default language (zh-hans) instead."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _audit_anchor_file(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Each test anchors the audit chain into its own file (never the developer's var/)."""
    settings.GOVAPP_AUDIT_ANCHOR_FILE = tmp_path / "audit_anchors.jsonl"  # type: ignore[attr-defined]
