from govapp.compliance.facts import Inspection, Operation
from govapp.compliance.rules import r24_complaint_function as m
from tests.compliance.rules.helpers import declared, facts, feature


def test_fails_without_complaint_function():
    assert m.check(facts(declared=declared(feature("公文流转"))))


def test_fails_when_inspection_finds_none():
    op = Operation(inspection=Inspection(source="spotcheck:1", complaint_function_present=False))
    assert m.check(facts(declared=declared(feature("投诉建议")), operation=op))


def test_passes_with_declared_complaint_function():
    assert m.check(facts(declared=declared(feature(), feature("意见反馈")))) == []
    assert m.check(facts()) == []
