"""Typed facts produced by the scanner (schema ``govapp.scan/1``).

These classes are the contract between the scanner and everything else: the ``govapp scan --json``
command prints one ``ScanResult`` per line, the web application stores it as JSON, and the
compliance rules read it.  The scanner package never imports Django.

They are plain (slotted) dataclasses (each with a docstring: a dataclass without one has
``inspect.signature`` computed at import to make one; the docstrings start with the class name and
a parenthesis, which pydantic, like for the generated ones, leaves out of JSON schemas), so that importing the scanner costs no validation-model
building: the scanner builds them from values it has already checked, and ``to_json_dict`` writes
the JSON directly.  Data coming from *outside* (stored JSON) is validated with ``model_validate``,
which hands the class to pydantic (imported on first use) with unknown keys forbidden, exactly as
the pydantic models these classes replace did.  ``model_dump`` and ``model_copy`` keep the small
part of pydantic's interface that callers use.  Pydantic also validates them as field types of
its own models (``AppFacts.scan``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

if TYPE_CHECKING:
    from pydantic import TypeAdapter

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

_F = TypeVar("_F", bound="_Fact")
_ADAPTERS: dict[type, TypeAdapter[Any]] = {}
_FIELDS: dict[type, tuple[str, ...]] = {}


def _dump(value: Any) -> Any:
    if isinstance(value, _Fact):
        return value.model_dump()
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    return value


@dataclass(slots=True, kw_only=True)
class _Fact:
    """The shared part of every fact class."""

    # read by pydantic when it validates one of these classes (stored JSON, AppFacts.scan)
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    @classmethod
    def model_validate(cls: type[_F], data: Any) -> _F:
        """Validate JSON-like data (as stored) into this class; raises pydantic's
        ``ValidationError`` on a wrong type or an unknown key."""
        adapter = _ADAPTERS.get(cls)
        if adapter is None:
            from pydantic import TypeAdapter

            adapter = _ADAPTERS[cls] = TypeAdapter(cls)
        result: _F = adapter.validate_python(data)
        return result

    def model_dump(self, *, mode: str = "json", by_alias: bool = True) -> dict[str, Any]:
        """A JSON-ready dict, keys in field order (``mode``/``by_alias`` kept for callers)."""
        names = _FIELDS.get(type(self))
        if names is None:
            names = _FIELDS[type(self)] = tuple(f.name for f in dataclasses.fields(self))
        return {name: _dump(getattr(self, name)) for name in names}

    def model_copy(self: _F, *, update: dict[str, Any] | None = None) -> _F:
        return dataclasses.replace(self, **(update or {}))


@dataclass(slots=True, kw_only=True)
class FileInfo(_Fact):
    """FileInfo(*, name, size, sha256): the scanned file."""

    name: str
    size: int
    sha256: str


@dataclass(slots=True, kw_only=True)
class Identity(_Fact):
    """Identity(*, package, version_name, ...): who the package says it is."""

    package: str | None = None
    version_name: str | None = None
    version_code: str | None = None
    app_name: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None


@dataclass(slots=True, kw_only=True)
class Certificate(_Fact):
    """Certificate(*, scheme, sha256, ...): one signer certificate."""

    scheme: str  # "v1", "v2", "v3", "v3.1", "hap", "rpk", "ipa", ...
    sha256: str  # of the DER bytes, lowercase hex
    sha1: str
    md5: str
    subject: str
    issuer: str = ""
    serial: str = ""
    not_before: str | None = None  # ISO 8601
    not_after: str | None = None


@dataclass(slots=True, kw_only=True)
class Signing(_Fact):
    """Signing(*, schemes, certificates): the signature schemes found and their signers."""

    schemes: list[str] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Evidence(_Fact):
    """Where a fact came from: ``source`` is a kind of evidence, ``where`` a location."""

    # permission | dex_package | native_lib | component | api_call | plist | manifest | feature
    # | markup_component | ...
    source: str
    value: str
    where: str = ""


@dataclass(slots=True, kw_only=True)
class Capability(_Fact):
    """Capability(*, id, evidence): a normalised capability and why."""

    id: str  # location, background-location, location-tracking, camera, ...
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class SdkHit(_Fact):
    """SdkHit(*, id, name, category, evidence): a catalogued third-party SDK."""

    id: str
    name: str
    category: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class KeywordHit(_Fact):
    """KeywordHit(*, term, practice, where, context): a banned-practice term found."""

    term: str
    # clock_in | ranking | duration | appraisal | track | photo_upload | forced_login | ...
    practice: str = ""
    where: str  # e.g. "classes.dex", "assets/www/index.html", "pages/index/index.js"
    context: str = ""


@dataclass(slots=True, kw_only=True)
class FindingEvidence(_Fact):
    """FindingEvidence(*, source, value, where): what a finding rests on."""

    source: str
    value: str
    where: str = ""


@dataclass(slots=True, kw_only=True)
class Finding(_Fact):
    """Finding(*, rule, severity, title, ...): a compliance rule that fired."""

    rule: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    title: str
    title_en: str = ""
    requirement: str = ""
    evidence: list[FindingEvidence] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Component(_Fact):
    """Component(*, type, name, exported): a declared component."""

    type: Literal["activity", "service", "receiver", "provider", "ability", "extension", "page"]
    name: str
    exported: bool | None = None


@dataclass(slots=True, kw_only=True)
class ScanResult(_Fact):
    """Everything the scanner learned about one package or source directory."""

    schema: str = SCHEMA
    file: FileInfo
    kind: PackageKind
    identity: Identity = field(default_factory=Identity)
    signing: Signing = field(default_factory=Signing)
    permissions: list[str] = field(default_factory=list)  # sorted, unique
    # Android: requested only on API 23+ (<uses-permission-sdk-23>); kept apart so that
    # ``permissions`` matches what aapt/androguard report as the requested permissions.
    permissions_sdk23: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)  # sorted ids
    capability_evidence: list[Capability] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    native_libs: list[str] = field(default_factory=list)
    dex_files: list[str] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)  # mini-program / JS APIs actually called
    background_modes: list[str] = field(default_factory=list)
    sdks: list[SdkHit] = field(default_factory=list)
    keywords: list[KeywordHit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump()


@dataclass(slots=True, kw_only=True)
class ScanFailure(_Fact):
    """What ``govapp scan --json`` prints for a path it could not read."""

    schema: str = SCHEMA
    file: FileInfo | None = None
    error: str
    error_code: str

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump()
