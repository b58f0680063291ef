from govapp.compliance.rules import r14_offline_report_overdue as m
from tests.compliance.rules.helpers import facts


def test_fails_when_the_offline_report_is_overdue():
    f = facts(status="shutdown_notice")
    f.shutdown_date, f.offline_report_due, f.offline_report_overdue = (
        "2026-10-01",
        "2026-10-15",
        True,
    )
    evidence = m.check(f)
    assert evidence and "2026-10-15" in evidence[1].value


def test_passes_before_the_deadline_or_without_a_shutdown():
    f = facts(status="shutdown_notice")
    f.shutdown_date, f.offline_report_due = "2026-10-01", "2026-10-15"
    assert m.check(f) == []
    assert m.check(facts(status="filed")) == []
