from govapp.compliance.rules import r22_appraisal_metrics as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_like_counts_and_learning_time():
    assert m.check(facts(scan=scan(keywords=(("点赞量", "appraisal"),))))
    assert m.check(facts(scan=scan(keywords=(("学习时长", "duration"),))))


def test_fails_on_weak_word_with_ranking():
    kws = (("点赞", "appraisal"), ("排行榜", "ranking"))
    assert m.check(facts(scan=scan(keywords=kws)))


def test_passes_on_plain_like_button():
    assert m.check(facts(scan=scan(keywords=(("点赞", "appraisal"),)))) == []
