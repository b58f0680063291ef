"""The oversight areas' figures on the dashboard: low-use apps, overlap groups, ledger burden
and campaign progress (issue 14, item 1).

Each function is a figure of :data:`govapp.reports.figures.FIGURES`: it takes ``(user, ctx)``,
counts through the area's own selectors and ``restrict()`` (the rows the area's pages show
this user), and links every item to the area's list, filtered so that the list has exactly as
many rows as the item counts.  It returns None when the area means nothing to the reader.

Regulators and auditors (and the jurisdiction readers the dashboards are precomputed for) see
the figure of every area their pages show them; a hosting unit sees a figure only when it has
rows of its own.  The overlap pages are for regulators only: that figure is marked
``audience: regulators`` and left out for everybody else when the dashboard is drawn
(:func:`govapp.reports.figures.shown_to`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from govapp.core.permissions import has_role, is_regulator, restrict
from govapp.oversight.campaigns import selectors as campaign_selectors
from govapp.oversight.campaigns.models import (
    OPEN_TASK_STATES,
    CampaignState,
    InspectionTask,
    TaskKind,
)
from govapp.oversight.ledger import selectors as ledger_selectors
from govapp.oversight.ledger.models import Demand, DemandStatus
from govapp.oversight.overlap import selectors as overlap_selectors
from govapp.oversight.overlap.models import CaseState as ConsolidationState
from govapp.oversight.overlap.models import Decision, Relation
from govapp.oversight.usage import selectors as usage_selectors
from govapp.oversight.usage.models import Stage
from govapp.reports.figures import Ctx, Figure, Item, trend, url

# Parts of composed labels ("重复应用组·待决定"), translated part by part when drawn.
LABEL_PARTS = (
    gettext_noop("重复应用组"),
    gettext_noop("整合案件"),
    gettext_noop("已自查"),
    gettext_noop("待自查"),
    gettext_noop("逾期未自查"),
)


def _overseer(user: Any) -> bool:
    """Regulators and auditors (a jurisdiction reader is an auditor of its jurisdiction)."""
    return is_regulator(user) or has_role(user, "auditor")


# --- low-use apps and retirement ----------------------------------------------------------------


def low_use_apps(user: Any, ctx: Ctx) -> Figure | None:
    """Low-use candidates (flagged, not exempt, no retirement case yet) and the retirement
    cases by stage, with the overdue ones (govapp.oversight.usage)."""
    if not usage_selectors.can_use(user):
        return None
    flags = usage_selectors.lowuse_for(user).order_by()
    candidates = usage_selectors.lowuse_shown(flags, "candidates").count()
    cases = usage_selectors.cases_for(user).select_related(None).order_by()
    aggregates: dict[str, Any] = {
        stage: Count("pk", filter=usage_selectors.stage_q(stage)) for stage in Stage.values
    }
    aggregates["overdue"] = Count("pk", filter=usage_selectors.overdue_q(ctx.today))
    row = cases.aggregate(**aggregates)
    if not _overseer(user) and not candidates and not any(row.values()):
        return None
    items: list[Item] = [
        {
            "key": "candidates",
            "label": gettext_noop("退出候选"),
            "value": candidates,
            "url": url("usage:lowuse", show="candidates"),
        }
    ]
    for stage, label in Stage.choices:
        items.append(
            {
                "key": f"case_{stage}",
                "label": str(label),
                "value": int(row[stage] or 0),
                "url": url("usage:cases", stage=stage),
            }
        )
        if stage == Stage.OPEN:
            late = int(row["overdue"] or 0)
            items.append(
                {
                    "key": "case_overdue",
                    "label": f"{label}·已逾期",
                    "value": late,
                    "url": url("usage:cases", overdue="1"),
                    "urgent": late > 0,
                }
            )
    return {
        "key": "low_use_apps",
        "title": gettext_noop("低使用应用与退出处置"),
        "total": candidates,
        "total_label": gettext_noop("退出候选"),
        "url": url("usage:lowuse", show="candidates"),
        "chart": "bar",
        "items": items,
        "trend": trend(cases, "opened_at", ctx, gettext_noop("每月下达退出要求")),
        "note": gettext_noop(
            "退出候选：按判定标准列为低使用、未豁免且尚无退出处置的已备案应用。"
            "已逾期：待处置且已过期限。"
        ),
    }


# --- overlap groups and consolidation ----------------------------------------------------------


def overlap_groups(user: Any, ctx: Ctx) -> Figure | None:
    """Duplicate groups of the latest run by the regulator's decision, and consolidation
    cases by state (govapp.oversight.overlap; regulators only)."""
    if not _overseer(user):
        return None
    groups = overlap_selectors.groups_for(user, relation=Relation.DUPLICATE).order_by()
    cases = overlap_selectors.cases_for(user).select_related(None).order_by()
    case_counts = {
        str(k): int(n)
        for k, n in cases.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    }
    items: list[Item] = []
    waiting = 0
    for decision, label in Decision.choices:
        n = overlap_selectors.groups_decided(groups, decision).count()
        if decision == Decision.OPEN:
            waiting = n
        items.append(
            {
                "key": f"groups_{decision}",
                "label": f"重复应用组·{label}",
                "value": n,
                "url": url("overlap:index", relation=Relation.DUPLICATE, decision=decision),
            }
        )
    for state, label in ConsolidationState.choices:
        n = case_counts.get(state, 0)
        items.append(
            {
                "key": f"cases_{state}",
                "label": f"整合案件·{label}",
                "value": n,
                "url": url("overlap:cases", state=state),
                "urgent": state == ConsolidationState.ESCALATED and n > 0,
            }
        )
    return {
        "key": "overlap_groups",
        "title": gettext_noop("重复应用治理"),
        "total": waiting,
        "total_label": gettext_noop("待认定的重复应用组"),
        "url": url("overlap:index", relation=Relation.DUPLICATE, decision=Decision.OPEN),
        "chart": "bar",
        "items": items,
        "trend": trend(cases, "opened_at", ctx, gettext_noop("每月开启整合案件")),
        "note": gettext_noop(
            "最近一次检测发现的重复应用组（不含同一应用的多平台版本）。"
            "已逾期督办：并入应用在迁移期限前未公告关停。"
        ),
        "audience": "regulators",
    }


# --- burden ledger ---------------------------------------------------------------------------


def ledger_burden(user: Any, ctx: Ctx) -> Figure | None:
    """Data demands on grassroots units of the jurisdiction: listed and in force this period,
    those asking again for a datum an earlier demand of the area asks for, and proposals at
    the gateway (govapp.oversight.ledger)."""
    mine = restrict(Demand.objects.all(), user, "view").order_by()
    active = mine.filter(ledger_selectors.active_q(ctx.today))
    row = mine.aggregate(
        pending=Count("pk", filter=Q(status=DemandStatus.PENDING)),
        sent_back=Count("pk", filter=Q(status=DemandStatus.SENT_BACK)),
        active=Count("pk", filter=ledger_selectors.active_q(ctx.today)),
    )
    n_active = int(row["active"] or 0)
    n_pending, n_sent_back = int(row["pending"] or 0), int(row["sent_back"] or 0)
    if not _overseer(user) and not (n_active or n_pending or n_sent_back):
        return None
    duplicated = len(ledger_selectors.duplicated_ids(active))
    items: list[Item] = [
        {
            "key": "active",
            "label": gettext_noop("本期有效事项"),
            "value": n_active,
            "url": url("ledger:list", area="1", active="1"),
        },
        {
            "key": "duplicated",
            "label": gettext_noop("含重复索要的数据"),
            "value": duplicated,
            "url": url("ledger:list", area="1", active="1", duplicated="1"),
            "urgent": duplicated > 0,
        },
        {
            "key": "pending",
            "label": str(DemandStatus.PENDING.label),
            "value": n_pending,
            "url": url("ledger:list", area="1", status=DemandStatus.PENDING),
        },
        {
            "key": "sent_back",
            "label": str(DemandStatus.SENT_BACK.label),
            "value": n_sent_back,
            "url": url("ledger:list", area="1", status=DemandStatus.SENT_BACK),
        },
    ]
    return {
        "key": "ledger_burden",
        "title": gettext_noop("基层填报负担"),
        "total": n_active,
        "total_label": gettext_noop("本期有效事项"),
        "url": url("ledger:list", area="1", active="1"),
        "chart": "bar",
        "items": items,
        "trend": trend(
            mine.exclude(listed_at=None), "listed_at", ctx, gettext_noop("每月新列入清单")
        ),
        "note": gettext_noop(
            "本期有效：已列入清单且在有效期内的填报事项。含重复索要的数据：至少有一个字段"
            "是本地区（本级或上级）更早列入清单的事项已经采集的数据。"
        ),
    }


# --- self-inspection campaigns -------------------------------------------------------------


def _detail_url(pk: int, **params: str) -> str:
    return f"{reverse('campaigns:detail', args=[pk])}?{urlencode(params)}"


def campaign_progress(user: Any, ctx: Ctx) -> Figure | None:
    """For each open self-inspection campaign: the apps whose hosting unit has self-inspected
    (submitted or accepted), those still to do, and the overdue ones
    (govapp.oversight.campaigns)."""
    campaigns = list(
        campaign_selectors.campaigns_for(user)
        .filter(state=CampaignState.OPEN)
        .order_by("deadline", "pk")
        .values_list("pk", "title")
    )
    host = restrict(InspectionTask.objects.all(), user, "view").filter(kind=TaskKind.HOST)
    todo = Q(state__in=OPEN_TASK_STATES)
    rows = {
        r["campaign_id"]: r
        for r in host.filter(campaign_id__in=[pk for pk, _t in campaigns])
        .order_by()
        .values("campaign_id")
        .annotate(
            done=Count("pk", filter=Q(state__in=campaign_selectors.DONE_TASK_STATES)),
            todo=Count("pk", filter=todo),
            overdue=Count("pk", filter=todo & Q(due__lt=ctx.today)),
        )
    }
    items: list[Item] = []
    done_all = todo_all = 0
    for pk, title in campaigns:
        r = rows.get(pk)
        if r is None:
            continue  # no app of this campaign in reach
        done_all += r["done"]
        todo_all += r["todo"]
        items += [
            {
                "key": f"c{pk}_done",
                "label": f"{title}·已自查",
                "value": r["done"],
                "url": _detail_url(pk, kind=TaskKind.HOST, progress="done"),
            },
            {
                "key": f"c{pk}_todo",
                "label": f"{title}·待自查",
                "value": r["todo"],
                "url": _detail_url(pk, kind=TaskKind.HOST, progress="todo"),
            },
            {
                "key": f"c{pk}_overdue",
                "label": f"{title}·逾期未自查",
                "value": r["overdue"],
                "url": _detail_url(pk, kind=TaskKind.HOST, overdue="1"),
                "urgent": r["overdue"] > 0,
            },
        ]
    if not items:
        return None
    tasks = done_all + todo_all
    return {
        "key": "campaign_progress",
        "title": gettext_noop("自查自评进度"),
        "total": round(100 * done_all / tasks, 1) if tasks else 0,
        "total_label": gettext_noop("自查完成率（%）"),
        "unit": "%",
        "url": reverse("campaigns:list"),
        "chart": "bar",
        "items": items,
        "trend": trend(
            host.exclude(submitted_at=None), "submitted_at", ctx, gettext_noop("每月提交自查")
        ),
        "note": gettext_noop(
            "进行中的专项，每个应用由主办单位自查一次：已提交或已通过为已自查；"
            "待填报、填报中或被退回为待自查，过了截止日期为逾期。"
        ),
    }
