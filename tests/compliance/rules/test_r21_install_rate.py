from govapp.compliance.rules import r21_install_rate as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_install_rate():
    assert m.check(facts(scan=scan(keywords=(("安装率", "install_rate"),))))


def test_passes_on_not_installed_prompt():
    assert m.check(facts(scan=scan(keywords=(("未安装", "install_rate"),)))) == []
    assert m.check(facts(scan=scan(keywords=(("使用率", "install_rate"),)))) == []
