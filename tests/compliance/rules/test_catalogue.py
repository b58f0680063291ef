"""The catalogue as a whole: metadata complete, package rules pure, findings contract."""

import subprocess
import sys

from govapp.compliance.rules import MODULES, RULES, package_findings
from tests.compliance.rules.helpers import scan


def test_at_least_twenty_rules_with_metadata():
    assert len(RULES) >= 20
    for r in RULES:
        assert r.id and r.requirement.startswith("R-") and r.severity
        assert r.title_zh and r.title_en and r.explanation_zh and r.explanation_en
        assert r.remediation_zh and r.remediation_en


def test_every_rule_module_has_a_test_module():
    from pathlib import Path

    here = Path(__file__).parent
    missing = [m for m in MODULES if not (here / f"test_{m}.py").exists()]
    assert missing == []


def test_rules_import_without_django():
    code = (
        "import sys; import govapp.compliance.rules as r; "
        "assert not [m for m in sys.modules if m.startswith('django')], 'django imported'; "
        "print(len(r.RULES))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(RULES)


def test_package_findings_contract():
    s = scan(
        caps=("camera",), sdks=(("pangle", "advertising"),), keywords=(("考勤打卡", "clock_in"),)
    )
    found = package_findings(s)
    ids = [f.rule for f in found]
    assert "R23_ADVERTISING_SDK" in ids and "R20_CLOCK_IN" in ids
    f = found[0]
    assert f.severity in {"high", "critical"} and f.title and f.evidence and f.requirement
    assert package_findings(scan()) == []
