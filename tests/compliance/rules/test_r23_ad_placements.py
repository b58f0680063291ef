from govapp.compliance.rules import r23_ad_placements as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_splash_ad():
    assert m.check(facts(scan=scan(keywords=(("开屏广告", "commercial"),))))


def test_passes_on_single_banner_word():
    assert m.check(facts(scan=scan(keywords=(("bannerAd", "commercial"),)))) == []
