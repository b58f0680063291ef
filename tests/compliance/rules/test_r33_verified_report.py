from govapp.compliance.facts import Operation, VerifiedReport
from govapp.compliance.rules import r33_verified_report as m
from tests.compliance.rules.helpers import facts


def test_fails_for_each_verified_report():
    op = Operation(
        verified_reports=[
            VerifiedReport(ref="举报 #3", category="forced_use", note="要求每天打卡两次"),
            VerifiedReport(ref="举报 #9", category="ranking_abuse", banned_practice="R-20"),
        ]
    )
    evidence = m.check(facts(operation=op))
    assert [e.value for e in evidence] == ["要求每天打卡两次", "ranking_abuse"]
    assert "举报 #3" in evidence[0].where


def test_passes_without_verified_reports():
    assert m.check(facts(operation=Operation(complaints={"forced_use": 5}))) == []
