from govapp.compliance.facts import Inspection, Operation
from govapp.compliance.rules import r20_clock_in as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_on_strong_clock_in_keyword():
    ev = m.check(facts(scan=scan(keywords=(("上班打卡", "clock_in"),))))
    assert ev and ev[0].value == "上班打卡"


def test_fails_on_declared_clock_in_feature():
    f = facts(
        declared=declared(feature("考勤打卡", "clock_in", "security", "安保值守人员到岗确认"))
    )
    assert m.check(f)[0].source == "declared"


def test_fails_on_weak_word_with_location_capability():
    assert m.check(facts(scan=scan(caps=("location",), keywords=(("打卡", "clock_in"),))))


def test_fails_on_inspection():
    op = Operation(inspection=Inspection(source="spotcheck:1", clock_in_observed=True))
    assert m.check(facts(operation=op))


def test_passes_on_lookalike_word_alone():
    # "打卡" alone is a reading/fitness habit word in many apps: not evidence by itself
    assert m.check(facts(scan=scan(keywords=(("打卡", "clock_in"),)))) == []
    assert m.check(facts(scan=scan(keywords=(("signIn", "clock_in"),)))) == []


def test_passes_clean():
    assert m.check(facts(scan=scan(), declared=declared(feature()))) == []
    assert m.RULE.exemptible and m.RULE.package_only
