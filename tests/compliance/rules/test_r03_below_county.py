from govapp.compliance.rules import r03_below_county as m
from tests.compliance.rules.helpers import facts


def test_fails_for_township_unit():
    assert m.check(facts(unit_level=4))


def test_passes_for_county_or_with_exception():
    assert m.check(facts(unit_level=3)) == []
    assert m.check(facts(unit_level=4, below_county_exception_approved=True)) == []
