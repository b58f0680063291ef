"""Shared pytest configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
