from govapp.compliance.rules import r20_points_ranking as m
from tests.compliance.rules.helpers import declared, facts, feature, scan


def test_fails_on_ranking_keyword():
    assert m.check(facts(scan=scan(keywords=(("积分排名", "ranking"),))))


def test_fails_on_declared_ranking():
    assert m.check(facts(declared=declared(feature("学习积分榜", "ranking"))))


def test_passes_on_loyalty_points_word():
    # "积分" (shopping points) is high-risk alone, "排行" alone is medium
    assert m.check(facts(scan=scan(keywords=(("积分", "ranking"),)))) == []
    assert m.check(facts(scan=scan(keywords=(("积分", "ranking"), ("排行", "ranking"))))) == []


def test_passes_clean():
    assert m.check(facts(scan=scan())) == []
