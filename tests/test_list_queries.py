"""Query counts of the list pages, list APIs and dashboards (issue 16): a page costs the same
number of queries whether its list holds a few rows or many (no N+1), and stays under a fixed
ceiling (``django_assert_max_num_queries``), for a regulator, an auditor and a unit member."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from govapp.complaints.models import Complaint, ExplanationRequest, Status
from govapp.complaints.services import app_complaint_key_ensure
from govapp.compliance.models import Finding, FindingStatus, OrderState, RectificationOrder
from govapp.core.audit import audit_record
from govapp.registry.models import Application, ApplicationState, Holder, Notification
from tests.complaints import factories as cpf

pytestmark = pytest.mark.django_db
_n = itertools.count(1)

PAGES = [
    "/",
    "/registry/apps/",
    "/registry/apps/?q=测试",
    "/registry/applications/",
    "/registry/applications/?todo=1",
    "/registry/queue/",
    "/registry/notifications/",
    "/audit/",
    "/orgs/units/",
    "/compliance/",
    "/compliance/findings/",
    "/compliance/orders/",
    "/complaints/manage/",
    "/complaints/manage/stats/",
    "/complaints/unit/",
    "/scans/",
    "/api/v1/registry/apps",
    "/api/v1/registry/applications",
    "/api/v1/registry/applications?queue=true",
    "/api/v1/orgs/units",
    "/api/v1/audit/events",
    "/api/v1/compliance/findings",
    "/api/v1/compliance/orders",
    "/api/v1/compliance/dashboard",
    "/api/v1/complaints",
]
# Ceiling per request (session, user, grants and the page's own queries).
MAX_QUERIES = 40
# The home page is the dashboard: every figure of the reports app plus every app's to-do panel
# (core.wiring.HOME_PANELS), a constant number of queries that must still not grow with rows.
CEILING = {"/": 80}


def _rows(w: cpf.World, k: int) -> None:
    """k more rows of every listed kind, in the unit's reach (and so in the regulators')."""
    today = timezone.localdate()
    states = [
        (ApplicationState.DRAFT, Holder.UNIT),
        (ApplicationState.SUBMITTED, Holder.PROVINCE),
        (ApplicationState.FORWARDED, Holder.CAC),
        (ApplicationState.FEEDBACK, Holder.UNIT),
    ]
    for i in range(k):
        app = cpf.filed_app(w.unit, f"测试应用{next(_n)}")
        app_complaint_key_ensure(app=app)  # every filed app has one (periodic task)
        state, holder = states[i % len(states)]
        Application.objects.create(
            app=app, state=state, holder=holder, deadline=today + dt.timedelta(days=i - 2)
        )
        finding = Finding.objects.create(
            app=app,
            rule_id="R20_CLOCK_IN",
            requirement="R-20",
            severity="high",
            status=FindingStatus.OPEN,
        )
        order = RectificationOrder.objects.create(
            app=app,
            instructions="整改",
            state=OrderState.OPEN,
            working_days=10,
            deadline=today + dt.timedelta(days=i - 2),
            issued_by=w.gd,
        )
        order.findings.add(finding)
        complaint = Complaint.objects.create(
            app=app,
            hosting_unit=w.unit,
            scope_code=w.unit.scope_code,
            routed_to=w.gd_office,
            channel="web",
            category="forced_use",
            description="要求打卡",
            receipt_hash=f"{next(_n):064x}",
            status=Status.EXPLANATION_REQUESTED,
            received_on=today,
            ack_due=today,
            answer_due=today,
        )
        ExplanationRequest.objects.create(
            complaint=complaint,
            app=app,
            hosting_unit=w.unit,
            category="forced_use",
            redacted_text="说明",
            requested_by=w.gd,
            due=today,
        )
        Notification.objects.create(user=w.member, text=f"通知{i}", url="/")
        audit_record(actor=w.gd, action="test.event", obj=app)


def _count(client, user, url: str) -> int:
    from django.core.cache import cache

    client.force_login(user)
    cache.clear()  # figures kept in the cache (statistics, dashboards) are counted uncached
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code in {200, 403, 404}, (url, r.status_code)
    return len(ctx.captured_queries)


@pytest.fixture
def world():
    return cpf.world()


@pytest.mark.parametrize("who", ["cac", "gd", "auditor", "member"])
def test_list_queries_do_not_grow_with_the_rows(
    client, world, who, django_assert_max_num_queries, settings
):
    # the dashboard always computes live here (no snapshot reused on one call and not the next)
    settings.GOVAPP_REPORTS_LIVE_MS = 10**9
    user = getattr(world, who)
    _rows(world, 4)  # every application state at least once: no list is empty
    for url in PAGES:  # warm caches that are filled once per process or day
        _count(client, user, url)
    few = {url: _count(client, user, url) for url in PAGES}
    _rows(world, 8)
    _count(client, user, "/")
    many = {url: _count(client, user, url) for url in PAGES}
    grown = {url: (few[url], n) for url, n in many.items() if n > few[url]}
    assert not grown, f"queries grew with the rows (N+1) for {who}: {grown}"
    over = {url: n for url, n in many.items() if n > CEILING.get(url, MAX_QUERIES)}
    assert not over, f"over the ceiling of queries for {who}: {over}"
    for url in PAGES:
        with django_assert_max_num_queries(CEILING.get(url, MAX_QUERIES)):
            client.get(url)
