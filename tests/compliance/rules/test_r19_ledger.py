from govapp.compliance.facts import LedgerDemand, LedgerDuplicate, LedgerFacts, Operation
from govapp.compliance.rules import r19_ledger as m
from tests.compliance.rules.helpers import facts


def test_fails_for_unlisted_demands_and_duplicated_fields_with_the_fields_as_evidence():
    ledger = LedgerFacts(
        listed=["TB440113-2026-0002"],
        unlisted_demands=[
            LedgerDemand(title="社区走访台账", status="refused", fields=["姓名", "身份证号码"])
        ],
        duplicated_fields=[
            LedgerDuplicate(
                ledger_number="TB440113-2026-0002",
                field="公民身份号码",
                item="公民身份号码（残疾人）",
                source_ledger_number="TB440113-2026-0001",
                source_department="番禺区民政局",
                source_field="身份证号码",
            )
        ],
    )
    found = m.check(facts(operation=Operation(ledger=ledger)))
    assert len(found) == 2
    assert "姓名、身份证号码" in found[0].value
    assert "公民身份号码" in found[1].value and "TB440113-2026-0001" in found[1].where


def test_passes_when_everything_is_listed_once_or_nothing_is_known():
    assert m.check(facts(operation=Operation(ledger=LedgerFacts(listed=["TB1"])))) == []
    assert m.check(facts(operation=Operation())) == []
