from govapp.compliance.rules import r23_advertising_sdk as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_ad_sdk():
    ev = m.check(facts(scan=scan(sdks=(("pangle", "advertising"),))))
    assert ev and "pangle" in ev[0].value


def test_passes_on_push_and_analytics_sdks():
    assert m.check(facts(scan=scan(sdks=(("jpush", "push"), ("umeng", "analytics"))))) == []


def test_fails_on_quick_app_ad_service_found_by_the_scanner(tmp_path):
    from govapp.scanner import scan_path
    from govapp.scanner.testkit.builders import build_miniprogram_dir
    from govapp.scanner.testkit.services import quickapp_ads_and_payment, quickapp_decoys

    build_miniprogram_dir(tmp_path / "qa", quickapp_ads_and_payment())
    ev = m.check(facts(scan=scan_path(tmp_path / "qa")))
    assert len(ev) == 1 and "quickapp-ads" in ev[0].value
    assert "service.ad" in ev[0].where
    build_miniprogram_dir(tmp_path / "decoys", quickapp_decoys())
    assert m.check(facts(scan=scan_path(tmp_path / "decoys"))) == []
