"""What a rule is, and the helpers rules share.  PURE: no Django import here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from govapp.compliance.facts import AppFacts, DeclaredFeature
from govapp.scanner.facts import FindingEvidence, KeywordHit

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
Evidence = FindingEvidence
Check = Callable[[AppFacts], list[FindingEvidence]]


@dataclass(frozen=True)
class Rule:
    """One rule: metadata plus ``check(facts) -> evidence`` (an empty list means it holds)."""

    id: str
    requirement: str  # "R-20"
    severity: Severity
    title_zh: str
    title_en: str
    explanation_zh: str
    explanation_en: str
    remediation_zh: str
    remediation_en: str
    check: Check = field(compare=False, repr=False)
    package_only: bool = False  # can be judged from a package alone (runs in `govapp scan`)
    exemptible: bool = False  # a security/emergency exemption may cover it
    advisory: bool = False

    def title(self, lang: str = "zh-hans") -> str:
        return self.title_en if lang.startswith("en") else self.title_zh

    def explanation(self, lang: str = "zh-hans") -> str:
        return self.explanation_en if lang.startswith("en") else self.explanation_zh

    def remediation(self, lang: str = "zh-hans") -> str:
        return self.remediation_en if lang.startswith("en") else self.remediation_zh


# --- evidence helpers -------------------------------------------------------------------------


def ev(source: str, value: str, where: str = "") -> FindingEvidence:
    return FindingEvidence(source=source, value=value[:300], where=where[:300])


@lru_cache(maxsize=1)
def _fp_risk() -> dict[str, str]:
    from govapp.scanner.keywords import load_keywords

    return {k.term.lower(): k.fp_risk for k in load_keywords()}


def fp_risk(term: str) -> str:
    return _fp_risk().get(term.lower(), "medium")


def keyword_evidence(
    facts: AppFacts,
    practices: Iterable[str],
    *,
    corroborated: bool = False,
    terms: Iterable[str] | None = None,
    exclude_terms: Iterable[str] = (),
) -> list[FindingEvidence]:
    """Keyword hits that are strong enough to count as evidence of a practice.

    A low false-positive term counts on its own; medium-risk terms (``打卡``, ``签到``,
    ``排行榜`` ...) count only when two different ones agree or when ``corroborated`` (a
    capability that goes with the practice, such as location for clock-in); high-risk terms
    (``积分``, ``未登录`` ...) never count on their own but join a set that already counts."""
    scan = facts.scan
    if scan is None:
        return []
    wanted = set(practices)
    only = {t.lower() for t in terms} if terms is not None else None
    excluded = {t.lower() for t in exclude_terms}
    hits: list[KeywordHit] = []
    for h in scan.keywords:
        if h.practice not in wanted:
            continue
        t = h.term.lower()
        if t in excluded or (only is not None and t not in only):
            continue
        hits.append(h)
    if not hits:
        return []
    low = {h.term.lower() for h in hits if fp_risk(h.term) == "low"}
    medium = {h.term.lower() for h in hits if fp_risk(h.term) == "medium"}
    strong = bool(low) or len(medium) >= 2 or (bool(medium) and corroborated)
    if not strong:
        return []
    out: list[FindingEvidence] = []
    seen: set[tuple[str, str]] = set()
    for h in hits:
        key = (h.term, h.where)
        if key in seen:
            continue
        seen.add(key)
        out.append(ev("keyword", h.term, h.where + (f" · {h.context}" if h.context else "")))
        if len(out) >= 10:
            break
    return out


def capability_evidence(
    facts: AppFacts, cap: str, *, limit: int = 3, with_where: bool = False
) -> list[FindingEvidence]:
    """The scanner's evidence for a capability as ``source: value`` (``with_where``: followed by
    `` @ file`` where the scanner knows the file)."""
    scan = facts.scan
    if scan is None or cap not in scan.capabilities:
        return []
    for c in scan.capability_evidence:
        if c.id == cap and c.evidence:
            return [
                ev(
                    "capability",
                    cap,
                    f"{e.source}: {e.value}" + (f" @ {e.where}" if with_where and e.where else ""),
                )
                for e in c.evidence[:limit]
            ]
    return [ev("capability", cap, "scanner")]


def has_cap(facts: AppFacts, *caps: str) -> bool:
    return facts.scan is not None and any(c in facts.scan.capabilities for c in caps)


def declared_features(facts: AppFacts, *kinds: str) -> list[DeclaredFeature]:
    if facts.declared is None:
        return []
    return [f for f in facts.declared.features if f.sensitive_kind in kinds]


def feature_evidence(features: Iterable[DeclaredFeature], note: str = "") -> list[FindingEvidence]:
    out = []
    for f in features:
        detail = f.sensitive_kind + (f" / {f.scenario}" if f.scenario else "")
        out.append(ev("declared", f.name or "(未命名功能)", f"功能设置: {detail}{note}"))
    return out


def text_mentions(text: str, words: Iterable[str]) -> bool:
    low = text.lower()
    return any(w.lower() in low for w in words)
