from govapp.compliance.rules import r09_scenario_unexplained as m
from tests.compliance.rules.helpers import declared, facts, feature


def test_fails_without_scenario_or_with_short_explanation():
    assert m.check(facts(declared=declared(feature("考勤", "clock_in"))))
    assert m.check(facts(declared=declared(feature("考勤", "clock_in", "security", "需要"))))


def test_passes_with_scenario_and_explanation():
    f = feature("值守签到", "clock_in", "emergency", "防汛应急期间值守人员到岗确认，汛期结束即关闭")
    assert m.check(facts(declared=declared(f, feature()))) == []
