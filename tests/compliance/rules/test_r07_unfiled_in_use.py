from govapp.compliance.facts import Operation
from govapp.compliance.rules import r07_unfiled_in_use as m
from tests.compliance.rules.helpers import facts


def test_fails_when_unfiled_app_is_used():
    op = Operation(in_use=True, in_use_source="存量应用清单")
    assert m.check(facts(status="unfiled", operation=op))
    assert m.check(facts(status="revoked", operation=Operation(monthly_active_users=40)))


def test_passes_when_filed_or_unused():
    assert m.check(facts(status="filed", operation=Operation(in_use=True))) == []
    assert m.check(facts(status="unfiled")) == []
