from govapp.compliance.rules import r23_payment_sdk as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_on_payment_sdk_in_staff_app():
    assert m.check(facts(scan=scan(sdks=(("alipay", "payment"),)), declared=declared(feature())))


def test_passes_in_public_facing_app_or_package_alone():
    s = scan(sdks=(("alipay", "payment"),))
    assert m.check(facts(scan=s, declared=declared(feature()), public_facing=True)) == []
    assert m.check(facts(scan=s)) == []
