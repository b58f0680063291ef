from govapp.compliance.rules import r22_location_track as m
from govapp.scanner.facts import Capability, Evidence
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


def _tracking_scan(*caps: str):
    s = scan(caps=caps)
    s.capabilities = sorted({*caps, "location-tracking"})
    s.capability_evidence.append(
        Capability(
            id="location-tracking",
            evidence=[
                Evidence(source="api_call", value="wx.startLocationUpdateBackground", where="a.js"),
                Evidence(source="api_call", value="wx.onLocationChange", where="b.js"),
                Evidence(source="api_call", value="wx.request", where="b.js"),
            ],
        )
    )
    return s


def test_fails_on_continuous_location_sent_onwards_without_track_words():
    ev = m.check(facts(scan=_tracking_scan("location")))
    assert [e.where for e in ev] == [
        "api_call: wx.startLocationUpdateBackground @ a.js",
        "api_call: wx.onLocationChange @ b.js",
        "api_call: wx.request @ b.js",
    ]
    assert {e.value for e in ev} == {"location-tracking"}


def test_tracking_evidence_comes_with_background_location_evidence():
    ev = m.check(facts(scan=_tracking_scan("background-location", "location")))
    assert {e.value for e in ev} == {"location-tracking", "background-location"}


def test_passes_on_one_shot_location_with_network():
    assert m.check(facts(scan=scan(caps=("location",)))) == []
