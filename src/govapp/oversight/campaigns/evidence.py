"""What govapp already knows about an app, set beside a unit's answers (issue 13 item 2).

For each question the checklist names the evidence that bears on it: compliance findings by rule
(which carry the scanner's capability and keyword evidence, e.g. clock-in code in pages/checkin),
complaints by category, and operation facts that other oversight areas pushed (usage: low use;
ledger: duplicated fields). An answer that denies a problem while such evidence exists is a
*contradiction*, shown to the unit before it submits and to the reviewer after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from govapp.complaints.models import Category
from govapp.complaints.selectors import operation_facts as complaint_facts
from govapp.compliance.models import Finding, FindingStatus, OperationFacts
from govapp.compliance.rules import RULES_BY_ID
from govapp.oversight.campaigns.models import Answer, Question


@dataclass
class EvidenceItem:
    kind: str  # finding | complaint | facts
    label: str
    detail: str = ""
    url: str = ""


@dataclass
class AppEvidence:
    """Everything relevant about one app, loaded once per page."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)  # rule id -> open findings
    complaints: dict[str, int] = field(default_factory=dict)  # category -> count
    facts: dict[str, Any] = field(default_factory=dict)  # merged operation facts


def app_evidence(app_id: int) -> AppEvidence:
    found: dict[str, list[Finding]] = {}
    for f in Finding.objects.filter(app_id=app_id).exclude(status=FindingStatus.CLOSED):
        found.setdefault(f.rule_id, []).append(f)
    facts: dict[str, Any] = {}
    for row in OperationFacts.objects.filter(app_id=app_id).exclude(source="campaigns"):
        facts.update(row.data)
    return AppEvidence(
        findings=found, complaints=complaint_facts(app_id).get("complaints", {}), facts=facts
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, list | dict | tuple | set):
        return len(value) > 0
    return bool(value)


def evidence_for(
    question: Question, known: AppEvidence, *, language: str = "zh-hans"
) -> list[EvidenceItem]:
    """The evidence bearing on one question (empty: govapp knows nothing against the answer)."""
    items: list[EvidenceItem] = []
    for rule_id in question.rules or []:
        rule = RULES_BY_ID.get(rule_id)
        for f in known.findings.get(rule_id, []):
            detail = "; ".join(
                f"{e.get('value', '')} {e.get('where', '')}".strip()
                for e in (f.evidence or [])[:3]
                if isinstance(e, dict)
            )
            items.append(
                EvidenceItem(
                    kind="finding",
                    label=rule.title(language) if rule else rule_id,
                    detail=detail,
                    url=f"/compliance/findings/{f.pk}/",
                )
            )
    labels = dict(Category.choices)
    for category in question.complaints or []:
        n = int(known.complaints.get(category, 0))
        if n:
            items.append(
                EvidenceItem(
                    kind="complaint",
                    label=_("收到“%(c)s”类举报 %(n)d 件")
                    % {"c": labels.get(category, category), "n": n},
                )
            )
    for key in question.facts or []:
        value = _lookup(known.facts, key)
        if _truthy(value):
            items.append(EvidenceItem(kind="facts", label=_fact_label(key), detail=_short(value)))
    return items


def _lookup(facts: dict[str, Any], key: str) -> Any:
    """A fact by dotted path ("ledger.duplicated")."""
    value: Any = facts
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _fact_label(key: str) -> str:
    return {
        "low_use": _("使用情况监测显示该应用使用率低"),
        "ledger.duplicated": _("填报事项清单显示存在重复填报的数据项"),
        "ledger.unlisted": _("应用承载了未列入填报事项清单的填报任务"),
    }.get(key, key)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text[:200]


@dataclass
class Check:
    """One question of a task with the answer, the evidence and whether they contradict."""

    question: Question
    text: str
    answer: Answer | None
    evidence: list[EvidenceItem]

    @property
    def contradiction(self) -> bool:
        """The unit denies the problem (or says not applicable) while govapp holds evidence."""
        if self.answer is None or not self.answer.value or not self.evidence:
            return False
        return self.answer.value != self.question.problem_if

    @property
    def admits_problem(self) -> bool:
        return self.answer is not None and self.answer.admits_problem
