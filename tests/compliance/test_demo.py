"""The compliance demo data: real scans of built packages, findings, work waiting for every
demo account, every order state, idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govapp.compliance import selectors
from govapp.compliance.demo import VARIANTS, demo_compliance_load
from govapp.compliance.models import (
    Bulletin,
    Exemption,
    Finding,
    OrderState,
    PenaltyCase,
    RectificationOrder,
    SpotCheck,
)
from govapp.core.models import AuditEvent
from govapp.orgs.demo import demo_orgs_load
from govapp.orgs.divisions import divisions_load
from govapp.orgs.models import User
from govapp.registry.demo import demo_registry_load
from govapp.registry.models import App, AppStatus
from govapp.scans.models import PackageScan

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (PackageScan, Finding, Exemption, RectificationOrder, PenaltyCase, AuditEvent)
    )


@pytest.fixture
def demo(settings: Any) -> dict[str, Any]:
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    divisions_load()
    demo_orgs_load()
    demo_registry_load(scale=0.25)
    return demo_compliance_load()


def test_demo(demo: dict[str, Any]) -> None:
    """One test (the demo takes a few seconds to load): real scans, idempotence, work waiting."""
    base = PackageScan.objects.filter(app__isnull=True)
    assert base.count() == len(VARIANTS)
    assert all(s.status == "done" and s.scanner_version for s in base)
    kinds = set(base.values_list("kind", flat=True))
    assert {"apk", "hap", "wechat-miniprogram"} <= kinds
    rules = set(Finding.objects.values_list("rule_id", flat=True))
    assert {
        "R20_CLOCK_IN",
        "R20_POINTS_RANKING",
        "R23_ADVERTISING_SDK",
        "R22_LOCATION_TRACK",
    } <= rules
    # every attached scan's facts are a real scan's facts
    facts = {s.sha256: s.facts for s in base}
    for s in PackageScan.objects.filter(app__isnull=False):
        assert s.facts == facts[s.sha256]
        assert s.identity_check is not None

    first = counts()
    again = demo_compliance_load()
    assert again["created"] == 0
    assert counts() == first

    user = {u.username: u for u in User.objects.all()}
    # gz-unit: an order to answer
    assert selectors.orders_for(user["gz-unit"], state=OrderState.OPEN).exists()
    # gd-cac: an exemption to decide
    assert selectors.dashboard(user["gd-cac"])["exemptions_pending"] >= 1
    # sc-cac: a responded order to accept or send back
    assert selectors.orders_for(user["sc-cac"], state=OrderState.RESPONDED).exists()
    # cac: a penalty to decide
    assert selectors.dashboard(user["cac"])["penalties_proposed"] >= 1
    # cd-unit: an order sent back
    assert selectors.orders_for(user["cd-unit"], state=OrderState.SENT_BACK).exists()
    # overdue orders, visible to the regulators above them
    assert selectors.dashboard(user["cac"])["orders_overdue"] >= 1
    assert set(RectificationOrder.objects.values_list("state", flat=True)) == set(OrderState.values)
    assert set(Exemption.objects.values_list("status", flat=True)) >= {
        "requested",
        "approved",
        "refused",
        "expired",
    }
    # a revoked filing shows as revoked in public verification
    case = PenaltyCase.objects.get(state="revoked")
    assert case.app.status == AppStatus.REVOKED
    r = Client().get("/api/v1/public/verify", {"filing_number": case.filing_number})
    assert r.json()["status"] == "revoked"
    check = SpotCheck.objects.get()
    assert check.seed and check.items.filter(result__in=["passed", "failed"]).exists()
    assert Bulletin.objects.count() == 1
    assert App.objects.filter(status=AppStatus.FILED, findings__isnull=False).exists()
