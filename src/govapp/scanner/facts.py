"""Typed facts produced by the scanner (schema ``govapp.scan/1``).

These pydantic models are the contract between the scanner and everything else:
the ``govapp scan --json`` command prints one ``ScanResult`` per line, the
registry stores it as JSON, and the compliance rules read it.  The scanner
package never imports Django.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = "govapp.scan/1"

PackageKind = Literal[
    "apk",
    "aab",
    "hap",
    "app",
    "rpk",
    "ipa",
    "wechat-miniprogram",
    "alipay-miniprogram",
    "quickapp",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileInfo(_Model):
    name: str
    size: int
    sha256: str


class Identity(_Model):
    package: str | None = None
    version_name: str | None = None
    version_code: str | None = None
    app_name: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None


class Certificate(_Model):
    scheme: str  # "v1", "v2", "v3", "v3.1", "hap", "rpk", "ipa", ...
    sha256: str  # of the DER bytes, lowercase hex
    sha1: str
    md5: str
    subject: str
    issuer: str = ""
    serial: str = ""
    not_before: str | None = None  # ISO 8601
    not_after: str | None = None


class Signing(_Model):
    schemes: list[str] = Field(default_factory=list)
    certificates: list[Certificate] = Field(default_factory=list)


class Evidence(_Model):
    """Where a fact came from: ``source`` is a kind of evidence, ``where`` a location."""

    source: (
        str  # permission | dex_package | native_lib | component | api_call | plist | manifest | ...
    )
    value: str
    where: str = ""


class Capability(_Model):
    id: str  # location, background-location, camera, ...
    evidence: list[Evidence] = Field(default_factory=list)


class SdkHit(_Model):
    id: str
    name: str
    category: str
    evidence: list[Evidence] = Field(default_factory=list)


class KeywordHit(_Model):
    term: str
    practice: str = (
        ""  # clock_in | ranking | duration | appraisal | track | photo_upload | forced_login | ...
    )
    where: str  # e.g. "classes.dex", "assets/www/index.html", "pages/index/index.js"
    context: str = ""


class FindingEvidence(_Model):
    source: str
    value: str
    where: str = ""


class Finding(_Model):
    rule: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    title: str
    title_en: str = ""
    requirement: str = ""
    evidence: list[FindingEvidence] = Field(default_factory=list)


class Component(_Model):
    type: Literal["activity", "service", "receiver", "provider", "ability", "extension", "page"]
    name: str
    exported: bool | None = None


class ScanResult(_Model):
    """Everything the scanner learned about one package or source directory."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    file: FileInfo
    kind: PackageKind
    identity: Identity = Field(default_factory=Identity)
    signing: Signing = Field(default_factory=Signing)
    permissions: list[str] = Field(default_factory=list)  # sorted, unique
    # Android: requested only on API 23+ (<uses-permission-sdk-23>); kept apart so that
    # ``permissions`` matches what aapt/androguard report as the requested permissions.
    permissions_sdk23: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)  # sorted ids
    capability_evidence: list[Capability] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
    native_libs: list[str] = Field(default_factory=list)
    dex_files: list[str] = Field(default_factory=list)
    api_calls: list[str] = Field(default_factory=list)  # mini-program / JS APIs actually called
    background_modes: list[str] = Field(default_factory=list)
    sdks: list[SdkHit] = Field(default_factory=list)
    keywords: list[KeywordHit] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    elapsed_ms: float = 0.0

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)


class ScanFailure(_Model):
    """What ``govapp scan --json`` prints for a path it could not read."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    file: FileInfo | None = None
    error: str
    error_code: str
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
