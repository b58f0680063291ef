from govapp.compliance.rules import r27_debug_certificate as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_debug_or_missing_certificate():
    assert m.check(facts(scan=scan(subject="C=US, O=Android, CN=Android Debug")))
    assert m.check(facts(scan=scan(cert=None)))


def test_passes_on_release_certificate_or_mini_program():
    assert m.check(facts(scan=scan())) == []
    assert m.check(facts(scan=scan(cert=None, kind="wechat-miniprogram"))) == []
