"""R-11: the scanned package carries a registered identity but a different signing certificate
(it is not the filed app: counterfeit or tampered)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    scan = facts.scan
    if scan is None or not scan.identity.package or not scan.signing.certificates:
        return []
    recorded = {
        i.cert_sha256.lower()
        for i in facts.identities
        if i.identifier == scan.identity.package and i.cert_sha256
    }
    if not recorded:
        return []
    found = {c.sha256.lower() for c in scan.signing.certificates}
    if found & recorded:
        return []
    return [
        ev("signing", f"package {scan.identity.package}", "证书 " + ", ".join(sorted(found))),
        ev("registry", "登记证书 " + ", ".join(sorted(recorded)), "平台标识"),
    ]


RULE = Rule(
    id="R11_CERTIFICATE_MISMATCH",
    requirement="R-11",
    severity="high",
    title_zh="安装包签名证书与登记的不符",
    title_en="Signing certificate differs from the registered one",
    explanation_zh="安装包的包名与登记的平台标识相同，但签名证书不同：它不是登记的版本，可能被仿冒或篡改。",
    explanation_en="The package name matches a registered identity but the signing certificate "
    "does not: it is not the registered app and may be counterfeit or tampered with.",
    remediation_zh="核实安装包来源；如确已更换证书，请更新平台标识中的证书指纹（变更备案）。",
    remediation_en="Check where the package came from; if the certificate really changed, "
    "update the identity's fingerprint through a change filing.",
    check=check,
)
