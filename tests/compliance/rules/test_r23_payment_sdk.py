from govapp.compliance.rules import r23_payment_sdk as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_on_payment_sdk_in_staff_app():
    assert m.check(facts(scan=scan(sdks=(("alipay", "payment"),)), declared=declared(feature())))


def test_passes_in_public_facing_app_or_package_alone():
    s = scan(sdks=(("alipay", "payment"),))
    assert m.check(facts(scan=s, declared=declared(feature()), public_facing=True)) == []
    assert m.check(facts(scan=s)) == []


def test_fails_on_mini_program_payment_api_found_by_the_scanner(tmp_path):
    from govapp.scanner import scan_path
    from govapp.scanner.testkit.builders import build_miniprogram_dir
    from govapp.scanner.testkit.services import wechat_ads_and_payment

    build_miniprogram_dir(tmp_path / "wx", wechat_ads_and_payment())
    ev = m.check(facts(scan=scan_path(tmp_path / "wx"), declared=declared(feature())))
    assert [e.value for e in ev] == [
        "WeChat Pay in mini-programs (wx.requestPayment) (wechat-miniprogram-pay)"
    ]
    assert "wx.requestPayment" in ev[0].where
