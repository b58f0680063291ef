"""Pages and API of the reports app: the home dashboard, scorecard, drill-down lists, map data,
reports (XLSX and printable), schedules and the precomputed-figures policy; each checked with a
user who must not see the other jurisdiction."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from govapp.core.audit import audit_record
from govapp.core.errors import NotAllowed
from govapp.core.models import AuditEvent
from govapp.reports import services
from govapp.reports.content import period_bounds, previous_period
from govapp.reports.models import GeneratedReport, Snapshot
from govapp.reports.selectors import DASHBOARD, dashboard_for
from govapp.reports.xlsx import safe_text
from tests.reports.factories import World, world

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def total(resp: Any, key: str) -> float:
    return next(f["total"] for f in resp.context["figures"] if f["key"] == key)


def test_home_is_the_dashboard_with_the_todo_panels() -> None:
    w = world()
    resp = client_for(w.gd).get("/")
    assert resp.status_code == 200
    assert "reports/dashboard.html" in [t.name for t in resp.templates]
    labels = [str(p["label"]) for p in resp.context["panels"]]
    assert "待审核的备案申请" in labels  # the registry's to-do panel is still on it
    assert total(resp, "apps_by_status") == 5
    html = resp.content.decode()
    assert "穗测试通" not in html  # figures, not rows
    assert 'id="geo-map"' in html and 'data-prefix="44"' in html


def test_home_in_english() -> None:
    w = world()
    c = client_for(w.cac)
    c.cookies["django_language"] = "en"
    resp = c.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = resp.content.decode()
    assert "Apps by status" in html
    assert "政务应用（按状态）" not in html


def test_unit_dashboard_has_no_map_and_only_its_apps() -> None:
    w = world()
    resp = client_for(w.gz_member).get("/")
    assert total(resp, "apps_by_status") == 3
    assert not resp.context["show_map"]
    assert client_for(w.gz_member).get("/reports/scorecard/").status_code == 403
    assert client_for(w.gz_member).get("/reports/reports/").status_code == 403
    assert client_for(w.gz_member).get("/reports/list/?measure=complaints").status_code == 404


def test_drill_list_stays_inside_the_jurisdiction() -> None:
    w = world()
    gd = client_for(w.gd)
    resp = gd.get("/reports/list/?measure=apps&region=51")
    assert resp.context["count"] == 0
    resp = gd.get("/reports/list/?measure=apps&region=44")
    assert resp.context["count"] == 5
    resp = client_for(w.cac).get("/reports/list/?measure=apps&region=central")
    assert resp.context["count"] == 1
    html = client_for(w.sc).get("/reports/list/?measure=filed").content.decode()
    assert "蓉测试通" in html and "穗测试通" not in html
    # an auditor reads complaint statistics rows: reference and category, never content
    html = client_for(w.auditor).get("/reports/list/?measure=complaints").content.decode()
    assert "测试举报内容" not in html and "JB-" in html


def test_map_data_rolls_up_by_region_within_reach() -> None:
    w = world()
    data = client_for(w.cac).get("/reports/map/data.json?measure=apps").json()
    assert data["counts"] == {"44": 5, "51": 2, "central": 1}
    data = client_for(w.cac).get("/reports/map/data.json?measure=apps&region=44").json()
    assert data["counts"] == {"4401": 3, "4403": 2}
    data = client_for(w.gd).get("/reports/map/data.json?measure=apps&region=51").json()
    assert data["region"] == "44" and "5101" not in data["counts"]


def test_scorecard_compares_regions_and_adds_up() -> None:
    w = world()
    resp = client_for(w.cac).get("/reports/scorecard/")
    rows = {r["code"]: r for r in resp.context["rows"]}
    tot = resp.context["total"]
    assert rows["44"]["known"] == 5 - 0 + 1  # 5 apps (none deregistered) + 1 unmatched legacy
    assert rows["51"]["known"] == 1 + 2  # the deregistered app is not known any more
    assert rows["central"]["filed"] == 1
    for key in ("known", "filed", "overdue", "high"):
        assert tot[key] == sum(r[key] for r in rows.values()), key
    assert rows["44"]["overdue"] == 1 + 1 + 1  # application, order, complaint
    assert rows["44"]["review_median"] is not None
    assert rows["44"]["high_per_100"] == round(100 * 2 / 5, 1)
    # the province row equals the province's own scorecard total
    gd = client_for(w.gd).get("/reports/scorecard/?region=51")  # clamped to 44
    assert gd.context["prefix"] == "44"
    assert {r["code"] for r in gd.context["rows"]} >= {"4401", "4403"}
    assert all(r["code"].startswith("44") for r in gd.context["rows"])
    for key in ("known", "filed", "overdue", "high"):
        assert gd.context["total"][key] == rows["44"][key], key
    html = gd.content.decode()
    assert "指标定义" in html and "sortable" in html
    api = client_for(w.gd).get("/api/v1/reports/scorecard?region=44").json()
    assert api["total"]["known"] == rows["44"]["known"]


def test_report_generate_xlsx_print_and_jurisdiction() -> None:
    w = world()
    cac = client_for(w.cac)
    today = dt.date.today()
    resp = cac.post(
        "/reports/reports/",
        {
            "action": "generate",
            "scope_code": "",
            "period_kind": "month",
            "year": today.year,
            "number": today.month,
        },
    )
    report = GeneratedReport.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/reports/reports/{report.pk}/"
    assert AuditEvent.objects.filter(action="report.generate").count() == 1
    headline = {h["key"]: h["value"] for h in report.data["headline"]}
    assert headline["filed"] == 7
    assert headline["complaints_received"] == 5
    xlsx = cac.get(f"/reports/reports/{report.pk}.xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["概览", "分地区", "月度趋势", "合规问题", "投诉举报", "说明"]
    assert wb["月度趋势"]._charts and wb["合规问题"]._charts
    page = cac.get(f"/reports/reports/{report.pk}/")
    html = page.content.decode()
    assert "size: A4" in html and report.title in html and "<svg" in html
    # a provincial office can neither read the national report nor generate one
    gd = client_for(w.gd)
    assert gd.get(f"/reports/reports/{report.pk}/").status_code == 404
    assert gd.get(f"/reports/reports/{report.pk}.xlsx").status_code == 404
    assert gd.get(f"/api/v1/reports/reports/{report.pk}").status_code == 404
    with pytest.raises(NotAllowed):
        services.report_generate(
            scope_code="", period_kind="month", year=today.year, number=today.month, actor=w.gd
        )
    mine = services.report_generate(
        scope_code="44",
        period_kind="quarter",
        year=today.year,
        number=(today.month - 1) // 3 + 1,
        actor=w.gd,
    )
    assert gd.get(f"/reports/reports/{mine.pk}/").status_code == 200
    assert client_for(w.sc).get(f"/reports/reports/{mine.pk}/").status_code == 404
    assert [r["id"] for r in gd.get("/api/v1/reports/reports").json()["items"]] == [mine.pk]
    # an auditor reads reports but cannot generate
    aud = client_for(w.auditor)
    assert aud.get(f"/reports/reports/{report.pk}/").status_code == 200
    assert aud.post("/reports/reports/", {"action": "generate"}).status_code == 403


def test_schedules_generate_each_period_once() -> None:
    w = world()
    services.schedule_set(scope_code="44", period_kind="month", active=True, actor=w.gd)
    services.schedule_set(scope_code="", period_kind="quarter", active=True, actor=w.cac)
    today = dt.date(2026, 11, 30)
    assert services.schedules_run(today=today) == 2
    assert services.schedules_run(today=today) == 0
    monthly = GeneratedReport.objects.get(period_kind="month")
    assert (monthly.period_start, monthly.period_end) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )
    quarterly = GeneratedReport.objects.get(period_kind="quarter")
    assert quarterly.period_start == dt.date(2026, 7, 1)
    services.schedule_set(scope_code="44", period_kind="month", active=False, actor=w.gd)
    assert services.schedules_run(today=dt.date(2027, 1, 5)) == 1  # only the national one
    with pytest.raises(NotAllowed):
        services.schedule_set(scope_code="51", period_kind="month", active=True, actor=w.gd)


def test_periods() -> None:
    assert period_bounds("month", 2026, 2) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_bounds("quarter", 2026, 4) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert previous_period("month", dt.date(2027, 1, 3)) == (2026, 12)
    assert previous_period("quarter", dt.date(2027, 2, 3)) == (2026, 4)
    assert safe_text("=1+1") == "'=1+1" and safe_text("@x") == "'@x" and safe_text(3) == 3


def test_precomputed_figures_are_used_while_nothing_changed(settings: Any) -> None:
    w: World = world()
    settings.GOVAPP_REPORTS_LIVE_MS = 0  # every computation counts as slow: keep snapshots
    c = client_for(w.gd)
    first = c.get("/")
    assert not first.context["result"].snapshot
    assert Snapshot.objects.filter(kind=DASHBOARD, scope_code="44").exists()
    second = c.get("/")
    assert second.context["result"].snapshot
    assert total(second, "apps_by_status") == 5
    audit_record(actor=None, action="test.change", object_type="x", object_id="1")
    assert not dashboard_for(w.gd).snapshot  # an audited change: computed again
    # a national-scale computation is kept for GOVAPP_REPORTS_MAX_AGE regardless
    Snapshot.objects.filter(kind=DASHBOARD, scope_code="44").update(elapsed_ms=10_000, audit_seq=0)
    assert dashboard_for(w.gd).snapshot
    assert services.snapshots_refresh() == 4  # the country and the province someone looked at
