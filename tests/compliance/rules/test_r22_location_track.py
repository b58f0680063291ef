from govapp.compliance.rules import r22_location_track as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_on_background_location_and_track_words():
    s = scan(caps=("background-location", "location"), keywords=(("轨迹", "track"),))
    ev = m.check(facts(scan=s))
    assert {e.source for e in ev} == {"capability", "keyword"}


def test_fails_on_declared_track_feature():
    assert m.check(facts(declared=declared(feature("巡查轨迹", "location_track"))))


def test_passes_on_background_location_without_track_demand():
    assert m.check(facts(scan=scan(caps=("background-location",)))) == []


def test_passes_on_track_words_without_background_location():
    # a map app drawing a route in the foreground is not forced track upload
    assert m.check(facts(scan=scan(caps=("location",), keywords=(("轨迹上报", "track"),)))) == []
