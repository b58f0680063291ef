"""R-27: the package is unsigned or signed with a debug certificate."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev

SIGNED_KINDS = ("apk", "aab", "hap", "app", "ipa")


def check(facts: AppFacts) -> list[Evidence]:
    scan = facts.scan
    if scan is None or scan.kind not in SIGNED_KINDS:
        return []
    if not scan.signing.certificates:
        return [ev("signing", "unsigned", scan.file.name)]
    out = []
    for c in scan.signing.certificates:
        if "android debug" in c.subject.lower():
            out.append(ev("signing", c.subject, f"{c.scheme} sha256 {c.sha256}"))
    return out


RULE = Rule(
    id="R27_DEBUG_CERTIFICATE",
    requirement="R-27",
    severity="high",
    title_zh="安装包未签名或使用调试证书签名",
    title_en="Package unsigned or signed with a debug certificate",
    explanation_zh="安装包没有签名或使用“Android Debug”调试证书签名，无法证明来源，存在被仿冒、篡改的风险。",
    explanation_en="The package is unsigned or signed with the 'Android Debug' certificate, so "
    "its origin cannot be proven.",
    remediation_zh="使用本单位正式发布证书签名后重新上传。",
    remediation_en="Sign with the unit's release certificate and upload again.",
    check=check,
    package_only=True,
)
