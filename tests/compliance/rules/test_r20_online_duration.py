from govapp.compliance.rules import r20_online_duration as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_on_online_duration():
    assert m.check(facts(scan=scan(keywords=(("在线时长", "duration"),))))
    assert m.check(facts(declared=declared(feature("在线统计", "online_duration"))))


def test_passes_on_learning_duration_and_dwell_time_alone():
    # learning time is R22's business; analytics dwell time alone is not evidence
    assert m.check(facts(scan=scan(keywords=(("学习时长", "duration"),)))) == []
    assert m.check(facts(scan=scan(keywords=(("停留时长", "duration"),)))) == []
