from govapp.compliance.facts import Operation
from govapp.compliance.rules import r29_complaints as m
from tests.compliance.rules.helpers import facts


def test_fails_at_threshold():
    op = Operation(complaints={"forced_use": 2, "ranking_abuse": 1})
    assert len(m.check(facts(operation=op))) == 2


def test_passes_below_threshold_or_other_categories():
    assert m.check(facts(operation=Operation(complaints={"forced_use": 2}))) == []
    assert m.check(facts(operation=Operation(complaints={"other": 9}))) == []
