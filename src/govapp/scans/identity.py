"""The identity check: does a scanned package carry the package name and signing certificate
its app declared for that platform (R-11)? Used by the scan task and by the compliance pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from govapp.registry.models import App

# Which declared platforms a scanned package kind is compared with.
KIND_PLATFORMS: dict[str, set[str]] = {
    "apk": {"android"},
    "aab": {"android"},
    "hap": {"harmony"},
    "app": {"harmony"},
    "ipa": {"ios"},
    "rpk": {"quickapp"},
    "quickapp": {"quickapp"},
    "wechat-miniprogram": {"wechat"},
    "alipay-miniprogram": {"alipay"},
}


def _identity_declared(app: App | None) -> list[dict[str, str]]:
    if app is None:
        return []
    return [
        {
            "platform": i.platform,
            "identifier": i.identifier,
            "cert_sha256": (i.cert_sha256 or "").lower(),
        }
        for i in app.identities.all()
    ]


def identity_check(facts: dict[str, Any], app: App | None) -> dict[str, Any]:
    """Compare the scanned package's identity with what the app declared."""
    kind = facts.get("kind", "")
    package = (facts.get("identity") or {}).get("package") or ""
    certs = sorted({c["sha256"] for c in (facts.get("signing") or {}).get("certificates", [])})
    declared = [
        d for d in _identity_declared(app) if d["platform"] in KIND_PLATFORMS.get(kind, set())
    ]
    result: dict[str, Any] = {
        "package": package,
        "certificates": certs,
        "declared": declared,
        "package_match": None,
        "cert_match": None,
    }
    if app is None or not declared:
        result["message"] = _("该应用未申报此平台的标识，无法核对。")
        return result
    same_package = [d for d in declared if d["identifier"] == package]
    result["package_match"] = bool(same_package)
    if not same_package:
        result["message"] = _("安装包包名 %(p)s 与申报的标识不一致。") % {"p": package or "—"}
        return result
    expected = {d["cert_sha256"] for d in same_package if d["cert_sha256"]}
    if not expected:
        result["message"] = _("包名一致；申报材料未填写签名证书指纹。")
        return result
    result["cert_match"] = bool(expected & set(certs))
    result["message"] = (
        _("包名和签名证书均与申报一致。")
        if result["cert_match"]
        else _("包名一致，但签名证书与申报的指纹不一致。")
    )
    return result
