"""Bulk re-evaluation (govapp.compliance.batch, issue 16): the same findings as evaluating each
app on its own, in a bounded number of queries per batch, and idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govapp.compliance import engine
from govapp.compliance.batch import evaluate_apps
from govapp.compliance.models import Exemption, ExemptionStatus, Finding, FindingStatus
from govapp.core.audit import audit_verify
from govapp.core.models import AuditEvent
from govapp.registry.models import App, AppStatus
from tests.compliance import factories as cf
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db

FIELDS = ("app_id", "rule_id", "status", "evidence", "app_version", "fact_sources", "scan_id",
          "application_id", "exemption_id", "severity", "close_reason")  # fmt: skip


def _snapshot() -> list[tuple]:
    rows = Finding.objects.order_by("app_id", "rule_id", "status").values_list(*FIELDS)
    return [tuple(str(v) for v in r) for r in rows]


def _varied_world() -> list[App]:
    w = cf.world()
    plain = cf.app(w)
    clock = cf.app(w)
    cf.package_scan(clock, **cf.CLOCK_IN)
    ads = cf.app(w)
    cf.package_scan(ads, **cf.CLOCK_IN, **cf.ADS)
    Exemption.objects.create(
        app=ads,
        rule_id="R20_CLOCK_IN",
        scenario="security",
        reason="安全生产巡检",
        status=ExemptionStatus.APPROVED,
        expires_on=dt.date.today() + dt.timedelta(days=30),
    )
    # announced its shutdown two months ago and sent no offline report: R-14 (the batch read
    # no shutdown facts before round 3)
    gone = cf.app(
        w, status=AppStatus.SHUTDOWN_NOTICE, shutdown_date=dt.date.today() - dt.timedelta(days=60)
    )
    rw = rf.draft(rf.world())
    return [plain, clock, ads, gone, rw.app]


def test_batch_writes_the_same_findings_as_one_app_at_a_time():
    apps = _varied_world()
    for app in apps:
        engine.evaluate_app(app=app, actor=None)
    expected = _snapshot()
    assert expected
    assert ("R14_OFFLINE_REPORT_OVERDUE", "open") in {(r[1], r[2]) for r in expected}
    Finding.objects.all().delete()
    out = evaluate_apps(App.objects.filter(pk__in=[a.pk for a in apps]), actor=None, batch_size=3)
    assert out.apps == len(apps)
    assert _snapshot() == expected
    assert out.opened == len(expected)
    assert AuditEvent.objects.filter(action="finding.open").count() >= out.opened
    assert audit_verify().ok


def test_batch_reevaluation_is_idempotent_and_closes():
    apps = _varied_world()
    qs = App.objects.filter(pk__in=[a.pk for a in apps])
    evaluate_apps(qs, actor=None)
    first = _snapshot()
    events = AuditEvent.objects.count()
    again = evaluate_apps(qs, actor=None)
    assert again.opened == again.closed == again.updated == 0 and again.unchanged
    assert len(_snapshot()) == len(first)
    assert AuditEvent.objects.count() == events  # nothing changed, nothing logged
    # the ads go away in a new package: that finding closes with its reason
    cf.package_scan(apps[2], **cf.CLOCK_IN)
    out = evaluate_apps(qs, actor=None)
    assert out.closed == 1
    closed = Finding.objects.get(app=apps[2], rule_id="R23_ADVERTISING_SDK")
    assert closed.status == FindingStatus.CLOSED and "不再违反" in closed.close_reason


def test_queries_per_batch_do_not_grow_with_the_number_of_apps():
    w = cf.world()
    for _ in range(3):
        cf.package_scan(cf.app(w), **cf.CLOCK_IN)
    evaluate_apps(App.objects.all(), actor=None)
    with CaptureQueriesContext(connection) as few:
        evaluate_apps(App.objects.all(), actor=None)
    for _ in range(12):
        cf.package_scan(cf.app(w), **cf.CLOCK_IN)
    evaluate_apps(App.objects.all(), actor=None)
    with CaptureQueriesContext(connection) as many:
        evaluate_apps(App.objects.all(), actor=None)
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def test_first_evaluation_writes_findings_and_audit_events_in_a_fixed_number_of_queries():
    """Opening findings for many apps costs the same queries as for a few: the findings are
    bulk-created and their audit events (still one per finding) chained in one write."""
    w = cf.world()
    for _ in range(2):
        cf.package_scan(cf.app(w), **cf.CLOCK_IN)
    with CaptureQueriesContext(connection) as few:
        first = evaluate_apps(App.objects.all(), actor=None)
    Finding.objects.all().delete()
    for _ in range(10):
        cf.package_scan(cf.app(w), **cf.CLOCK_IN)
    events_before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as many:
        out = evaluate_apps(App.objects.all(), actor=None)
    assert out.opened > first.opened
    assert AuditEvent.objects.count() - events_before == out.opened  # one event per finding
    assert len(many.captured_queries) <= len(few.captured_queries) + 2
    assert audit_verify().ok


def test_reevaluation_moves_last_seen_and_writes_what_else_changed():
    """A finding seen again unchanged only gets its ``last_seen`` moved; one whose other
    columns changed (here the app's version) is written in full, without an audit event
    because its status and evidence are the same (as the one-app engine does)."""
    apps = _varied_world()
    qs = App.objects.filter(pk__in=[a.pk for a in apps])
    evaluate_apps(qs, actor=None)
    seen = dict(Finding.objects.values_list("pk", "last_seen"))
    stale = Finding.objects.filter(app=apps[1]).first()
    assert stale is not None
    Finding.objects.filter(pk=stale.pk).update(app_version="0.0.1")
    events = AuditEvent.objects.count()
    again = evaluate_apps(qs, actor=None)
    assert again.opened == again.closed == again.updated == 0
    assert AuditEvent.objects.count() == events
    for pk, last_seen in Finding.objects.exclude(status=FindingStatus.CLOSED).values_list(
        "pk", "last_seen"
    ):
        assert last_seen > seen[pk]
    stale.refresh_from_db()
    assert stale.app_version != "0.0.1"
    engine.evaluate_app(app=apps[1], actor=None)
    assert _snapshot() == _snapshot_after_one_app_each(apps)


def _snapshot_after_one_app_each(apps: list[App]) -> list[tuple]:
    for app in apps:
        engine.evaluate_app(app=app, actor=None)
    return _snapshot()


@pytest.mark.django_db(transaction=True)
def test_workers_share_the_batches_and_write_the_same_findings():
    """``workers=2`` on PostgreSQL: batches of apps in two forked processes, the same findings
    as one process, one audit event per finding and a valid chain."""
    if connection.vendor != "postgresql":
        pytest.skip("several processes need PostgreSQL (SQLite runs the batches in-process)")
    apps = _varied_world()
    qs = App.objects.filter(pk__in=[a.pk for a in apps])
    evaluate_apps(qs, actor=None, batch_size=1)
    expected = _snapshot()
    Finding.objects.all().delete()
    events = AuditEvent.objects.count()
    out = evaluate_apps(qs, actor=None, batch_size=1, workers=2)
    assert out.apps == len(apps) and out.opened == len(expected)
    assert _snapshot() == expected
    assert AuditEvent.objects.count() - events == out.opened
    assert audit_verify().ok
