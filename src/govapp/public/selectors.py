"""Reads for the public registry and authenticity verification (R-11, R-14, issue 3 item 8).

Only apps that hold a filing number and a public status are ever visible here; an unfiled app,
a draft or anything of an application (sections, handler contact, reviewer notes) never is.

Answers are cached in Django's cache under a *registry version*: registry_changed (in
govapp.registry.version, called by the registry services inside their transaction) bumps a
counter row after commit,
and the version also folds in the newest ``App.updated_at``, so a change made by any process
invalidates every process's cache within ``GOVAPP_PUBLIC_VERSION_TTL`` seconds (default 1 s)
and at once in the process that made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from govapp.orgs.models import Division, DivisionLevel, Unit
from govapp.registry.models import App, AppKind, AppStatus, PlatformIdentity
from govapp.registry.numbers import filing_number_variants, normalise_filing_number
from govapp.registry.selectors import name_contains
from govapp.registry.version import _memo, registry_changed, registry_version

__all__ = ["_memo", "registry_changed", "registry_version"]

PUBLIC_STATUSES = (
    AppStatus.FILED,
    AppStatus.SHUTDOWN_NOTICE,
    AppStatus.OFFLINE,
    AppStatus.REVOKED,
    AppStatus.DEREGISTERED,
)
# A shutdown announced or an app gone offline is still filed until it is deregistered.
FILED_LIKE = frozenset({AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE})
VERDICTS = ("filed", "not_filed", "revoked", "deregistered", "certificate_mismatch")
CENTRAL = "central"
HEX_LENGTHS = {64: "cert_sha256", 40: "cert_sha1", 32: "cert_md5"}
_HEX = re.compile(r"^[0-9a-f]+$")


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- cache version (kept by the registry: govapp.registry.version) -------------------------


T = TypeVar("T")


def cached(kind: str, params: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` cached under the registry version, the language and ``params``.

    The cache holds, under a key that names ``kind``, only what ``compute`` returned, so a hit
    is read back as ``compute``'s type."""
    seconds = int(_setting("GOVAPP_PUBLIC_CACHE_SECONDS", 300))
    if seconds <= 0:
        return compute()
    raw = repr((kind, get_language(), params)).encode()
    key = f"govapp:pub:{registry_version()}:{hashlib.sha1(raw, usedforsecurity=False).hexdigest()}"
    hit = cache.get(key)
    if hit is not None:
        return cast(T, hit)
    value = compute()
    cache.set(key, value, seconds)
    return value


# --- regions -------------------------------------------------------------------------------

_div_lock = threading.Lock()
_div_names: dict[str, str] = {}
_div_loaded_at = 0.0
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def division_names() -> dict[str, str]:
    """Names of provinces, prefectures and counties, by code (memoised for 10 minutes)."""
    global _div_loaded_at
    with _div_lock:
        if _div_names and time.monotonic() - _div_loaded_at < 600:
            return _div_names
    names = dict(
        Division.objects.filter(level__lte=DivisionLevel.COUNTY).values_list("code", "name")
    )
    with _div_lock:
        _div_names.clear()
        _div_names.update(names)
        _div_loaded_at = time.monotonic()
    return _div_names


def region_of(scope_code: str) -> str:
    """'广东省 广州市 天河区' for a local unit, '中央国家机关' for a central one."""
    if scope_code == CENTRAL or not scope_code:
        return _("中央国家机关")
    names = division_names()
    parts = []
    for length in (2, 4, 6):
        if len(scope_code) >= length:
            name = names.get(scope_code[:length], "")
            if name and name not in PLACEHOLDER_NAMES:
                parts.append(name)
    return " ".join(parts) or scope_code


def provinces() -> list[tuple[str, str]]:
    return list(
        Division.objects.filter(level=DivisionLevel.PROVINCE)
        .order_by("code")
        .values_list("code", "name")
    )


def cities(province: str) -> list[tuple[str, str]]:
    if not province or province == CENTRAL:
        return []
    return [
        (code, name)
        for code, name in Division.objects.filter(
            level=DivisionLevel.PREFECTURE, province_code=province[:2]
        )
        .order_by("code")
        .values_list("code", "name")
        if name not in PLACEHOLDER_NAMES
    ]


# --- search and app pages -----------------------------------------------------------------


def public_apps() -> QuerySet[App]:
    """Every app the public may see: filed once, with a number, in a public status."""
    return App.objects.filter(status__in=PUBLIC_STATUSES, filing_number__isnull=False).exclude(
        filing_number=""
    )


def public_app_search(
    *,
    q: str = "",
    unit: str = "",
    province: str = "",
    city: str = "",
    kind: str = "",
    status: str = "",
) -> QuerySet[App]:
    qs = public_apps().select_related("hosting_unit")
    q = q.strip()
    if q:
        # the same forgiving reading of a filing number as verification uses; one UNION of
        # a narrow query per searched column, each answered by its own index on PostgreSQL
        # (trigrams, bigrams for two characters: registry.selectors.name_contains)
        number = normalise_filing_number(q).removesuffix("号")
        units = name_contains(Unit.objects.all(), q).order_by().values("pk")
        ids = (
            name_contains(App.objects.all(), q)
            .order_by()
            .values("pk")
            .union(
                App.objects.filter(hosting_unit_id__in=units).order_by().values("pk"),
                App.objects.filter(filing_number__icontains=number or q).order_by().values("pk"),
            )
        )
        qs = qs.filter(pk__in=ids)
    if unit.strip():
        qs = qs.filter(
            hosting_unit_id__in=name_contains(Unit.objects.all(), unit.strip()).values("pk")
        )
    if city and city.isdigit():
        qs = qs.filter(hosting_unit__scope_code__startswith=city)
    elif province == CENTRAL:
        qs = qs.filter(hosting_unit__scope_code=CENTRAL)
    elif province and province.isdigit():
        qs = qs.filter(hosting_unit__scope_code__startswith=province)
    if kind in AppKind.values:
        qs = qs.filter(kind=kind)
    if status in {s.value for s in PUBLIC_STATUSES}:
        qs = qs.filter(status=status)
    return qs.order_by("-filed_at", "pk")


def verdict_of(app_status: str) -> str:
    if app_status in FILED_LIKE:
        return "filed"
    if app_status == AppStatus.REVOKED:
        return "revoked"
    if app_status == AppStatus.DEREGISTERED:
        return "deregistered"
    return "not_filed"


def verdict_label(verdict: str) -> str:
    return {
        "filed": _("已备案"),
        "not_filed": _("未备案"),
        "revoked": _("备案已撤销"),
        "deregistered": _("已注销"),
        "certificate_mismatch": _("签名证书不符"),
    }[verdict]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def app_summary(app: App) -> dict[str, Any]:
    scope = app.hosting_unit.scope_code
    return {
        "filing_number": app.filing_number,
        "name": app.name,
        "kind": app.kind,
        "kind_label": str(AppKind(app.kind).label),
        "hosting_unit": app.hosting_unit.name,
        "region": region_of(scope),
        "region_code": scope,
        "status": app.status,
        "status_label": str(AppStatus(app.status).label),
        "verdict": verdict_of(app.status),
        "public_facing": app.public_facing,
        "filed_at": _iso(app.filed_at),
        "url": reverse("public:app", args=[app.filing_number]),
    }


def identity_public(identity: PlatformIdentity) -> dict[str, Any]:
    return {
        "platform": identity.platform,
        "platform_label": identity.get_platform_display(),
        "identifier": identity.identifier,
        "host_platform": identity.host_platform,
        "cert_sha256": identity.cert_sha256,
        "cert_sha1": identity.cert_sha1,
        "cert_md5": identity.cert_md5,
        "live": identity.live,
    }


def _successor(app: App) -> dict[str, Any] | None:
    """The filed app users should move to once this one is retired or merged."""
    succ = app.successor
    if succ is None or succ.status not in PUBLIC_STATUSES or not succ.filing_number:
        return None
    return {
        "name": succ.name,
        "filing_number": succ.filing_number,
        "url": reverse("public:app", args=[succ.filing_number]),
    }


def app_public_detail(app: App) -> dict[str, Any]:
    data = app_summary(app)
    data.update(
        {
            "revoked_at": _iso(app.revoked_at),
            "shutdown_date": _iso(app.shutdown_date),
            "shutdown_notice": app.shutdown_notice if app.shutdown_date else "",
            "offline_at": _iso(app.offline_at),
            "deregistered_at": _iso(app.deregistered_at),
            "successor": _successor(app),
            "identities": [identity_public(i) for i in app.identities.all()],
            "verify_url": reverse("public:verify") + f"?filing_number={app.filing_number}",
        }
    )
    return data


def public_app_get(filing_number: str) -> dict[str, Any] | None:
    """The public page data of one filed app, or None (cached)."""
    number = normalise_filing_number(filing_number)

    def compute() -> dict[str, Any] | None:
        app = (
            public_apps()
            .select_related("hosting_unit")
            .prefetch_related("identities")
            .filter(filing_number__in=filing_number_variants(number))
            .first()
        )
        return app_public_detail(app) if app is not None else None

    return cached("app", (number,), compute)


def public_search_page(
    *, filters: dict[str, str], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of search results and the total count (cached)."""

    def compute() -> tuple[list[dict[str, Any]], int]:
        qs = public_app_search(**filters)
        count = qs.count()
        start = (page - 1) * page_size
        return [app_summary(a) for a in qs[start : start + page_size]], count

    key = (tuple(sorted(filters.items())), page, page_size)
    return cached("search", key, compute)


def parse_since(text: str) -> dt.datetime | None:
    """An ISO 8601 date or datetime; a naive one is read in Asia/Shanghai."""
    from django.utils.dateparse import parse_date, parse_datetime

    text = text.strip().replace(" ", "+") if "T" in text else text.strip()
    try:
        value = parse_datetime(text)
    except ValueError:
        return None
    if value is None:
        day = parse_date(text) if len(text) == 10 else None
        if day is None:
            return None
        value = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def public_changes_page(
    *, since: dt.datetime, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Apps of the public registry changed at or after ``since``, oldest change first (then by
    id), each with its full public record and ``updated_at`` (for harvesters; cached)."""

    def compute() -> tuple[list[dict[str, Any]], int]:
        qs = (
            public_apps()
            .filter(updated_at__gte=since)
            .select_related("hosting_unit")
            .prefetch_related("identities")
            .order_by("updated_at", "pk")
        )
        count = qs.count()
        start = (page - 1) * page_size
        out = []
        for app in qs[start : start + page_size]:
            data = app_public_detail(app)
            data["updated_at"] = app.updated_at.isoformat()
            out.append(data)
        return out, count

    return cached("changes", (since.isoformat(), page, page_size), compute)


# --- verification ----------------------------------------------------------------------


class VerifyInputError(ValueError):
    """The question cannot be answered as asked; the message says what to send instead."""


def normalise_hash(raw: str) -> str:
    """Lowercase hex without colons, spaces or dashes (as keytool and apksigner print it)."""
    return re.sub(r"[\s:\-]", "", unicodedata.normalize("NFKC", raw or "")).lower()


@dataclass(frozen=True)
class VerifyQuestion:
    package: str
    cert: str
    cert_field: str
    filing_number: str


def verify_question(
    *, package: str = "", cert_sha256: str = "", filing_number: str = ""
) -> VerifyQuestion:
    package = normalise_filing_number(package or "")  # NFKC, no spaces: the same forgiveness
    filing_number = normalise_filing_number(filing_number or "")
    cert = normalise_hash(cert_sha256)
    if not package and not filing_number:
        raise VerifyInputError(
            _(
                "请提供包名（package）和签名证书 SHA-256 指纹（cert_sha256），"
                "或者提供备案编号（filing_number）。"
            )
        )
    if len(package) > 255 or len(filing_number) > 64:
        raise VerifyInputError(_("包名或备案编号过长，请检查后重新输入。"))
    field = ""
    if cert:
        field = HEX_LENGTHS.get(len(cert), "")
        if not field or not _HEX.match(cert):
            raise VerifyInputError(
                _(
                    "签名证书指纹格式不正确：应为 64 位十六进制字符的 SHA-256 指纹"
                    "（可带冒号或空格，如 keytool 或 apksigner 的输出）；"
                    "也接受 40 位 SHA-1 或 32 位 MD5 指纹。"
                )
            )
    if cert and not package:
        raise VerifyInputError(_("核验签名证书时请同时提供包名（package）。"))
    return VerifyQuestion(package, cert, field, filing_number)


_RANK = {"filed": 0, "revoked": 1, "deregistered": 2}


def _best(identities: list[PlatformIdentity]) -> PlatformIdentity:
    def key(i: PlatformIdentity) -> tuple[int, int, float]:
        filed_at = i.app.filed_at.timestamp() if i.app.filed_at else 0.0
        return (0 if i.live else 1, _RANK.get(verdict_of(i.app.status), 3), -filed_at)

    return sorted(identities, key=key)[0]


def _answer(
    verdict: str, app: App | None, *, certificate_checked: bool, message: str
) -> dict[str, Any]:
    return {
        "status": verdict,
        "status_label": verdict_label(verdict),
        "message": message,
        "filing_number": app.filing_number if app else None,
        "app_name": app.name if app else None,
        "hosting_unit": app.hosting_unit.name if app else None,
        "app_status": app.status if app else None,
        "app_status_label": str(AppStatus(app.status).label) if app else None,
        "certificate_checked": certificate_checked,
        "url": reverse("public:app", args=[app.filing_number]) if app else None,
    }


def _message(verdict: str, app: App | None) -> str:
    if app is None or verdict == "not_filed":
        return _("未查到该应用的备案信息。请勿下载、安装或使用未备案的政务应用。")
    ctx = {"name": app.name, "unit": app.hosting_unit.name, "number": app.filing_number}
    if verdict == "filed":
        if app.status == AppStatus.SHUTDOWN_NOTICE:
            return _("已备案：%(name)s（%(unit)s，备案编号 %(number)s）。该应用已公告关停。") % ctx
        if app.status == AppStatus.OFFLINE:
            return (
                _("已备案：%(name)s（%(unit)s，备案编号 %(number)s）。该应用已下线，正在注销。")
                % ctx
            )
        return _("已备案：%(name)s（%(unit)s，备案编号 %(number)s）。") % ctx
    if verdict == "revoked":
        return _("%(name)s（%(unit)s）的备案（%(number)s）已被撤销，请勿继续使用。") % ctx
    if verdict == "deregistered":
        return _("%(name)s（%(unit)s）已关停注销（原备案编号 %(number)s），请勿继续使用。") % ctx
    return (
        _(
            "该包名已备案为 %(name)s（%(unit)s，备案编号 %(number)s），但您提供的签名证书与"
            "备案的证书不符：这个安装包不是备案的版本，可能是仿冒或被篡改的应用，请勿安装。"
        )
        % ctx
    )


def _verify_package(question: VerifyQuestion) -> dict[str, Any]:
    base = PlatformIdentity.objects.select_related("app__hosting_unit").filter(
        app__status__in=PUBLIC_STATUSES, app__filing_number__isnull=False
    )
    identities = list(base.filter(identifier=question.package))
    if not identities:
        identities = list(base.filter(identifier__iexact=question.package))
    if not identities:
        return _answer(
            "not_filed", None, certificate_checked=False, message=_message("not_filed", None)
        )
    if not question.cert:
        best = _best(identities)
        verdict = verdict_of(best.app.status)
        message = _message(verdict, best.app)
        if verdict == "filed":
            message += " " + _("未核验签名证书：请同时提供证书 SHA-256 指纹以确认安装包是正版。")
        return _answer(verdict, best.app, certificate_checked=False, message=message)
    matching = [i for i in identities if getattr(i, question.cert_field) == question.cert]
    if matching:
        best = _best(matching)
        verdict = verdict_of(best.app.status)
        return _answer(
            verdict, best.app, certificate_checked=True, message=_message(verdict, best.app)
        )
    with_certs = [i for i in identities if getattr(i, question.cert_field)]
    best = _best(with_certs or identities)
    verdict = verdict_of(best.app.status)
    if not with_certs:
        # mini-programs and quick apps carry no signing certificate on record
        message = (
            _message(verdict, best.app) + " " + _("该平台的备案没有签名证书记录，未核验证书。")
        )
        return _answer(verdict, best.app, certificate_checked=False, message=message)
    if verdict == "filed":
        verdict = "certificate_mismatch"
    return _answer(verdict, best.app, certificate_checked=True, message=_message(verdict, best.app))


def _verify_number(question: VerifyQuestion) -> dict[str, Any]:
    qs = public_apps().select_related("hosting_unit")
    variants = filing_number_variants(question.filing_number)
    app = qs.filter(filing_number__in=variants).first()
    if app is None:
        app = qs.filter(filing_number__iexact=question.filing_number).first()
    if app is None:
        return _answer(
            "not_filed", None, certificate_checked=False, message=_message("not_filed", None)
        )
    verdict = verdict_of(app.status)
    return _answer(verdict, app, certificate_checked=False, message=_message(verdict, app))


def verify(*, package: str = "", cert_sha256: str = "", filing_number: str = "") -> dict[str, Any]:
    """The verdict for a package (+ certificate fingerprint) or a filing number (cached).

    Raises :class:`VerifyInputError` when neither is given or the fingerprint is malformed.
    """
    question = verify_question(
        package=package, cert_sha256=cert_sha256, filing_number=filing_number
    )

    def compute() -> dict[str, Any]:
        if question.package:
            return _verify_package(question)
        return _verify_number(question)

    params = (question.package, question.cert, question.filing_number)
    return cached("verify", params, compute)
