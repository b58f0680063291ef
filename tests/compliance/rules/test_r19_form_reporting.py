from govapp.compliance.rules import r19_form_reporting as m
from tests.compliance.rules.helpers import facts, scan


def test_fails_on_repeated_reporting():
    assert m.check(facts(scan=scan(keywords=(("多头填报", "form_reporting"),))))


def test_passes_on_single_generic_word():
    assert m.check(facts(scan=scan(keywords=(("填报", "form_reporting"),)))) == []
    assert m.RULE.advisory
