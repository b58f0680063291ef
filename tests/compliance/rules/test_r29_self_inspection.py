from govapp.compliance.facts import Operation, SelfInspectionProblem
from govapp.compliance.rules import r29_self_inspection as m
from tests.compliance.rules.helpers import facts


def test_fails_for_an_admitted_or_confirmed_problem():
    op = Operation(
        self_inspection_problems=[
            SelfInspectionProblem(ref="专项 · H02", question="每日打卡", how="admitted"),
            SelfInspectionProblem(
                ref="专项 · H06", question="重复填报", how="confirmed", unit="某县"
            ),
        ]
    )
    found = m.check(facts(operation=op))
    assert [e.value for e in found] == ["每日打卡", "重复填报"]
    assert "审核确认" in found[1].where and "某县" in found[1].where


def test_passes_without_problems():
    assert m.check(facts(operation=Operation())) == []
