from govapp.compliance.facts import PlatformId
from govapp.compliance.rules import r18_platform_coverage as m
from tests.compliance.rules.helpers import facts


def test_fails_with_android_only():
    ids = [PlatformId(platform="android", identifier="a")]
    assert m.check(facts(identities=ids))


def test_passes_with_all_platforms_or_mini_program():
    ids = [PlatformId(platform=p, identifier="a") for p in ("android", "ios", "harmony")]
    assert m.check(facts(identities=ids)) == []
    mp = [PlatformId(platform="wechat", identifier="wx1")]
    assert m.check(facts(kind="mini_program", identities=mp)) == []
