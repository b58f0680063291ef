"""Writes: pings, closing days, monthly returns, ratings, low-use criteria and evaluation,
exemptions and retirement cases.  Each state change is one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Avg, BigIntegerField, Count, Exists, F, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core import ratelimit
from govapp.core.actor import Actor
from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.core.escalation import escalate_overdue
from govapp.core.permissions import active_grants, has_role, is_national, is_regulator, restrict
from govapp.orgs.models import User
from govapp.oversight.usage import counting, limits
from govapp.oversight.usage.models import (
    CaseState,
    Criteria,
    DailyUsage,
    Exemption,
    LowUseFlag,
    MonthlyReturn,
    Rating,
    RetirementCase,
    Source,
    UnfiledUsage,
)
from govapp.registry.models import App, AppStatus, PlatformIdentity


class UsageError(InvalidInput):
    """A request that cannot be carried out; the message says what to do instead (400 in the
    API, with field errors)."""

    @property
    def fields(self) -> dict[str, str]:
        return self.errors


class UsageNotAllowed(NotAllowed, UsageError):
    """The actor may not do this at all (403)."""


class UsageConflict(Conflict, UsageError):
    """The case or app is no longer in a state that allows this (409)."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise UsageNotAllowed(message)


def is_unit_of(actor: Actor, app: App) -> bool:
    return (
        has_role(actor, "unit_manager", "unit_filer")
        and restrict(App.objects.filter(pk=app.pk), actor, "change").exists()
    )


def is_regulator_of(actor: Actor, app: App) -> bool:
    return is_regulator(actor) and restrict(App.objects.filter(pk=app.pk), actor, "change").exists()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


# --- pings --------------------------------------------------------------------------------

PACKAGE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)+$|^[A-Za-z0-9_\-]{4,64}$")
NUMBER_RE = re.compile(r"^[\w\-()（）]{4,64}$")
_memo: dict[tuple[str, str], tuple[float, str | None]] = {}
_memo_lock = threading.Lock()
MEMO_SECONDS = 60.0


def _resolve(kind: str, value: str) -> str | None:
    """The counting target of a ping: ``a<app id>``, ``p<package>`` (unknown package) or None
    (an unknown filing number: nothing to count).  Remembered for a minute per process."""
    now = time.monotonic()
    with _memo_lock:
        hit = _memo.get((kind, value))
    if hit is not None and hit[0] > now:
        return hit[1]
    target: str | None
    if kind == "filing_number":
        app_id = App.objects.filter(filing_number=value).values_list("pk", flat=True).first()
        target = f"a{app_id}" if app_id else None
    else:
        ident = (
            PlatformIdentity.objects.filter(identifier=value)
            .order_by("-live", "-pk")
            .values_list("app_id", flat=True)
            .first()
        )
        target = f"a{ident}" if ident else f"p{value}"
    with _memo_lock:
        if len(_memo) > 50_000:
            _memo.clear()
        _memo[(kind, value)] = (now + MEMO_SECONDS, target)
    return target


def memo_clear() -> None:
    with _memo_lock:
        _memo.clear()


def _target(filing_number: str, package: str) -> str | None:
    """The counting target a ping names, or None when it names nothing countable (malformed,
    or an unknown filing number)."""
    filing_number, package = filing_number.strip(), package.strip()
    if filing_number:
        if not NUMBER_RE.match(filing_number):
            return None
        return _resolve("filing_number", filing_number)
    if package:
        if len(package) > 200 or not PACKAGE_RE.match(package):
            return None
        return _resolve("package", package)
    return None


def ping_record(
    *, filing_number: str = "", package: str = "", address: str, user_agent: str
) -> bool:
    """Count one ping (no database write; see :mod:`counting`).  False when the ping names
    nothing that could be counted (malformed, or an unknown filing number)."""
    target = _target(filing_number, package)
    if target is None:
        return False
    counting.ping_count(target=target, address=address, user_agent=user_agent[:512])
    return True


def ping_take(
    *,
    filing_number: str = "",
    package: str = "",
    address: str,
    user_agent: str,
    buckets: Sequence[ratelimit.Bucket],
) -> int:
    """The ping endpoint: decide its rate limits (``buckets``) and count it when admitted, in
    one round trip to the shared store.  0 when admitted (counted if it names something
    countable), else the seconds to wait; a refused ping counts nowhere.  A ping that names
    nothing countable still uses up its limits (so floods of junk are refused too)."""
    target = _target(filing_number, package)
    if target is None:
        decision = ratelimit.hit_many(buckets)
        return 0 if decision.allowed else decision.retry_after
    return counting.ping_limited(
        target=target, address=address, user_agent=user_agent[:512], buckets=buckets
    )


@dataclass
class CloseResult:
    days: list[dt.date] = field(default_factory=list)
    apps: int = 0
    unfiled_packages: int = 0
    devices: int = 0
    keys_deleted: int = 0


def _chunks(values: list[Any], size: int = 900) -> Any:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def usage_close_day(*, before: dt.date | None = None, actor: Actor | None = None) -> CloseResult:
    """Write the aggregates of the open days (all of them, or those before ``before``) and
    destroy their salts and every per-device hash: bulk reads, one upsert per 5,000 daily rows
    and one audit event for the whole close."""
    result = CloseResult()

    def write(closed: counting.Closed) -> None:
        result.days = sorted(closed.days)
        per_app: dict[tuple[int, dt.date], list[int]] = {}
        per_pkg: dict[tuple[str, dt.date], list[int]] = {}
        for (day, target), (devices, pings) in closed.counts.items():
            result.devices += devices
            if target.startswith("a") and target[1:].isdigit():
                per_app[(int(target[1:]), day)] = [devices, pings]
            elif target.startswith("p"):
                per_pkg[(target[1:], day)] = [devices, pings]
        with transaction.atomic():
            wanted = {a for a, _d in per_app}
            existing_ids = _existing(App.objects.all(), wanted)
            per_app = {k: v for k, v in per_app.items() if k[0] in existing_ids}
            _merge_daily(per_app)
            _merge_unfiled(per_pkg)
            result.apps = len({a for a, _d in per_app})
            result.unfiled_packages = len({p for p, _d in per_pkg})
            audit_record(
                actor=actor,
                action="usage.close_day",
                object_type="usage.day",
                object_id=",".join(d.isoformat() for d in result.days)[:64],
                object_repr=_("使用情况日结"),
                after={
                    "days": [d.isoformat() for d in result.days],
                    "apps": result.apps,
                    "unfiled_packages": result.unfiled_packages,
                    "devices": result.devices,
                },
            )
            ids = sorted(
                _existing(
                    App.objects.filter(status__in=[AppStatus.UNFILED, AppStatus.REVOKED]), wanted
                )
            )
            if ids:
                transaction.on_commit(lambda: _push_in_use(ids))
            # the counters of the ping's rate limits are keyed hashes of addresses and devices
            # (on Redis they are deleted by the close's own SCAN)
            if counting._backend() != "redis":
                limits.forget_devices()

    closed = counting.days_close(before=before, write=write, forget=(limits.FORGET_PREFIX,))
    result.keys_deleted = closed.keys_deleted
    return result


def _existing(qs: Any, wanted: set[int]) -> set[int]:
    """The ids of ``wanted`` found in ``qs`` (one query, however many ids)."""
    if len(wanted) > 500:
        return wanted & set(qs.values_list("pk", flat=True))
    return set(qs.filter(pk__in=wanted).values_list("pk", flat=True))


def _upsert(table: str, key: str, rows: list[tuple[Any, ...]]) -> None:
    """Add ``(key, date, devices, pings)`` rows to ``table`` (one upsert statement per batch:
    SQLite and PostgreSQL both add to an existing row of the same key and day)."""
    quoted = connection.ops.quote_name(table)
    sql = (
        f"INSERT INTO {quoted} ({key}, date, devices, pings) VALUES (%s, %s, %s, %s) "  # noqa: S608 (quoted model table)
        f"ON CONFLICT ({key}, date) DO UPDATE SET devices = "
        f"{quoted}.devices + excluded.devices, pings = {quoted}.pings + excluded.pings"
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            cursor.executemany(sql, chunk)


def _merge_daily(per_app: dict[tuple[int, dt.date], list[int]]) -> None:
    rows = [(a, d, v[0], v[1]) for (a, d), v in sorted(per_app.items())]
    _upsert(DailyUsage._meta.db_table, "app_id", rows)


def _merge_unfiled(per_pkg: dict[tuple[str, dt.date], list[int]]) -> None:
    rows = [(p, d, v[0], v[1]) for (p, d), v in sorted(per_pkg.items())]
    _upsert(UnfiledUsage._meta.db_table, "package", rows)


def facts_put(*, app: App, facts: dict[str, Any]) -> None:
    """Push usage facts to the compliance engine (which re-evaluates the rules, R-07)."""
    from govapp.compliance.services import app_operation_facts_put

    app_operation_facts_put(app=app, source="usage", facts=facts)


def _push_in_use(app_ids: list[int]) -> None:
    since = today_shanghai() - dt.timedelta(days=30)
    for app in App.objects.filter(pk__in=app_ids):
        agg = DailyUsage.objects.filter(app=app, date__gte=since).aggregate(
            days=Count("pk"), devices=Avg("devices")
        )
        facts_put(
            app=app,
            facts={
                "in_use": True,
                "in_use_source": _("使用情况上报：近30天 %(d)d 天有启动，日均 %(n)d 台设备")
                % {"d": agg["days"] or 0, "n": int(agg["devices"] or 0)},
            },
        )


# --- monthly returns --------------------------------------------------------------------------


RETURN_FIELDS = ("active_users", "intended_users", "sessions", "functions", "source")


def _check_return(
    month: dt.date, active_users: int, intended_users: int, sessions: int
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if month > month_start(today_shanghai()):
        errors["month"] = _("不能报送未来月份的使用情况。")
    if month.year < 2000:
        errors["month"] = _("月份不正确。")
    for name, value in (
        ("active_users", active_users),
        ("intended_users", intended_users),
        ("sessions", sessions),
    ):
        if value < 0:
            errors[name] = _("不能为负数。")
    if intended_users == 0 and "intended_users" not in errors:
        errors["intended_users"] = _("服务对象人数应大于 0（应用所服务人群的规模）。")
    if active_users > intended_users > 0 and active_users > intended_users * 10:
        errors["active_users"] = _("月活跃用户数超过服务对象人数的 10 倍，请核对。")
    return errors


def return_save(
    *,
    app: App,
    month: dt.date,
    active_users: int,
    intended_users: int,
    sessions: int = 0,
    functions: dict[str, int] | None = None,
    source: str = Source.FORM,
    actor: User,
) -> MonthlyReturn:
    """Create or correct the return of ``app`` for ``month`` (the audit log keeps the old
    figures)."""
    _require(
        is_unit_of(actor, app) or getattr(actor, "is_superuser", False),
        _("只有主办单位可以报送该应用的使用情况。"),
    )
    month = month_start(month)
    errors = _check_return(month, active_users, intended_users, sessions)
    if errors:
        raise UsageError(_("使用情况有误，请修改后重新提交。"), errors)
    with transaction.atomic():
        return _return_write(
            app=app,
            month=month,
            values={
                "active_users": active_users,
                "intended_users": intended_users,
                "sessions": sessions,
                "functions": {str(k): int(v) for k, v in (functions or {}).items()},
                "source": source,
            },
            actor=actor,
        )


def _return_write(
    *, app: App, month: dt.date, values: dict[str, Any], actor: User
) -> MonthlyReturn:
    row = MonthlyReturn.objects.select_for_update().filter(app=app, month=month).first()
    if row is None:
        row = MonthlyReturn.objects.create(
            app=app, month=month, updated_by=actor if _real(actor) else None, **values
        )
        audit_record(actor=actor, action="usage.return_create", obj=row, after=snapshot(row))
        return row
    before = snapshot(row)
    for k, v in values.items():
        setattr(row, k, v)
    row.updated_by = actor if _real(actor) else None
    row.updated_at = timezone.now()
    row.save()
    b, a = diff(before, snapshot(row))
    audit_record(actor=actor, action="usage.return_correct", obj=row, before=b, after=a)
    return row


def _real(actor: Actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# --- ratings (R-24) -----------------------------------------------------------------------

_REDACT = [
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "[身份证号已删除]"),
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"), "[电话已删除]"),
    (re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"), "[电话已删除]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[邮箱已删除]"),
    (re.compile(r"(?:我是|我叫|本人|姓名[:：]?)\s*[\u4e00-\u9fa5]{2,4}"), "[身份信息已删除]"),
    (re.compile(r"(?:工号|编号|警号|学号)[:：]?\s*\w+"), "[工号已删除]"),
]


def redact(text: str) -> str:
    """The comment without phone numbers, ID numbers, e-mail addresses or self-identification."""
    for pattern, replacement in _REDACT:
        text = pattern.sub(replacement, text)
    return text


def rating_add(*, app: App, score: int, comment: str = "") -> Rating:
    """An anonymous rating from the in-app page: no account, address or time of day kept."""
    if not 1 <= int(score) <= 5:
        raise UsageError(_("请选择 1 到 5 分。"), {"score": _("请选择 1 到 5 分。")})
    if len(comment) > 1000:
        raise UsageError(_("意见建议不超过 1000 字。"), {"comment": _("不超过 1000 字。")})
    if app.status not in (AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE):
        raise UsageError(_("该应用当前不接受评价。"))
    with transaction.atomic():
        rating = Rating.objects.create(
            app=app,
            score=int(score),
            comment=redact(comment.strip()),
            month=month_start(today_shanghai()),
        )
        audit_record(
            actor=None,
            action="usage.rating_add",
            obj=rating,
            after={"app": app.pk, "score": rating.score},
        )
    return rating


# --- low-use criteria and evaluation ---------------------------------------------------------

CRITERIA_FIELDS = (
    "ratio_percent",
    "ratio_months",
    "min_active_users",
    "no_return_months",
    "min_rating",
    "min_ratings",
)


def criteria_for_scope(scope: str) -> Criteria:
    """The criteria applying to an app whose unit has scope code ``scope``."""
    province = scope[:2] if scope and scope[:2].isdigit() else ""
    rows = {c.scope: c for c in Criteria.objects.filter(scope__in=[province, ""])}
    return rows.get(province) or rows.get("") or Criteria(scope="")


def criteria_set(*, scope: str, actor: User, **values: Any) -> Criteria:
    """A regulator sets the criteria for the nation ("") or their province."""
    _require(is_regulator(actor), _("只有监管部门可以设置低使用判定标准。"))
    national = is_national(actor)
    if scope == "":
        _require(national, _("全国标准只能由国家网信办设置。"))
    else:
        _require(national or _reaches(actor, scope), _("只能设置本辖区的标准。"))
    unknown = set(values) - set(CRITERIA_FIELDS)
    if unknown:
        raise UsageError(_("未知的标准项：%(f)s") % {"f": ", ".join(sorted(unknown))})
    if "ratio_percent" in values and not 0 <= Decimal(values["ratio_percent"]) <= 100:
        raise UsageError(_("比例应在 0 到 100 之间。"), {"ratio_percent": _("0 到 100")})
    if "min_rating" in values and not 0 <= Decimal(values["min_rating"]) <= 5:
        raise UsageError(_("评分应在 0 到 5 之间。"), {"min_rating": _("0 到 5")})
    with transaction.atomic():
        row, created = Criteria.objects.select_for_update().get_or_create(scope=scope)
        before = snapshot(row)
        for k, v in values.items():
            setattr(row, k, v)
        row.updated_by = actor if _real(actor) else None
        row.updated_at = timezone.now()
        row.save()
        b, a = diff(before, snapshot(row))
        audit_record(
            actor=actor,
            action="usage.criteria_set",
            obj=row,
            before=None if created else b,
            after=a,
            scope_code=scope,
        )
    return row


def _reaches(actor: Actor, scope: str) -> bool:
    return any(
        g.division_id is not None and scope.startswith(g.division_id)
        for g in active_grants(actor)
        if g.role in ("provincial_cac_reviewer", "national_regulator")
    )


def criteria_dict(c: Criteria) -> dict[str, Any]:
    return {
        "scope": c.scope,
        "ratio_percent": float(c.ratio_percent),
        "ratio_months": c.ratio_months,
        "min_active_users": c.min_active_users,
        "no_return_months": c.no_return_months,
        "min_rating": float(c.min_rating),
        "min_ratings": c.min_ratings,
    }


def evaluation_month(today: dt.date | None = None) -> dt.date:
    """The month evaluated: the last complete month."""
    return month_add(month_start(today or today_shanghai()), -1)


def lowuse_evaluate(*, month: dt.date | None = None, actor: Actor | None = None) -> int:
    """Evaluate every filed app against the criteria of its province (or the national ones)
    for ``month`` (default: last month); replaces the flags.  Returns how many are flagged.

    Set-based: for each group of apps sharing criteria (each province with its own, and the
    rest under the national ones) one aggregate query per criterion returns only the apps it
    flags, with the figures shown beside the flag; the flags are replaced with one bulk
    insert.  Only flagged apps are read into Python, so the cost follows the database's
    aggregation, not a Python loop over every app and month."""
    month = month_start(month or evaluation_month())
    today = today_shanghai()
    all_criteria = {c.scope: criteria_dict(c) for c in Criteria.objects.all()}
    default = all_criteria.get("") or criteria_dict(Criteria(scope=""))
    provinces = sorted(k for k in all_criteria if len(k) == 2 and k.isdigit())
    filed = App.objects.filter(status=AppStatus.FILED)
    groups: list[tuple[dict[str, Any], Any]] = [
        (all_criteria[p], filed.filter(hosting_unit__scope_code__startswith=p)) for p in provinces
    ]
    rest = filed
    for p in provinces:
        rest = rest.exclude(hosting_unit__scope_code__startswith=p)
    groups.append((default, rest))
    reasons: dict[int, list[dict[str, Any]]] = defaultdict(list)
    criteria_of: dict[int, dict[str, Any]] = {}
    for crit, apps in groups:
        for app_id, reason in _lowuse_hits(crit, apps, month):
            reasons[app_id].append(reason)
            criteria_of[app_id] = crit
    exempt = set(
        Exemption.objects.filter(revoked_at__isnull=True, expires_on__gte=today).values_list(
            "app_id", flat=True
        )
    )
    now = timezone.now()
    order = {"ratio": 0, "few_users": 1, "no_return": 2, "poor_rating": 3}
    flags = [
        LowUseFlag(
            app_id=app_id,
            month=month,
            reasons=sorted(found, key=lambda r: order[r["code"]]),
            criteria=criteria_of[app_id],
            exempt=app_id in exempt,
            evaluated_at=now,
        )
        for app_id, found in sorted(reasons.items())
    ]
    with transaction.atomic():
        LowUseFlag.objects.all().delete()
        LowUseFlag.objects.bulk_create(flags, batch_size=2000)
        audit_record(
            actor=actor,
            action="usage.lowuse_evaluate",
            object_type="usage.lowuseflag",
            object_id=month.isoformat(),
            object_repr=_("低使用评估"),
            after={"month": month.isoformat(), "apps": filed.count(), "flagged": len(flags)},
        )
    return len(flags)


def _lowuse_hits(
    crit: dict[str, Any], apps: Any, month: dt.date
) -> list[tuple[int, dict[str, Any]]]:
    """(app id, reason) for each criterion that an app of ``apps`` meets, one aggregate query
    per criterion (integer arithmetic: "below 5 %" is ``active * 10000 < intended * 500``)."""
    hits: list[tuple[int, dict[str, Any]]] = []
    returns = MonthlyReturn.objects.filter(app__in=apps.values("pk")).order_by()
    # 1. active users below the ratio of intended users in each of the last n months
    n = int(crit["ratio_months"])
    if n:
        months = [month_add(month, -i) for i in range(n)]
        basis = round(Decimal(str(crit["ratio_percent"])) * 100)
        low = (
            returns.filter(month__in=months, intended_users__gt=0)
            .alias(
                scaled=Cast("active_users", BigIntegerField()) * 10000,
                bar=Cast("intended_users", BigIntegerField()) * basis,
            )
            .filter(scaled__lt=F("bar"))
            .values("app_id")
            .annotate(k=Count("pk"))
            .filter(k=n)
            .values_list("app_id", flat=True)
        )
        ratios: dict[int, dict[dt.date, float]] = defaultdict(dict)
        for app_id, m, active, intended in (
            MonthlyReturn.objects.filter(app_id__in=low, month__in=months)
            .order_by()
            .values_list("app_id", "month", "active_users", "intended_users")
        ):
            ratios[app_id][m] = active / intended * 100
        for app_id, by_month in ratios.items():
            hits.append(
                (app_id, {"code": "ratio", "values": [round(by_month[m], 2) for m in months]})
            )
    # 2. fewer active users than the minimum in the evaluated month
    for app_id, active in returns.filter(
        month=month, active_users__lt=int(crit["min_active_users"])
    ).values_list("app_id", "active_users"):
        hits.append((app_id, {"code": "few_users", "values": [active]}))
    # 3. no return for k months (apps filed before the first of them)
    k = int(crit["no_return_months"])
    if k:
        started = month_add(month, -(k - 1))
        since = dt.datetime.combine(started, dt.time.min, tzinfo=dt.UTC)
        silent = (
            apps.filter(Q(filed_at__isnull=True) | Q(filed_at__lt=since))
            .exclude(
                Exists(
                    MonthlyReturn.objects.filter(
                        app=OuterRef("pk"), month__gte=started, month__lte=month
                    )
                )
            )
            .order_by()
            .values_list("pk", flat=True)
        )
        hits.extend((app_id, {"code": "no_return", "values": [k]}) for app_id in silent)
    # 4. poor practicality from enough ratings
    for app_id, avg, count in (
        Rating.objects.filter(app__in=apps.values("pk"))
        .order_by()
        .values("app_id")
        .annotate(avg=Avg("score"), n=Count("pk"))
        .filter(n__gte=int(crit["min_ratings"]))
        .values_list("app_id", "avg", "n")
    ):
        if float(avg) < crit["min_rating"]:
            hits.append((app_id, {"code": "poor_rating", "values": [round(float(avg), 2), count]}))
    return hits


# --- exemptions ---------------------------------------------------------------------------


def exemption_grant(
    *, app: App, category: str, reason: str, expires_on: dt.date, actor: User
) -> Exemption:
    """A reasoned exemption with an expiry for an app used rarely by design."""
    _require(is_regulator_of(actor, app), _("只有该应用所在辖区的监管部门可以批准豁免。"))
    errors: dict[str, str] = {}
    if len(reason.strip()) < 10:
        errors["reason"] = _(
            "请写明豁免理由（至少 10 个字），例如应急、防汛、森林防火等低频使用场景。"
        )
    if expires_on <= today_shanghai():
        errors["expires_on"] = _("有效期应晚于今天。")
    elif expires_on > today_shanghai() + dt.timedelta(days=3 * 366):
        errors["expires_on"] = _("有效期最长 3 年，到期后重新审核。")
    if errors:
        raise UsageError(_("豁免信息不完整，请修改后重新提交。"), errors)
    with transaction.atomic():
        ex = Exemption.objects.create(
            app=app,
            category=category,
            reason=reason.strip(),
            expires_on=expires_on,
            granted_by=actor if _real(actor) else None,
        )
        LowUseFlag.objects.filter(app=app).update(exempt=True)
        audit_record(actor=actor, action="usage.exemption_grant", obj=ex, after=snapshot(ex))
    return ex


def exemption_revoke(*, exemption: Exemption, actor: Actor) -> Exemption:
    _require(is_regulator_of(actor, exemption.app), _("只有监管部门可以撤销豁免。"))
    with transaction.atomic():
        ex = Exemption.objects.select_for_update().get(pk=exemption.pk)
        if ex.revoked_at is not None:
            raise UsageConflict(_("该豁免已撤销。"))
        ex.revoked_at = timezone.now()
        ex.save(update_fields=["revoked_at"])
        LowUseFlag.objects.filter(app=ex.app).update(exempt=False)
        audit_record(
            actor=actor,
            action="usage.exemption_revoke",
            obj=ex,
            after={"revoked_at": ex.revoked_at},
        )
    return ex


def active_exemption(app: App) -> Exemption | None:
    return (
        Exemption.objects.filter(app=app, revoked_at__isnull=True, expires_on__gte=today_shanghai())
        .order_by("-expires_on")
        .first()
    )


# --- retirement cases (R-25) -----------------------------------------------------------------

LIVE_STATES = (CaseState.OPEN, CaseState.APPEALED)


def _check_days(working_days: int) -> None:
    if not 5 <= working_days <= 120:
        raise UsageError(
            _("期限应为 5 到 120 个工作日。"), {"working_days": _("5 到 120 个工作日")}
        )


def case_open(*, app: App, working_days: int, reason: str, actor: User) -> RetirementCase:
    return cases_open_bulk(apps=[app], working_days=working_days, reason=reason, actor=actor)[0]


def cases_open_bulk(
    *, apps: list[App], working_days: int, reason: str, actor: User
) -> list[RetirementCase]:
    """Open a retirement case for each app (one transaction; all or none)."""
    if not apps:
        raise UsageError(_("请至少选择一个应用。"))
    _check_days(working_days)
    if not reason.strip():
        raise UsageError(_("请写明退出理由。"), {"reason": _("请写明退出理由。")})
    for app in apps:
        _require(
            is_regulator_of(actor, app),
            _("只有该应用所在辖区的监管部门可以要求退出：%(a)s") % {"a": app.name},
        )
    deadline = add_working_days(today_shanghai(), working_days)
    cases = []
    with transaction.atomic():
        for app in App.objects.select_for_update().filter(pk__in=[a.pk for a in apps]):
            if app.status != AppStatus.FILED:
                raise UsageError(
                    _("“%(a)s”当前状态为“%(s)s”，只有已备案的应用可以要求退出。")
                    % {"a": app.name, "s": app.get_status_display()}
                )
            if RetirementCase.objects.filter(app=app, state__in=LIVE_STATES).exists():
                raise UsageConflict(_("“%(a)s”已有未办结的退出处置。") % {"a": app.name})
            flag = LowUseFlag.objects.filter(app=app).first()
            case = RetirementCase.objects.create(
                app=app,
                reason=reason.strip(),
                reasons=flag.reasons if flag else [],
                working_days=working_days,
                deadline=deadline.date,
                deadline_provisional=deadline.provisional,
                opened_by=actor if _real(actor) else None,
            )
            audit_record(actor=actor, action="retirement.open", obj=case, after=snapshot(case))
            cases.append(case)
    return cases


def _lock_case(case: RetirementCase, states: tuple[str, ...]) -> RetirementCase:
    locked = RetirementCase.objects.select_for_update().select_related("app").get(pk=case.pk)
    if locked.state not in states or locked.app.status != AppStatus.FILED:
        raise UsageError(_("退出处置当前为“%(s)s”，不能进行该操作。") % {"s": locked.stage_label})
    return locked


def case_appeal(
    *, case: RetirementCase, text: str, evidence: UploadedFile[Any] | None = None, actor: Actor
) -> RetirementCase:
    """The unit appeals with evidence (usage it can show, a rarely-used-by-design role)."""
    _require(is_unit_of(actor, case.app), _("只有主办单位可以申诉。"))
    if len(text.strip()) < 10:
        raise UsageError(_("请写明申诉理由（至少 10 个字）。"), {"appeal": _("请写明申诉理由。")})
    if evidence is not None and evidence.size and evidence.size > 20 * 1024 * 1024:
        raise UsageError(_("证据文件不超过 20 MB。"), {"evidence": _("不超过 20 MB。")})
    with transaction.atomic():
        locked = _lock_case(case, (CaseState.OPEN,))
        before = snapshot(locked)
        locked.state = CaseState.APPEALED
        locked.appeal = text.strip()
        locked.appealed_at = timezone.now()
        if evidence is not None:
            locked.appeal_evidence.save(f"appeal-{locked.pk}-{evidence.name}", evidence, save=False)
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(actor=actor, action="retirement.appeal", obj=locked, before=b, after=a)
    return locked


def case_decide(
    *,
    case: RetirementCase,
    accept: bool,
    note: str,
    actor: User,
    working_days: int | None = None,
) -> RetirementCase:
    """The regulator decides the appeal: upheld withdraws the case; rejected reopens it with a
    new deadline."""
    _require(is_regulator_of(actor, case.app), _("只有监管部门可以决定申诉。"))
    if not note.strip():
        raise UsageError(_("请写明决定理由。"), {"note": _("请写明决定理由。")})
    with transaction.atomic():
        locked = _lock_case(case, (CaseState.APPEALED,))
        before = snapshot(locked)
        locked.decision_note = note.strip()
        locked.decided_by = actor if _real(actor) else None
        locked.decided_at = timezone.now()
        if accept:
            locked.state = CaseState.WITHDRAWN
        else:
            days = working_days or locked.working_days
            _check_days(days)
            deadline = add_working_days(today_shanghai(), days)
            locked.state = CaseState.OPEN
            locked.deadline, locked.deadline_provisional = deadline.date, deadline.provisional
            locked.escalated_at = None
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(
            actor=actor,
            action="retirement.appeal_upheld" if accept else "retirement.appeal_rejected",
            obj=locked,
            before=b,
            after=a,
        )
    return locked


def case_retire(
    *,
    case: RetirementCase,
    shutdown_date: dt.date,
    notice: str,
    successor: App | None,
    actor: Actor,
) -> RetirementCase:
    """The unit retires the app: the shutdown notice of the registry (then the offline report
    and the deregistration application, R-14), naming the app its users should move to."""
    from govapp.registry.errors import RegistryError
    from govapp.registry.services.shutdown import app_shutdown_notice

    _require(is_unit_of(actor, case.app), _("只有主办单位可以公告关停。"))
    if successor is not None and (
        successor.pk == case.app_id or successor.status != AppStatus.FILED
    ):
        raise UsageError(
            _("替代应用应是另一个已备案的应用。"), {"successor": _("请选择已备案的替代应用。")}
        )
    with transaction.atomic():
        locked = _lock_case(case, (CaseState.OPEN, CaseState.APPEALED))
        try:
            app_shutdown_notice(
                actor=actor, app=locked.app, shutdown_date=shutdown_date, notice=notice
            )
        except RegistryError as exc:
            raise UsageError(str(exc.args[0]), dict(getattr(exc, "fields", {}) or {})) from exc
        # App.successor: set here until registry.services.shutdown.app_shutdown_order takes it
        App.objects.filter(pk=locked.app_id).update(successor=successor)
        audit_record(
            actor=actor,
            action="app.successor_set",
            obj=locked.app,
            after={"successor": successor.pk if successor else None},
        )
        before = snapshot(locked)
        locked.state = CaseState.RETIRING
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(actor=actor, action="retirement.retire", obj=locked, before=b, after=a)
    return locked


def cases_escalate(*, today: dt.date | None = None) -> int:
    """Mark open cases past their deadline as escalated (overdue, shown in red)."""
    today = today or today_shanghai()
    cases = RetirementCase.objects.filter(
        state=CaseState.OPEN, deadline__lt=today, escalated_at__isnull=True
    ).select_related("app")
    filed = (case for case in cases if case.app.status == AppStatus.FILED)
    return escalate_overdue(filed, action="retirement.escalate", today=today)


def case_to_order(*, case: RetirementCase, actor: User, working_days: int = 10) -> RetirementCase:
    """An overdue case becomes a rectification order (and, if that fails, the penalty path of
    compliance): the app's open findings plus the overdue retirement are ordered corrected."""
    from govapp.compliance import services as compliance
    from govapp.compliance.models import Finding, FindingStatus

    _require(is_regulator_of(actor, case.app), _("只有监管部门可以下达整改通知。"))
    if case.order_id:
        raise UsageConflict(_("已就该退出处置下达整改通知。"))
    if case.state != CaseState.OPEN or case.deadline >= today_shanghai():
        raise UsageError(_("只有逾期未处置的退出要求才能转为整改通知。"))
    findings = list(Finding.objects.filter(app=case.app, status=FindingStatus.OPEN))
    if not findings:
        raise UsageError(
            _("该应用没有待整改的合规问题，无法下达整改通知；请先完成合规检测或直接约谈主办单位。")
        )
    with transaction.atomic():
        order = compliance.order_issue(
            actor=actor,
            app=case.app,
            findings=findings,
            instructions=_("逾期未按要求关停注销低使用应用（退出处置期限 %(d)s），请立即整改。")
            % {"d": case.deadline.isoformat()},
            working_days=working_days,
        )
        locked = RetirementCase.objects.select_for_update().get(pk=case.pk)
        locked.order = order
        locked.save(update_fields=["order"])
        audit_record(
            actor=actor, action="retirement.to_order", obj=locked, after={"order": order.pk}
        )
    return locked
