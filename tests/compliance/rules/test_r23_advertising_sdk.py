from govapp.compliance.rules import r23_advertising_sdk as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_ad_sdk():
    ev = m.check(facts(scan=scan(sdks=(("pangle", "advertising"),))))
    assert ev and "pangle" in ev[0].value


def test_passes_on_push_and_analytics_sdks():
    assert m.check(facts(scan=scan(sdks=(("jpush", "push"), ("umeng", "analytics"))))) == []
