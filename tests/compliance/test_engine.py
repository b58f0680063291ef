import pytest

from govapp.compliance import engine
from govapp.compliance.models import Finding, FindingStatus
from govapp.core.models import AuditEvent
from tests.compliance import factories as cf
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def test_findings_carry_rule_evidence_version_and_sources():
    w = cf.world()
    app = cf.app(w)
    scan = cf.package_scan(app, **cf.CLOCK_IN)
    out = engine.evaluate_app(app=app, actor=w.province)
    f = Finding.objects.get(app=app, rule_id="R20_CLOCK_IN")
    assert f in out.opened and f.status == FindingStatus.OPEN
    assert f.severity == "high" and f.requirement == "R-20"
    assert any(e["value"] == "上班打卡" and e["source"] == "keyword" for e in f.evidence)
    assert f.scan == scan and f.app_version == "1.0"
    assert f.fact_sources["scan"].startswith(f"scan:{scan.pk}")
    assert AuditEvent.objects.filter(action="finding.open", object_id=str(f.pk)).exists()


def test_reevaluation_is_idempotent_and_closes_with_reason():
    w = cf.world()
    app = cf.app(w)
    cf.package_scan(app, **cf.CLOCK_IN, **cf.ADS)
    engine.evaluate_app(app=app, actor=None)
    n = Finding.objects.filter(app=app).count()
    again = engine.evaluate_app(app=app, actor=None)
    assert Finding.objects.filter(app=app).count() == n
    assert not again.opened and not again.closed and again.unchanged
    # a new package version without ads: the ad finding closes, clock-in stays open
    cf.package_scan(app, **cf.CLOCK_IN)
    out = engine.evaluate_app(app=app, actor=None)
    closed = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    assert closed in out.closed and closed.status == FindingStatus.CLOSED
    assert "不再违反" in closed.close_reason and "scan:" in closed.close_reason
    assert Finding.objects.get(app=app, rule_id="R20_CLOCK_IN").status == FindingStatus.OPEN
    # it comes back: a new finding, the closed one stays as history
    cf.package_scan(app, **cf.ADS)
    engine.evaluate_app(app=app, actor=None)
    assert Finding.objects.filter(app=app, rule_id="R23_ADVERTISING_SDK").count() == 2


def test_draft_application_is_evaluated_before_submission():
    w = rf.world()
    draft = rf.draft(w)
    sections = dict(draft.sections)
    sections["features"] = [
        *sections["features"],
        {"name": "考勤打卡", "reason": "r", "basis": "b", "sensitive_kind": "clock_in"},
    ]
    draft.sections = sections
    draft.save()
    engine.evaluate_app(app=draft.app, actor=w.member, application=draft)
    rules = set(Finding.objects.filter(app=draft.app).values_list("rule_id", flat=True))
    assert {"R20_CLOCK_IN", "R09_SCENARIO_UNEXPLAINED", "R24_COMPLAINT_FUNCTION"} <= rules
    f = Finding.objects.get(app=draft.app, rule_id="R20_CLOCK_IN")
    assert f.application == draft and f.fact_sources["declared"] == f"application:{draft.pk}"


def test_below_county_unit_without_exception():
    w = cf.world("440106001")
    app = cf.app(w)
    engine.evaluate_app(app=app, actor=None)
    assert Finding.objects.filter(app=app, rule_id="R03_BELOW_COUNTY").exists()


def test_clean_app_has_no_findings():
    w = cf.world()
    app = cf.app(w)
    cf.package_scan(app)
    engine.evaluate_app(app=app, actor=None)
    assert list(Finding.objects.filter(app=app).values_list("rule_id", flat=True)) == [
        "R18_PLATFORM_COVERAGE"
    ]
