"""Filing numbers: unique, never reused, safe under concurrency (R-11)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from govapp.registry.models import App
from govapp.registry.services.review import application_approve
from tests.registry import factories as rf


@pytest.mark.django_db
def test_format_is_a_setting(settings):
    settings.GOVAPP_FILING_NUMBER_FORMAT = "GA-{province}-{year}-{seq:04d}"
    w = rf.world()
    number = rf.filed(w).app.filing_number
    assert number.startswith("GA-44-") and number.endswith("-0001")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_get_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (SQLite serialises every writer, so there is no race to test)"
        )
    w = rf.world()
    applications = [rf.forwarded(w) for _ in range(24)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(chunk):
        try:
            barrier.wait()
            for a in chunk:
                application_approve(actor=w.cac, application=a, override_reason=rf.OVERRIDE)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(applications[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = list(App.objects.exclude(filing_number=None).values_list("filing_number", flat=True))
    assert len(numbers) == 24 and len(set(numbers)) == 24
    assert sorted(int(n[-7:-1]) for n in numbers) == list(range(1, 25))
