"""Complaints feed the compliance engine: counts by category, and reports a regulator opened
for checking become findings that close once the report is answered."""

from __future__ import annotations

from typing import Any

import pytest

from govapp.complaints import services as cs
from govapp.compliance.engine import build_facts
from govapp.compliance.models import Finding, FindingStatus
from tests.complaints import factories as cf
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_counts_and_verified_reports_reach_the_facts_and_findings(
    django_capture_on_commit_callbacks: Any,
) -> None:
    w = cf.world()
    first = cf.report(w.app).complaint
    cf.report(w.app, category="ranking_abuse")
    dismissed = cf.report(w.app, category="ranking_abuse").complaint
    with django_capture_on_commit_callbacks(execute=True):
        cs.complaint_dismiss(complaint=dismissed, actor=w.gd, reason="与本应用无关")
    facts = build_facts(w.app).facts
    assert facts.operation.complaints == {"forced_use": 1, "ranking_abuse": 1}
    assert facts.operation.verified_reports == []

    with django_capture_on_commit_callbacks(execute=True):
        cs.complaint_open_finding(complaint=first, actor=w.gd, note="核查是否强制每日打卡")
    # the re-evaluation is a task on the queue (visible, retriable): run the worker
    run_queued_tasks()
    finding = Finding.objects.get(app=w.app, rule_id="R33_VERIFIED_REPORT")
    assert finding.status == FindingStatus.OPEN
    assert "核查是否强制每日打卡" in str(finding.evidence)
    # Nothing the reporter wrote crosses over, only the regulator's note.
    assert "不打卡就通报批评" not in str(finding.evidence)

    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        cs.complaint_answer(complaint=first, actor=w.gd, outcome="已责令整改，取消打卡要求。")
    from govapp.compliance.services import compliance_evaluate

    compliance_evaluate(app=w.app, actor=w.gd)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
