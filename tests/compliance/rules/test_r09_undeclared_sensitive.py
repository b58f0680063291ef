from govapp.compliance.rules import r09_undeclared_sensitive as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_when_scan_finds_undeclared_clock_in():
    f = facts(scan=scan(keywords=(("考勤打卡", "clock_in"),)), declared=declared(feature()))
    assert m.check(f)


def test_passes_when_declared_or_no_application():
    s = scan(keywords=(("考勤打卡", "clock_in"),))
    d = declared(feature("值守签到", "clock_in", "security", "重大活动安保值守到岗确认"))
    assert m.check(facts(scan=s, declared=d)) == []
    assert m.check(facts(scan=s)) == []
