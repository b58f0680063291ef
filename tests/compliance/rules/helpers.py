"""Builders of facts for the rule tests (pure: no database)."""

from __future__ import annotations

from typing import Any

from govapp.compliance.facts import (
    AppFacts,
    Declared,
    DeclaredFeature,
    Inspection,
    Operation,
    PlatformId,
)
from govapp.scanner.facts import (
    Capability,
    Certificate,
    Evidence,
    FileInfo,
    Identity,
    KeywordHit,
    ScanResult,
    SdkHit,
    Signing,
)

__all__ = ["Declared", "DeclaredFeature", "Inspection", "Operation", "PlatformId"]


def scan(
    *,
    caps: tuple[str, ...] = (),
    keywords: tuple[tuple[str, str], ...] = (),
    sdks: tuple[tuple[str, str], ...] = (),
    package: str = "cn.gov.test",
    cert: str | None = "ab" * 32,
    subject: str = "CN=某市政务服务中心",
    kind: str = "apk",
    version: str = "1.0",
) -> ScanResult:
    """caps: capability ids; keywords: (term, practice); sdks: (id, category)."""
    certs = (
        [Certificate(scheme="v2", sha256=cert, sha1="0" * 40, md5="0" * 32, subject=subject)]
        if cert
        else []
    )
    return ScanResult(
        file=FileInfo(name="t.apk", size=1, sha256="0" * 64),
        kind=kind,  # type: ignore[arg-type]
        identity=Identity(package=package, version_name=version),
        signing=Signing(schemes=["v2"] if cert else [], certificates=certs),
        capabilities=sorted(caps),
        capability_evidence=[
            Capability(id=c, evidence=[Evidence(source="permission", value=c)]) for c in caps
        ],
        sdks=[
            SdkHit(id=i, name=i, category=c, evidence=[Evidence(source="dex_package", value=i)])
            for i, c in sdks
        ],
        keywords=[
            KeywordHit(term=t, practice=p, where="classes.dex", context=t) for t, p in keywords
        ],
    )


def feature(name: str = "公文流转", kind: str = "", scenario: str = "", expl: str = "", **kw: Any):
    return DeclaredFeature(
        name=name, sensitive_kind=kind, scenario=scenario, scenario_explanation=expl, **kw
    )


def declared(*features: DeclaredFeature, **kw: Any) -> Declared:
    kw.setdefault("source", "application:1")
    kw.setdefault("mlps_level", "3")
    kw.setdefault("tech_plan", "云上部署，支持 IPv6")
    return Declared(features=list(features), **kw)


def facts(**kw: Any) -> AppFacts:
    kw.setdefault("kind", "app")
    return AppFacts(**kw)
