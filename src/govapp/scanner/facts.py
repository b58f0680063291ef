"""Typed facts produced by the scanner (schema ``govapp.scan/1``).

These classes are the contract between the scanner and everything else: the ``govapp scan --json``
command prints one ``ScanResult`` per line, the web application stores it as JSON, and the
compliance rules read it.  The scanner package never imports Django.

They are plain slotted classes written out by hand (keyword-only ``__init__``, field-wise
``__eq__`` and ``__repr__``, like the dataclasses they replace), so that importing the scanner
builds nothing: ``dataclasses`` (and the ``inspect``, ``ast`` and ``dis`` it imports) and the code
generation behind every ``@dataclass`` were a fifth of the scanner's start-up.  The scanner builds
them from values it has already checked, and ``to_json_dict`` writes the JSON directly.  Data
coming from *outside* (stored JSON) is validated with ``model_validate``, which hands the class to
pydantic (imported on first use): ``__get_pydantic_core_schema__`` describes each class to
pydantic through a dataclass twin with the same fields, types and defaults (made on first use),
with unknown keys forbidden, exactly as before; pydantic also validates them as field types of
its own models (``AppFacts.scan``).  ``model_dump`` and ``model_copy`` keep the small part of
pydantic's interface that callers use.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any, ClassVar, Literal, TypeVar

    from pydantic import TypeAdapter

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
    Severity = Literal["info", "low", "medium", "high", "critical"]
    ComponentType = Literal[
        "activity", "service", "receiver", "provider", "ability", "extension", "page"
    ]
    _F = TypeVar("_F", bound="_Fact")

SCHEMA = "govapp.scan/1"
PACKAGE_KINDS = (
    "apk",
    "aab",
    "hap",
    "app",
    "rpk",
    "ipa",
    "wechat-miniprogram",
    "alipay-miniprogram",
    "quickapp",
)
_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _dump(value: Any) -> Any:
    if isinstance(value, _Fact):
        return value.model_dump()
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    return value


class _Fact:
    """The shared part of every fact class.

    A subclass lists its fields in ``_fields`` (in order; also its ``__slots__``), their
    defaults in ``_defaults`` and the fields whose default is a new object in ``_factories``
    (``list``, ``Identity`` ...).
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Any]] = {}
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._fields)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        body = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__qualname__}({body})"

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
        return {name: _dump(getattr(self, name)) for name in self._fields}

    def model_copy(self: _F, *, update: dict[str, Any] | None = None) -> _F:
        values = {name: getattr(self, name) for name in self._fields}
        values.update(update or {})
        return type(self)(**values)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """The core schema pydantic builds for a dataclass twin of this class (same fields,
        types and defaults), made to build this class itself (slots); serialised as
        ``model_dump`` does."""
        from pydantic_core import core_schema

        schema = handler.generate_schema(_twin(cls))
        # pydantic files a dataclass's schema under a reference; the twin is this call's own
        target = handler.resolve_ref_schema(schema)
        if target.get("type") != "dataclass":  # pragma: no cover - a pydantic change
            raise TypeError(f"unexpected pydantic schema for {cls.__name__}: {target.get('type')}")
        target["cls"] = cls
        target["slots"] = True
        target["serialization"] = core_schema.plain_serializer_function_ser_schema(_dump)
        return schema


def _twin(cls: type[_Fact]) -> type:
    """A stdlib dataclass with the fields of ``cls`` (for pydantic; made on first use)."""
    import dataclasses
    from typing import Any, Literal

    # The field annotations are strings that pydantic evaluates in this module: the names they
    # use from typing exist at run time only from here on (the scanner does not import typing).
    globals().setdefault("Any", Any)
    globals().setdefault("Literal", Literal)
    globals().setdefault("PackageKind", Literal[PACKAGE_KINDS])

    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    fields: list[tuple[str, Any, Any]] = []
    for name in cls._fields:
        if name in cls._factories:
            spec = dataclasses.field(default_factory=cls._factories[name])
        elif name in cls._defaults:
            spec = dataclasses.field(default=cls._defaults[name])
        else:
            spec = dataclasses.field()
        fields.append((name, hints[name], spec))
    namespace = {"__pydantic_config__": cls.__pydantic_config__, "__doc__": cls.__doc__}
    twin: type = dataclasses.make_dataclass(cls.__name__, fields, kw_only=True, namespace=namespace)
    twin.__module__ = cls.__module__  # string annotations resolve in this module
    twin.__qualname__ = cls.__qualname__
    return twin


class FileInfo(_Fact):
    _fields: ClassVar[tuple[str, ...]] = ("name", "size", "sha256")
    __slots__ = _fields
    name: str
    size: int
    sha256: str

    def __init__(self, *, name: str, size: int, sha256: str) -> None:
        self.name = name
        self.size = size
        self.sha256 = sha256


class Identity(_Fact):
    _fields: ClassVar[tuple[str, ...]] = (
        "package",
        "version_name",
        "version_code",
        "app_name",
        "min_sdk",
        "target_sdk",
    )
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = dict.fromkeys(_fields)
    package: str | None
    version_name: str | None
    version_code: str | None
    app_name: str | None
    min_sdk: int | None
    target_sdk: int | None

    def __init__(
        self,
        *,
        package: str | None = None,
        version_name: str | None = None,
        version_code: str | None = None,
        app_name: str | None = None,
        min_sdk: int | None = None,
        target_sdk: int | None = None,
    ) -> None:
        self.package = package
        self.version_name = version_name
        self.version_code = version_code
        self.app_name = app_name
        self.min_sdk = min_sdk
        self.target_sdk = target_sdk


class Certificate(_Fact):
    _fields: ClassVar[tuple[str, ...]] = (
        "scheme",
        "sha256",
        "sha1",
        "md5",
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
    )
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {
        "issuer": "",
        "serial": "",
        "not_before": None,
        "not_after": None,
    }
    scheme: str  # "v1", "v2", "v3", "v3.1", "hap", "rpk", "ipa", ...
    sha256: str  # of the DER bytes, lowercase hex
    sha1: str
    md5: str
    subject: str
    issuer: str
    serial: str
    not_before: str | None  # ISO 8601
    not_after: str | None

    def __init__(
        self,
        *,
        scheme: str,
        sha256: str,
        sha1: str,
        md5: str,
        subject: str,
        issuer: str = "",
        serial: str = "",
        not_before: str | None = None,
        not_after: str | None = None,
    ) -> None:
        self.scheme = scheme
        self.sha256 = sha256
        self.sha1 = sha1
        self.md5 = md5
        self.subject = subject
        self.issuer = issuer
        self.serial = serial
        self.not_before = not_before
        self.not_after = not_after


class Signing(_Fact):
    _fields: ClassVar[tuple[str, ...]] = ("schemes", "certificates")
    __slots__ = _fields
    _factories: ClassVar[dict[str, Any]] = {"schemes": list, "certificates": list}
    schemes: list[str]
    certificates: list[Certificate]

    def __init__(
        self, *, schemes: list[str] | None = None, certificates: list[Certificate] | None = None
    ) -> None:
        self.schemes = [] if schemes is None else schemes
        self.certificates = [] if certificates is None else certificates


class Evidence(_Fact):
    """Where a fact came from: ``source`` is a kind of evidence, ``where`` a location."""

    _fields: ClassVar[tuple[str, ...]] = ("source", "value", "where")
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {"where": ""}
    # permission | dex_package | native_lib | component | api_call | plist | manifest | feature
    # | markup_component | ...
    source: str
    value: str
    where: str

    def __init__(self, *, source: str, value: str, where: str = "") -> None:
        self.source = source
        self.value = value
        self.where = where


class Capability(_Fact):
    _fields: ClassVar[tuple[str, ...]] = ("id", "evidence")
    __slots__ = _fields
    _factories: ClassVar[dict[str, Any]] = {"evidence": list}
    id: str  # location, background-location, location-tracking, camera, ...
    evidence: list[Evidence]

    def __init__(self, *, id: str, evidence: list[Evidence] | None = None) -> None:
        self.id = id
        self.evidence = [] if evidence is None else evidence


class SdkHit(_Fact):
    _fields: ClassVar[tuple[str, ...]] = ("id", "name", "category", "evidence")
    __slots__ = _fields
    _factories: ClassVar[dict[str, Any]] = {"evidence": list}
    id: str
    name: str
    category: str
    evidence: list[Evidence]

    def __init__(
        self,
        *,
        id: str,
        name: str,
        category: str,
        evidence: list[Evidence] | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.category = category
        self.evidence = [] if evidence is None else evidence


class KeywordHit(_Fact):
    _fields: ClassVar[tuple[str, ...]] = ("term", "practice", "where", "context")
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {"practice": "", "context": ""}
    term: str
    # clock_in | ranking | duration | appraisal | track | photo_upload | forced_login | ...
    practice: str
    where: str  # e.g. "classes.dex", "assets/www/index.html", "pages/index/index.js"
    context: str

    def __init__(self, *, term: str, practice: str = "", where: str, context: str = "") -> None:
        self.term = term
        self.practice = practice
        self.where = where
        self.context = context


class FindingEvidence(_Fact):
    _fields: ClassVar[tuple[str, ...]] = ("source", "value", "where")
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {"where": ""}
    source: str
    value: str
    where: str

    def __init__(self, *, source: str, value: str, where: str = "") -> None:
        self.source = source
        self.value = value
        self.where = where


class Finding(_Fact):
    _fields: ClassVar[tuple[str, ...]] = (
        "rule",
        "severity",
        "title",
        "title_en",
        "requirement",
        "evidence",
    )
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {"title_en": "", "requirement": ""}
    _factories: ClassVar[dict[str, Any]] = {"evidence": list}
    rule: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    title: str
    title_en: str
    requirement: str
    evidence: list[FindingEvidence]

    def __init__(
        self,
        *,
        rule: str,
        severity: Severity,
        title: str,
        title_en: str = "",
        requirement: str = "",
        evidence: list[FindingEvidence] | None = None,
    ) -> None:
        self.rule = rule
        self.severity = severity
        self.title = title
        self.title_en = title_en
        self.requirement = requirement
        self.evidence = [] if evidence is None else evidence


class Component(_Fact):
    _fields: ClassVar[tuple[str, ...]] = ("type", "name", "exported")
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {"exported": None}
    type: Literal["activity", "service", "receiver", "provider", "ability", "extension", "page"]
    name: str
    exported: bool | None

    def __init__(
        self,
        *,
        type: ComponentType,
        name: str,
        exported: bool | None = None,
    ) -> None:
        self.type = type
        self.name = name
        self.exported = exported


class ScanResult(_Fact):
    """Everything the scanner learned about one package or source directory."""

    _fields: ClassVar[tuple[str, ...]] = (
        "schema",
        "file",
        "kind",
        "identity",
        "signing",
        "permissions",
        "permissions_sdk23",
        "capabilities",
        "capability_evidence",
        "components",
        "native_libs",
        "dex_files",
        "api_calls",
        "background_modes",
        "sdks",
        "keywords",
        "findings",
        "warnings",
        "elapsed_ms",
    )
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {"schema": SCHEMA, "elapsed_ms": 0.0}
    _factories: ClassVar[dict[str, Any]] = {
        "identity": Identity,
        "signing": Signing,
        **dict.fromkeys(
            (
                "permissions",
                "permissions_sdk23",
                "capabilities",
                "capability_evidence",
                "components",
                "native_libs",
                "dex_files",
                "api_calls",
                "background_modes",
                "sdks",
                "keywords",
                "findings",
                "warnings",
            ),
            list,
        ),
    }
    schema: str
    file: FileInfo
    kind: PackageKind
    identity: Identity
    signing: Signing
    permissions: list[str]  # sorted, unique
    # Android: requested only on API 23+ (<uses-permission-sdk-23>); kept apart so that
    # ``permissions`` matches what aapt/androguard report as the requested permissions.
    permissions_sdk23: list[str]
    capabilities: list[str]  # sorted ids
    capability_evidence: list[Capability]
    components: list[Component]
    native_libs: list[str]
    dex_files: list[str]
    api_calls: list[str]  # mini-program / JS APIs actually called
    background_modes: list[str]
    sdks: list[SdkHit]
    keywords: list[KeywordHit]
    findings: list[Finding]
    warnings: list[str]
    elapsed_ms: float

    def __init__(
        self,
        *,
        schema: str = SCHEMA,
        file: FileInfo,
        kind: PackageKind,
        identity: Identity | None = None,
        signing: Signing | None = None,
        permissions: list[str] | None = None,
        permissions_sdk23: list[str] | None = None,
        capabilities: list[str] | None = None,
        capability_evidence: list[Capability] | None = None,
        components: list[Component] | None = None,
        native_libs: list[str] | None = None,
        dex_files: list[str] | None = None,
        api_calls: list[str] | None = None,
        background_modes: list[str] | None = None,
        sdks: list[SdkHit] | None = None,
        keywords: list[KeywordHit] | None = None,
        findings: list[Finding] | None = None,
        warnings: list[str] | None = None,
        elapsed_ms: float = 0.0,
    ) -> None:
        self.schema = schema
        self.file = file
        self.kind = kind
        self.identity = Identity() if identity is None else identity
        self.signing = Signing() if signing is None else signing
        self.permissions = [] if permissions is None else permissions
        self.permissions_sdk23 = [] if permissions_sdk23 is None else permissions_sdk23
        self.capabilities = [] if capabilities is None else capabilities
        self.capability_evidence = [] if capability_evidence is None else capability_evidence
        self.components = [] if components is None else components
        self.native_libs = [] if native_libs is None else native_libs
        self.dex_files = [] if dex_files is None else dex_files
        self.api_calls = [] if api_calls is None else api_calls
        self.background_modes = [] if background_modes is None else background_modes
        self.sdks = [] if sdks is None else sdks
        self.keywords = [] if keywords is None else keywords
        self.findings = [] if findings is None else findings
        self.warnings = [] if warnings is None else warnings
        self.elapsed_ms = elapsed_ms

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump()


class ScanFailure(_Fact):
    """What ``govapp scan --json`` prints for a path it could not read."""

    _fields: ClassVar[tuple[str, ...]] = ("schema", "file", "error", "error_code")
    __slots__ = _fields
    _defaults: ClassVar[dict[str, Any]] = {"schema": SCHEMA, "file": None}
    schema: str
    file: FileInfo | None
    error: str
    error_code: str

    def __init__(
        self, *, schema: str = SCHEMA, file: FileInfo | None = None, error: str, error_code: str
    ) -> None:
        self.schema = schema
        self.file = file
        self.error = error
        self.error_code = error_code

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump()
