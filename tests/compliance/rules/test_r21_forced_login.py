from govapp.compliance.rules import r21_forced_login as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_login_days():
    assert m.check(facts(scan=scan(keywords=(("登录天数", "forced_login"),))))


def test_passes_on_ordinary_login_prompt():
    assert m.check(facts(scan=scan(keywords=(("未登录", "forced_login"),)))) == []
    assert m.check(facts()) == []
