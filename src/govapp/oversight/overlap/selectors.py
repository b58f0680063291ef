"""Reads of the overlap area, always through the jurisdiction filter."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from govapp.core.actor import Actor
from govapp.core.permissions import has_role, is_regulator, restrict
from govapp.orgs.models import Division
from govapp.oversight.overlap import engine
from govapp.oversight.overlap.models import (
    ConsolidationCase,
    Decision,
    GroupDecision,
    OverlapGroup,
    OverlapRun,
    ProposalCheck,
)


def function_name(code: str | None) -> str:
    """The function's name in the page's language."""
    fn = engine.taxonomy().get(code or "")
    if fn is None:
        return _("未分类")
    return fn.en if (get_language() or "").startswith("en") else fn.zh


def can_use_check(user: Actor) -> bool:
    return has_role(
        user,
        "unit_manager",
        "unit_filer",
        "project_approval_authority",
        "national_regulator",
        "provincial_cac_reviewer",
    )


def latest_run() -> OverlapRun | None:
    return OverlapRun.objects.filter(finished_at__isnull=False).first()


def groups_for(
    user: Actor, *, run: OverlapRun | None = None, relation: str = ""
) -> QuerySet[OverlapGroup]:
    run = run or latest_run()
    if run is None:
        return OverlapGroup.objects.none()
    qs = restrict(OverlapGroup.objects.filter(run=run), user, "view")
    if relation:
        qs = qs.filter(relation=relation)
    return qs.prefetch_related("apps__hosting_unit")


def with_decision(qs: QuerySet[OverlapGroup]) -> QuerySet[OverlapGroup]:
    """Each group annotated with ``latest_decision``: the latest decision on the same apps
    (as :func:`decision_of`), None while no regulator has decided."""
    latest = GroupDecision.objects.filter(signature=OuterRef("signature")).order_by(
        "-decided_at", "-pk"
    )
    return qs.annotate(latest_decision=Subquery(latest.values("decision")[:1]))


def groups_decided(qs: QuerySet[OverlapGroup], decision: str) -> QuerySet[OverlapGroup]:
    """Groups whose latest decision is ``decision``; ``open``: awaiting a regulator's
    decision (none yet).  Anything else: every group."""
    if decision not in Decision.values:
        return qs
    qs = with_decision(qs)
    if decision == Decision.OPEN:
        return qs.filter(Q(latest_decision__isnull=True) | Q(latest_decision=Decision.OPEN))
    return qs.filter(Q(latest_decision=decision))


def decision_of(group: OverlapGroup) -> GroupDecision | None:
    """The latest decision on the same apps, from this run or an earlier one."""
    return GroupDecision.objects.filter(signature=group.signature).first()


def decisions_by_signature(signatures: list[str]) -> dict[str, GroupDecision]:
    out: dict[str, GroupDecision] = {}
    for d in GroupDecision.objects.filter(signature__in=signatures).order_by("decided_at", "pk"):
        out[d.signature] = d  # the latest wins
    return out


def _division_names(codes: set[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


def function_counts(user: Actor, run: OverlapRun | None = None) -> list[dict[str, Any]]:
    """Apps per function per region in the user's reach ("广东省: 7 网格化服务管理")."""
    run = run or latest_run()
    if run is None:
        return []
    from govapp.core.permissions import active_grants, is_national

    if is_national(user):
        reach: list[str] | None = None
    else:
        reach = [g.division_id for g in active_grants(user) if g.division_id and is_regulator(user)]
    names = _division_names(set(run.function_counts))
    rows = []
    for region, counts in run.function_counts.items():
        if reach is not None and not any(region.startswith(r) for r in reach):
            continue
        for code, n in counts.items():
            rows.append(
                {
                    "region": region,
                    "region_name": names.get(region, region),
                    "function": code,
                    "function_name": function_name(code),
                    "count": n,
                }
            )
    rows.sort(key=lambda r: (r["region"], -r["count"], r["function"]))
    return rows


def checks_for(user: Actor) -> QuerySet[Any]:
    return restrict(ProposalCheck.objects.select_related("unit"), user, "view")


def cases_for(user: Actor) -> QuerySet[Any]:
    return restrict(ConsolidationCase.objects.select_related("staying", "group"), user, "view")


def check_by_number(number: str) -> ProposalCheck | None:
    return ProposalCheck.objects.filter(number=number.strip()).first()


def approval_flags(sections: dict[str, Any]) -> list[str]:
    """Why a filing's project approval needs the reviewers' attention (R-16): no check, an
    unknown check, or a strong match ignored without a reason."""
    approval = (sections or {}).get("approval") or {}
    number = str(approval.get("overlap_check") or "").strip()
    if not number:
        return [_("立项审核未附建设前重复核查。")]
    check = check_by_number(number)
    if check is None:
        return [_("立项审核所附的重复核查编号 %(n)s 不存在。") % {"n": number}]
    if check.strong_match and not str(approval.get("overlap_reason") or "").strip():
        return [_("重复核查发现已有应用承担相同功能，但未说明建设理由。")]
    return []


# -- export ----------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet never runs as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def groups_workbook(user: Actor) -> bytes:
    groups = list(groups_for(user))
    decisions = decisions_by_signature([g.signature for g in groups])
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = _("重复应用组")
    header = [
        _("组"),
        _("关系"),
        _("相似度"),
        _("功能"),
        _("应用"),
        _("主办单位"),
        _("备案编号"),
        _("认定"),
        _("依据"),
    ]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for g in groups:
        d = decisions.get(g.signature)
        for app in g.apps.all():
            ws.append(
                [
                    safe_cell(v)
                    for v in (
                        g.pk,
                        g.get_relation_display(),
                        round(g.score, 3),
                        function_name(g.function),
                        app.name,
                        app.hosting_unit.name,
                        app.filing_number or "",
                        d.get_decision_display() if d else _("待决定"),
                        "；".join(g.reasons),
                    )
                ]
            )
    counts = wb.create_sheet(_("功能分布"))
    counts.append([_("地区"), _("功能"), _("应用数")])
    for r in function_counts(user):
        counts.append([safe_cell(r["region_name"]), safe_cell(r["function_name"]), r["count"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
