from govapp.compliance.facts import Inspection, Operation
from govapp.compliance.rules import r11_filing_number_display as m
from tests.compliance.rules.helpers import facts


def _op(shown):
    return Operation(inspection=Inspection(source="spotcheck:1", filing_number_displayed=shown))


def test_fails_when_spot_check_finds_no_number():
    assert m.check(facts(filing_number="粤备001", operation=_op(False)))


def test_passes_when_displayed_or_not_checked():
    assert m.check(facts(filing_number="粤备001", operation=_op(True))) == []
    assert m.check(facts(filing_number="粤备001")) == []
