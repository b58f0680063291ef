from govapp.compliance.rules import r27_graded_protection as m
from tests.compliance.rules.helpers import declared, facts


def test_fails_without_assessment():
    assert m.check(facts(declared=declared(mlps_level="none")))


def test_passes_with_level():
    assert m.check(facts(declared=declared(mlps_level="2"))) == []
