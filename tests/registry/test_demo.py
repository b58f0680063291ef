from __future__ import annotations

import pytest
from django.test import Client

from govapp.core.calendar import today_shanghai
from govapp.core.models import AuditEvent
from govapp.orgs.demo import demo_orgs_load
from govapp.orgs.divisions import divisions_load
from govapp.orgs.models import User
from govapp.registry import selectors
from govapp.registry.demo import demo_registry_load
from govapp.registry.models import (
    App,
    Application,
    ApplicationEvent,
    ApplicationState,
    AppStatus,
    LegacyInventoryItem,
    PlatformIdentity,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        App.objects.count(),
        Application.objects.count(),
        ApplicationEvent.objects.count(),
        PlatformIdentity.objects.count(),
        LegacyInventoryItem.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def demo(settings):
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    divisions_load()
    demo_orgs_load()
    return demo_registry_load(scale=0.05)


def test_demo_is_idempotent_and_covers_every_state(demo):
    first = counts()
    again = demo_registry_load(scale=0.05)
    assert again["created"] == 0
    assert counts() == first
    assert set(Application.objects.values_list("state", flat=True)) == set(ApplicationState.values)
    assert set(App.objects.values_list("status", flat=True)) == set(AppStatus.values)
    scopes = set(App.objects.values_list("hosting_unit__scope_code", flat=True))
    assert "central" in scopes
    assert len({s[:2] for s in scopes if s != "central"}) == 31

    # the demo accounts have work waiting
    today = today_shanghai()
    user = {u.username: u for u in User.objects.all()}
    for name in ("gd-cac", "sc-cac", "cac"):
        queue = selectors.review_queue(user[name])
        assert queue.exists(), name
        assert queue.filter(deadline__lt=today).exists(), f"{name} has overdue work"
    for name in ("gz-unit", "cd-unit", "central-unit"):
        assert selectors.unit_todo(user[name]).exists(), name
    assert selectors.unit_todo(user["gz-unit"]).filter(state="feedback").exists()
    assert AuditEvent.objects.count() > 100

    # filed demo apps verify in public
    app = App.objects.filter(status=AppStatus.FILED, kind="app").first()
    ident = app.identities.get(platform="android")
    body = (
        Client()
        .get(
            "/api/v1/public/verify",
            {"package": ident.identifier, "cert_sha256": ident.cert_sha256},
        )
        .json()
    )
    assert body["status"] == "filed" and body["filing_number"] == app.filing_number
    assert Client().get("/api/v1/public/apps", {"q": app.name}).json()["count"] >= 1
