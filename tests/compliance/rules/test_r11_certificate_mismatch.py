from govapp.compliance.facts import PlatformId
from govapp.compliance.rules import r11_certificate_mismatch as m
from tests.compliance.rules.helpers import facts, scan


def _ids(cert):
    return [PlatformId(platform="android", identifier="cn.gov.test", cert_sha256=cert)]


def test_fails_on_other_certificate():
    assert m.check(facts(scan=scan(cert="cd" * 32), identities=_ids("ab" * 32)))


def test_passes_on_registered_certificate_or_unknown_package():
    assert m.check(facts(scan=scan(cert="ab" * 32), identities=_ids("AB" * 32))) == []
    assert (
        m.check(facts(scan=scan(package="cn.other", cert="cd" * 32), identities=_ids("ab" * 32)))
        == []
    )
