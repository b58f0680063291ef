from govapp.compliance.rules import r18_ipv6 as m
from tests.compliance.rules.helpers import declared, facts


def test_fails_without_ipv6():
    assert m.check(facts(declared=declared(tech_plan="云上部署")))


def test_passes_with_ipv6():
    assert m.check(facts(declared=declared(tech_plan="双栈，支持 IP v6 访问"))) == []
    assert m.RULE.severity == "info" and m.RULE.advisory
