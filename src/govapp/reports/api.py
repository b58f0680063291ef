"""HTTP API of the reports app.

- ``/api/v1/reports/...`` (login): the dashboard figures, the scorecard and past reports of the
  caller's reach.
- ``/api/v1/public/registry.csv`` and ``.json`` (no login): the public registry as open data,
  plus the kept daily snapshots (docs/open-data.md).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from govapp.core.errors import ErrorOut, NotAllowed, NotFound
from govapp.core.pagination import ApiPagination
from govapp.core.permissions import restrict
from govapp.reports import opendata, selectors, services
from govapp.reports.figures import shown_to
from govapp.reports.models import GeneratedReport

router = Router(tags=["reports"])
public_router = Router(auth=None, tags=["public"])


class FigureItemOut(Schema):
    key: str
    label: str
    value: float
    url: str


class FigureOut(Schema):
    key: str
    title: str
    total: float
    total_label: str
    url: str
    items: list[FigureItemOut]


class DashboardOut(Schema):
    computed_at: str
    precomputed: bool
    figures: list[FigureOut]


class ScorecardRowOut(Schema):
    code: str
    name: str
    known: int
    filed: int
    filing_rate: float | None
    review_median: float | None
    review_p90: float | None
    overdue: int
    high_per_100: float | None
    complaint_days: float | None


class ScorecardOut(Schema):
    region: str
    computed_at: str
    rows: list[ScorecardRowOut]
    total: ScorecardRowOut


class ReportOut(Schema):
    id: int
    title: str
    scope_code: str
    period_kind: str
    period_start: str
    period_end: str
    created_at: str
    xlsx_url: str
    print_url: str


@router.get("/dashboard", response=DashboardOut, summary="工作台统计（本人管辖范围）")
def dashboard(request: HttpRequest) -> Any:
    result = selectors.dashboard_for(request.user)
    services.snapshot_keep(kind=selectors.DASHBOARD, result=result)
    return {
        "computed_at": result.computed_at.isoformat(),
        "precomputed": result.snapshot,
        "figures": shown_to(result.data["figures"], request.user),
    }


@router.get(
    "/scorecard",
    response={200: ScorecardOut, 403: ErrorOut},
    summary="地区对比（省或地市）",
    description="`?region=44` compares the prefectures of province 44; without it, the "
    "children of the caller's jurisdiction.",
)
def scorecard(request: HttpRequest, region: str = "") -> Any:
    prefix = selectors.scorecard_prefix(request.user, region)
    if prefix is None or not selectors.can_see_scorecard(request.user):
        raise NotAllowed(_("地区对比需要覆盖一个完整辖区的监管或审计授权。"))
    result = selectors.scorecard_for(request.user, prefix)
    services.snapshot_keep(kind=selectors.SCORECARD, result=result)
    return {
        "region": prefix,
        "computed_at": result.computed_at.isoformat(),
        "rows": result.data["rows"],
        "total": result.data["total"],
    }


def _report_out(r: GeneratedReport) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": r.pk,
        "title": r.title,
        "scope_code": r.scope_code,
        "period_kind": r.period_kind,
        "period_start": r.period_start.isoformat(),
        "period_end": r.period_end.isoformat(),
        "created_at": r.created_at.isoformat(),
        "xlsx_url": reverse("reports:report_xlsx", args=[r.pk]),
        "print_url": reverse("reports:report", args=[r.pk]),
    }


@router.get("/reports", response=list[ReportOut], summary="已生成的统计报告")
@paginate(ApiPagination, transform=_report_out)
def report_list(request: HttpRequest) -> Any:
    return selectors.reports_for(request.user)


@router.get("/reports/{report_id}", response={200: ReportOut, 404: ErrorOut})
def report_detail(request: HttpRequest, report_id: int) -> Any:
    r = restrict(GeneratedReport.objects.filter(pk=report_id), request.user, "view").first()
    if r is None:
        raise NotFound(_("没有这份报告，或不在您的管辖范围内。"))
    return _report_out(r)


# --- open data (no login) --------------------------------------------------------------------


def _limited(request: HttpRequest) -> HttpResponse | None:
    """The public API's per-client rate limit (429 with Retry-After)."""
    from django.conf import settings
    from django.http import JsonResponse

    from govapp.core import ratelimit

    decision = ratelimit.check(
        request, bucket="public", limit=getattr(settings, "GOVAPP_PUBLIC_RATE_LIMIT", None)
    )
    if decision.allowed:
        return None
    resp = JsonResponse(
        {
            "detail": _("查询过于频繁，请在 %(s)d 秒后重试。") % {"s": decision.retry_after},
            "retry_after": decision.retry_after,
        },
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    resp["Retry-After"] = str(decision.retry_after)
    return resp


def _live(request: HttpRequest, ext: str, content_type: str) -> HttpResponse:
    """The live registry file of the current version (built once per version, then served as a
    file, with an ETag of the version so that a client's repeated download is a 304); streamed
    live while another process is building it."""
    path, tag = opendata.live_file(ext)
    etag = f'"{tag}"'
    if path is None:
        live = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in opendata.stream(ext)), content_type=content_type
        )
        return live  # type: ignore[return-value]
    if etag in request.headers.get("If-None-Match", ""):
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = etag
        return not_modified
    resp = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (closed by the response)
    resp["ETag"] = etag
    return resp  # type: ignore[return-value]


@public_router.get(
    "/registry.csv",
    summary="公开备案清单（CSV）",
    description="Every app the public registry shows, one row per platform identity (UTF-8 "
    "with BOM, CRLF). Columns: see docs/open-data.md.",
)
def registry_csv(request: HttpRequest) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    resp = _live(request, "csv", "text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="govapp-registry.csv"'
    return resp


@public_router.get(
    "/registry.json",
    summary="公开备案清单（JSON）",
    description='`{"schema": "govapp.registry/1", "generated_at", "registry_version", '
    '"items": [app...], "count"}`; each app as GET /api/v1/public/apps/{filing_number}, plus '
    "updated_at.",
)
def registry_json(request: HttpRequest) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    return _live(request, "json", "application/json; charset=utf-8")


class SnapshotOut(Schema):
    date: str
    csv_url: str
    json_url: str
    csv_bytes: int
    json_bytes: int


@public_router.get(
    "/registry/snapshots", response=list[SnapshotOut], summary="公开备案清单的每日快照"
)
def registry_snapshots(request: HttpRequest) -> Any:
    return [
        {
            **s,
            "csv_url": f"/api/v1/public/registry/snapshots/{s['date']}.csv",
            "json_url": f"/api/v1/public/registry/snapshots/{s['date']}.json",
        }
        for s in opendata.snapshots()
    ]


@public_router.get(
    "/registry/snapshots/{name}", summary="下载某日快照", response={200: None, 404: ErrorOut}
)
def registry_snapshot(request: HttpRequest, name: str) -> Any:
    day, _dot, ext = name.rpartition(".")
    path = opendata.snapshot_file(day, ext)
    if path is None:
        raise NotFound(_("没有这一天的快照。"))
    content_type = "text/csv; charset=utf-8" if ext == "csv" else "application/json; charset=utf-8"
    return FileResponse(
        open(path, "rb"),
        content_type=content_type,
        as_attachment=True,
        filename=f"govapp-{path.name}",
    )
