"""Demo usage data (demo only, never production): 12 months of returns and 60 days of daily
device counts for the filed demo apps, some clearly low-use, one seasonal app exempted,
anonymous ratings, "in use, not filed" signals and retirement cases in every stage, so each
demo account has something to do.  Idempotent; the random seed is fixed."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from govapp.core.audit import audit_record
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.demo import demo_table
from govapp.core.models import AuditEvent
from govapp.orgs.models import User
from govapp.oversight.usage import services
from govapp.oversight.usage.models import (
    CaseState,
    DailyUsage,
    Exemption,
    ExemptionCategory,
    MonthlyReturn,
    RetirementCase,
    Source,
    UnfiledUsage,
)
from govapp.registry.models import App, AppStatus

SEED = 20261130
SENTINEL = "demo.usage_loaded"
_TABLE = demo_table(__name__, "usage")
LOW_USE = tuple(_TABLE["low_use"])
SEASONAL = tuple(_TABLE["seasonal"])
COMMENTS: list[str] = _TABLE["comments"]


def _months(today: dt.date, n: int) -> list[dt.date]:
    last = services.month_add(services.month_start(today), -1)
    return [services.month_add(last, -i) for i in range(n)][::-1]


def demo_usage_load() -> dict[str, int]:
    if AuditEvent.objects.filter(action=SENTINEL).exists():
        return {"created": 0}
    rng = random.Random(SEED)
    today = today_shanghai()
    months = _months(today, 12)
    filed = list(App.objects.filter(status=AppStatus.FILED).select_related("hosting_unit"))
    if not filed:
        return {"created": 0}
    by_name = {a.name: a for a in filed}
    low = {by_name[n].pk for n in LOW_USE if n in by_name}
    seasonal = next((by_name[n] for n in SEASONAL if n in by_name), None)
    silent: set[int] = set()
    returns: list[MonthlyReturn] = []
    daily: list[DailyUsage] = []
    sample = [a for a in filed if a.pk not in low and (seasonal is None or a.pk != seasonal.pk)]
    rng.shuffle(sample)
    extra_low = {a.pk for a in sample[: max(3, len(sample) // 12)]}
    # two more in Guangdong, for gd-cac's overdue cases
    extra_low |= {
        a.pk
        for a in [x for x in sample if x.hosting_unit.scope_code.startswith("44")][:2]
        if a.name not in ("穗好办",)
    }
    silent = {a.pk for a in sample[-max(2, len(sample) // 30) :]} - extra_low
    now = timezone.now()
    for app in filed:
        intended = rng.choice([800, 2_000, 5_000, 20_000, 80_000, 300_000])
        base = rng.uniform(0.15, 0.7)
        if app.pk in low or app.pk in extra_low:
            base = rng.uniform(0.004, 0.03)
        for i, m in enumerate(months):
            if app.pk in silent and i >= len(months) - 3:
                continue
            ratio = base * rng.uniform(0.85, 1.15)
            if seasonal is not None and app.pk == seasonal.pk:
                ratio = 0.6 if m.month in (6, 7, 8) else 0.01
            active = max(1, int(intended * ratio))
            returns.append(
                MonthlyReturn(
                    app=app,
                    month=m,
                    active_users=active,
                    intended_users=intended,
                    sessions=active * rng.randint(3, 25),
                    source=Source.DEMO,
                    updated_at=now,
                )
            )
        if app.pk in low or app.pk in extra_low or rng.random() < 0.4 or app.name in by_name:
            per_day = max(1, int(intended * base / 12))
            for d in range(60, 0, -1):
                day = today - dt.timedelta(days=d)
                weekday = day.weekday() < 5
                n = max(0, int(per_day * rng.uniform(0.6, 1.2) * (1 if weekday else 0.4)))
                daily.append(DailyUsage(app=app, date=day, devices=n, pings=n * rng.randint(1, 4)))
    with transaction.atomic():
        MonthlyReturn.objects.bulk_create(returns, batch_size=2000, ignore_conflicts=True)
        DailyUsage.objects.bulk_create(daily, batch_size=2000, ignore_conflicts=True)
        _unfiled(rng, today)
        _ratings(rng, by_name)
        if seasonal is not None:
            Exemption.objects.create(
                app=seasonal,
                category=ExemptionCategory.FLOOD,
                reason="汛期（6至8月）集中使用的防汛指挥应用，其余月份按设计很少使用。",
                expires_on=today + dt.timedelta(days=365),
                granted_by=User.objects.filter(username="cac").first(),
            )
        audit_record(
            actor=None,
            action=SENTINEL,
            object_type="demo",
            object_id="usage",
            object_repr="demo usage data",
            after={"returns": len(returns), "daily": len(daily)},
        )
    services.lowuse_evaluate()
    cases = _cases(rng, by_name, today)
    return {"created": len(returns), "daily": len(daily), "cases": cases}


def _unfiled(rng: random.Random, today: dt.date) -> None:
    rows = []
    for package in ("cn.gov.demo.gridcheck", "com.example.jiancha.daka", "cn.demo.xiaoqu.tongji"):
        for d in range(1, 21):
            n = rng.randint(5, 120)
            rows.append(
                UnfiledUsage(
                    package=package, date=today - dt.timedelta(days=d), devices=n, pings=n * 2
                )
            )
    UnfiledUsage.objects.bulk_create(rows, ignore_conflicts=True)
    unfiled = App.objects.filter(name="广州网格通", status=AppStatus.UNFILED).first()
    if unfiled is not None:
        DailyUsage.objects.bulk_create(
            [
                DailyUsage(
                    app=unfiled, date=today - dt.timedelta(days=d), devices=40 + d, pings=90 + d
                )
                for d in range(1, 15)
            ],
            ignore_conflicts=True,
        )


def _ratings(rng: random.Random, by_name: dict[str, App]) -> None:
    for name, scores in (("穗好办", [5, 4, 5, 4, 3, 5, 4]), ("穗智管", [2, 1, 2, 3, 1, 2])):
        app = by_name.get(name)
        if app is None:
            continue
        for i, score in enumerate(scores):
            services.rating_add(
                app=app, score=score, comment=COMMENTS[i % len(COMMENTS)] if i < 5 else ""
            )


def _case(
    app: App | None,
    *,
    state: str,
    deadline: dt.date,
    actor: User | None,
    appeal: str = "",
    note: str = "",
) -> int:
    if app is None:
        return 0
    flag = getattr(app, "low_use", None)
    RetirementCase.objects.create(
        app=app,
        state=state,
        reason="使用率长期偏低，依据《办法》应在期限内关停注销或说明理由。",
        reasons=flag.reasons if flag is not None else [],
        working_days=20,
        deadline=deadline,
        opened_by=actor,
        appeal=appeal,
        appealed_at=timezone.now() if appeal else None,
        decision_note=note,
    )
    return 1


def _cases(rng: random.Random, by_name: dict[str, App], today: dt.date) -> int:
    cac = User.objects.filter(username="cac").first()
    later = add_working_days(today, 20).date
    past = today - dt.timedelta(days=10)
    n = 0
    with transaction.atomic():
        # gz-unit: open, to appeal or retire; cd-unit: appealed, for sc-cac to decide
        n += _case(by_name.get("穗智管"), state=CaseState.OPEN, deadline=later, actor=cac)
        n += _case(
            by_name.get("蓉易办"),
            state=CaseState.APPEALED,
            deadline=later,
            actor=cac,
            appeal="该应用是全市唯一的预约渠道，下半年将与天府市民云整合，申请延期退出。",
        )
        n += _case(
            by_name.get("安全生产举报"),
            state=CaseState.WITHDRAWN,
            deadline=later,
            actor=cac,
            appeal="举报渠道按设计低频使用，但必须保留。",
            note="申诉成立：法定举报渠道，保留。",
        )
        # overdue ones in Guangdong, and apps already retiring / retired / offline
        flagged = list(
            App.objects.filter(low_use__isnull=False, low_use__exempt=False, status="filed")
            .exclude(retirement_cases__isnull=False)
            .order_by("pk")
        )
        gd = [a for a in flagged if a.hosting_unit.scope_code.startswith("44")][:2]
        for app in gd:
            n += _case(app, state=CaseState.OPEN, deadline=past, actor=cac)
        for app in [a for a in flagged if a not in gd][:6]:
            n += _case(app, state=CaseState.OPEN, deadline=later, actor=cac)
        successor = by_name.get("天府市民云")
        for status in (AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE, AppStatus.DEREGISTERED):
            apps = list(App.objects.filter(status=status).order_by("pk")[:2])
            for app in apps:
                n += _case(app, state=CaseState.RETIRING, deadline=past, actor=cac)
        retired = App.objects.filter(name="成都城运通", status=AppStatus.DEREGISTERED).first()
        if retired is not None and successor is not None:
            App.objects.filter(pk=retired.pk).update(successor=successor)
            if not RetirementCase.objects.filter(app=retired).exists():
                n += _case(retired, state=CaseState.RETIRING, deadline=past, actor=cac)
    services.cases_escalate(today=today)
    return n
