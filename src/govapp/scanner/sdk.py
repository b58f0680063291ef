"""Third-party SDK detection against the project's own catalogue (``data/sdk_catalogue.csv``).

The catalogue (see ``data/README.md`` for provenance) has one row per detection rule:
``id, name, name_zh, vendor, category, match_on, match, pattern, source``.

* ``dex_package`` rules are Java package prefixes matched on package boundaries: ``com.qq.e``
  matches ``com.qq.e`` and ``com.qq.e.ads.banner`` but not ``com.qq.eagle``.  A package takes the
  *longest* catalogued prefix, so ``com.alipay.zoloz`` (face liveness) wins over ``com.alipay``.
  Matching walks the ancestors of each distinct package through a dict, so 200k DEX types cost one
  descriptor-to-package conversion each plus a few dict look-ups per distinct package.
* ``component`` rules are manifest class names, either exact or as a literal string prefix; a
  component's package is also matched against the ``dex_package`` rules (so a manifest-declared
  ``com.igexin.sdk.PushService`` reveals Getui even when the DEX is not read).
* ``native_lib`` rules are ``.so`` file names, exact or as a literal prefix (converted from
  LibChecker's regular expressions).
* ``js_module`` rules are mini-program / JS module names (file or npm package name).
* ``platform_service`` rules are services of the mini-program and quick-app platforms themselves
  (ad components and APIs, payment APIs, quick-app ``service.*`` features), written
  ``<platform>:<api|markup|feature>:<name>`` (``wechat:api:createRewardedVideoAd``,
  ``quickapp:feature:service.ad``); :mod:`govapp.scanner.sources` finds them in the code.

No regular expressions are used for matching.
"""

from __future__ import annotations

import bisect
from collections import namedtuple
from collections.abc import Iterable
from functools import lru_cache

from govapp.scanner.facts import Evidence, SdkHit

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)

CATEGORIES = (
    "advertising",
    "analytics",
    "push",
    "location_maps",
    "face_liveness",
    "payment",
    "crash_reporting",
    "social_share",
    "customer_service",
    "im",
    "hot_update",
    "security",
    "other",
)
MATCH_ON = ("dex_package", "component", "native_lib", "js_module", "platform_service")
MAX_EVIDENCE = 5
_COLUMNS = ("id", "name", "name_zh", "vendor", "category", "match_on", "match", "pattern", "source")


# Named tuples (six hundred SDKs are built at start-up), from collections rather than typing:
# the scanner's start-up imports no typing (see facts.py); the typed form is for mypy.
if TYPE_CHECKING:
    from typing import NamedTuple

    class SdkInfo(NamedTuple):
        id: str
        name: str
        name_zh: str
        vendor: str
        category: str

    class Rule(NamedTuple):
        sdk: SdkInfo
        match_on: str
        match: str  # exact | prefix
        pattern: str
        source: str

else:
    SdkInfo = namedtuple("SdkInfo", ("id", "name", "name_zh", "vendor", "category"))
    Rule = namedtuple("Rule", ("sdk", "match_on", "match", "pattern", "source"))


class Catalogue:
    """The loaded catalogue with look-up structures for each kind of rule."""

    def __init__(self) -> None:
        self.sdks: dict[str, SdkInfo] = {}
        self._rules: list[Rule] | None = []
        # (sdk index, match_on, match, pattern, source) rows that ``rules`` is built from
        self._rule_rows: tuple[tuple[int, str, str, str, str], ...] = ()
        self.packages: dict[str, SdkInfo] = {}  # dex package prefix -> sdk
        self.exact: dict[str, dict[str, SdkInfo]] = {}  # match_on -> name -> sdk
        # match_on -> sorted literal prefixes and the parallel list of sdks
        self.prefixes: dict[str, tuple[list[str], list[SdkInfo]]] = {}
        self._roots: tuple[int, set[str]] | None = None

    @property
    def rules(self) -> list[Rule]:
        """Every rule in catalogue order (built on first use: matching does not need them)."""
        if self._rules is None:
            sdks = list(self.sdks.values())
            self._rules = [Rule(sdks[i], *rest) for i, *rest in self._rule_rows]
        return self._rules

    def match_prefix(self, match_on: str, value: str) -> SdkInfo | None:
        """The SDK of the longest literal prefix rule of ``match_on`` that ``value`` starts with."""
        keys, sdks = self.prefixes.get(match_on, ([], []))
        i = bisect.bisect_right(keys, value)
        best: SdkInfo | None = None
        best_len = -1
        # Every prefix of ``value`` sorts at or before ``value``; scan back while the candidates
        # still share a first character (the prefix list is short: under a hundred rules).
        while i > 0:
            i -= 1
            key = keys[i]
            if not key or key[0] != value[:1]:
                break
            if value.startswith(key) and len(key) > best_len:
                best, best_len = sdks[i], len(key)
        return best

    def match_package(self, package: str) -> tuple[str, SdkInfo] | None:
        """Longest catalogued dex_package prefix of ``package`` on a dot boundary."""
        # Every candidate shares the package's first segment; most packages of an app (android,
        # java, kotlin, the app's own ...) have a first segment no catalogued package has.
        roots = self._roots
        if roots is None or roots[0] != len(self.packages):
            roots = self._roots = (len(self.packages), {k.split(".", 1)[0] for k in self.packages})
        if package.split(".", 1)[0] not in roots[1]:
            return None
        candidate = package
        while candidate:
            sdk = self.packages.get(candidate)
            if sdk is not None:
                return candidate, sdk
            cut = candidate.rfind(".")
            if cut < 0:
                return None
            candidate = candidate[:cut]
        return None


def _read_csv() -> str:
    from importlib import resources

    return resources.files("govapp.scanner.data").joinpath("sdk_catalogue.csv").read_text("utf-8")


def load_catalogue(text: str | None = None) -> Catalogue:
    """Parse catalogue CSV text (the packaged CSV file when ``text`` is None).

    The scanner itself uses :func:`catalogue`, which reads the same rules parsed ahead of time
    (``_tables.py``, built from the CSV file by :mod:`govapp.scanner.tablegen`)."""
    import csv
    import io

    cat = Catalogue()
    raw_prefixes: dict[str, dict[str, SdkInfo]] = {}
    rows = csv.reader(io.StringIO(text if text is not None else _read_csv()))
    header = next(rows, [])
    if header != list(_COLUMNS):
        raise ValueError(f"sdk catalogue: unexpected columns {header!r}")
    categories = frozenset(CATEGORIES)
    match_on_kinds = frozenset(MATCH_ON)
    for sid, name, name_zh, vendor, category, match_on, match, pattern, source in rows:
        if category not in categories:
            raise ValueError(f"sdk catalogue: unknown category {category!r} for {sid}")
        if match_on not in match_on_kinds:
            raise ValueError(f"sdk catalogue: unknown match_on {match_on!r} for {sid}")
        sdk = cat.sdks.get(sid)
        if sdk is None:
            sdk = cat.sdks[sid] = SdkInfo(sid, name, name_zh, vendor, category)
        cat.rules.append(Rule(sdk, match_on, match, pattern, source))
        if match_on == "dex_package":
            cat.packages.setdefault(pattern, sdk)
        elif match == "exact":
            cat.exact.setdefault(match_on, {}).setdefault(pattern, sdk)
        else:
            raw_prefixes.setdefault(match_on, {}).setdefault(pattern, sdk)
    for match_on, table in raw_prefixes.items():
        keys = sorted(table)
        cat.prefixes[match_on] = (keys, [table[k] for k in keys])
    return cat


def tables_catalogue() -> Catalogue:
    """The packaged catalogue from the tables parsed ahead of time (``_tables.py``)."""
    from govapp.scanner import _tables as t

    cat = Catalogue()
    sdks = [SdkInfo(*row) for row in t.SDKS]
    cat.sdks = {sdk.id: sdk for sdk in sdks}
    cat._rules, cat._rule_rows = None, t.RULES
    cat.packages = {pattern: sdks[i] for pattern, i in t.PACKAGES.items()}
    cat.exact = {
        match_on: {name: sdks[i] for name, i in table.items()}
        for match_on, table in t.EXACT.items()
    }
    cat.prefixes = {
        match_on: (list(keys), [sdks[i] for i in idx])
        for match_on, (keys, idx) in t.PREFIXES.items()
    }
    return cat


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded once per process."""
    return tables_catalogue()


def descriptor_package(descriptor: str) -> str | None:
    """``Lcom/umeng/analytics/MobclickAgent;`` -> ``com.umeng.analytics``.

    Dotted class names (``com.umeng.analytics.MobclickAgent``) are accepted too; array descriptors
    are unwrapped; primitives and classes in the default package give None.
    """
    d = descriptor.lstrip("[")
    if d.startswith("L") and d.endswith(";"):
        d = d[1:-1]
        cut = d.rfind("/")
        return d[:cut].replace("/", ".") if cut > 0 else None
    if "/" in d:
        cut = d.rfind("/")
        return d[:cut].replace("/", ".") if cut > 0 else None
    cut = d.rfind(".")
    return d[:cut] if cut > 0 else None


def _lib_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


class _Hits:
    def __init__(self) -> None:
        self.by_id: dict[str, tuple[SdkInfo, dict[tuple[str, str], Evidence]]] = {}

    def add(self, sdk: SdkInfo, source: str, value: str, where: str = "") -> None:
        entry = self.by_id.setdefault(sdk.id, (sdk, {}))
        evidence = entry[1]
        if len(evidence) < MAX_EVIDENCE and (source, value) not in evidence:
            evidence[(source, value)] = Evidence(source=source, value=value, where=where)

    def result(self) -> list[SdkHit]:
        hits = []
        for sid in sorted(self.by_id):
            sdk, evidence = self.by_id[sid]
            ev = sorted(evidence.values(), key=lambda e: (e.source, e.value))
            hits.append(SdkHit(id=sdk.id, name=sdk.name, category=sdk.category, evidence=ev))
        return hits


def hits_from(found: Iterable[tuple[SdkInfo, str, str, str]]) -> list[SdkHit]:
    """SDK hits from ``(sdk, source, value, where)`` evidence, sorted by id."""
    hits = _Hits()
    for sdk, source, value, where in found:
        hits.add(sdk, source, value, where)
    return hits.result()


def merge_sdk_hits(*groups: Iterable[SdkHit]) -> list[SdkHit]:
    """The union of several hit lists (evidence merged, at most five per SDK), sorted by id."""
    hits = _Hits()
    for group in groups:
        for hit in group:
            sdk = SdkInfo(hit.id, hit.name, "", "", hit.category)
            for ev in hit.evidence:
                hits.add(sdk, ev.source, ev.value, ev.where)
    return hits.result()


def match_sdks(
    *,
    dex_types: Iterable[str] = (),
    native_libs: Iterable[str] = (),
    components: Iterable[str] = (),
    js_modules: Iterable[str] = (),
    cat: Catalogue | None = None,
) -> list[SdkHit]:
    """SDKs evidenced by DEX type descriptors, native library paths and manifest components.

    Evidence values: the package found in the DEX (``dex_package``; ``where`` is one example type), the
    library file name (``native_lib``; ``where`` is its path) or the component class name.
    Hits are sorted by id; each keeps at most five pieces of evidence.
    """
    c = cat or catalogue()
    hits = _Hits()
    example: dict[str, str] = {}
    last_key: str | None = None
    for t in dex_types:
        # For a class descriptor ``L...;`` the package depends only on the text before the last
        # "/", and DEX type tables are sorted, so a run of classes of one package is handled once.
        cut = t.rfind("/")
        if cut > 0 and t[-1:] == ";":
            key = t[:cut]
            if key == last_key:
                continue  # same package as the previous type: already recorded
            last_key = key
        else:
            last_key = None
        pkg = descriptor_package(t)
        if pkg is not None and pkg not in example:
            example[pkg] = t
    for pkg in sorted(example):
        found = c.match_package(pkg)
        if found is not None:
            hits.add(found[1], "dex_package", pkg, example[pkg])
    exact_lib = c.exact.get("native_lib", {})
    for path in sorted(set(native_libs)):
        name = _lib_name(path)
        sdk = exact_lib.get(name) or c.match_prefix("native_lib", name)
        if sdk is not None:
            hits.add(sdk, "native_lib", name, path)
    exact_comp = c.exact.get("component", {})
    for comp in sorted(set(components)):
        sdk = exact_comp.get(comp) or c.match_prefix("component", comp)
        if sdk is None:
            pkg = descriptor_package(comp)
            found = c.match_package(pkg) if pkg else None
            sdk = found[1] if found else None
        if sdk is not None:
            hits.add(sdk, "component", comp)
    modules = list(js_modules)
    for hit in match_js_sdks(modules=modules, cat=c) if modules else ():
        sdk = c.sdks[hit.id]
        for ev in hit.evidence:
            hits.add(sdk, ev.source, ev.value, ev.where)
    return hits.result()


def js_module_name(path: str) -> str:
    """``utils/qqmap-wx-jssdk.min.js`` -> ``qqmap-wx-jssdk``; ``@scope/pkg`` stays as is."""
    p = path.replace("\\", "/")
    if p.startswith("@"):
        return p
    name = p.rsplit("/", 1)[-1]
    for suffix in (".js", ".ts", ".mjs", ".cjs"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(".min"):
        name = name[:-4]
    return name


def match_js_sdks(*, modules: Iterable[str], cat: Catalogue | None = None) -> list[SdkHit]:
    """SDKs evidenced by mini-program / quick-app JS modules (file paths or npm package names)."""
    c = cat or catalogue()
    table = c.exact.get("js_module", {})
    hits = _Hits()
    for path in sorted(set(modules)):
        sdk = table.get(js_module_name(path))
        if sdk is not None:
            hits.add(sdk, "js_module", js_module_name(path), path)
    return hits.result()


def sdk_info(sdk_id: str) -> SdkInfo | None:
    """Catalogue metadata (Chinese name, vendor) for an SDK id."""
    return catalogue().sdks.get(sdk_id)
