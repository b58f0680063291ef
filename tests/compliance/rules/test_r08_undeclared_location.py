from govapp.compliance.rules import r08_undeclared_location as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_when_no_declared_feature_needs_location():
    f = facts(scan=scan(caps=("background-location",)), declared=declared(feature("公文流转")))
    assert m.check(f)


def test_passes_when_location_feature_declared():
    d = declared(feature("应急巡查定位", description="防汛巡查"))
    assert m.check(facts(scan=scan(caps=("background-location",)), declared=d)) == []


def test_passes_without_background_location_or_declaration():
    assert m.check(facts(scan=scan(caps=("location",)), declared=declared(feature()))) == []
    assert m.check(facts(scan=scan(caps=("background-location",)))) == []
