"""The statistics export: GET /api/v1/complaints/stats.xlsx and the statistics page's link."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from govapp.complaints import services
from govapp.orgs.services import token_issue
from tests.complaints.factories import filed_app, report, world

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints/stats.xlsx"
SECRET = "秘密细节：窗口岗张三每天早上八点打卡"
TYPED_NAME = "某未备案小程序秘名"


def _get(user, **params):
    _t, raw = token_issue(actor=user, user=user, name="export")
    return Client().get(URL, params, HTTP_AUTHORIZATION=f"Bearer {raw}")


def _sheets(resp) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def _all_text(sheets: dict[str, list[tuple]]) -> str:
    return "\n".join(str(v) for rows in sheets.values() for row in rows for v in row)


def _populate(w):
    a = report(w.app, description=SECRET, happened="2026年3月2日早上").complaint
    report(w.app, category="ranking_abuse")
    report(filed_app(w.unit, "穗第二测试通"), category="ranking_abuse")
    report(filed_app(w.other_unit, "川测试通"))  # Sichuan: not in Guangdong's reach
    report(w.central_app)  # central: the CAC only
    report(None, app_name=TYPED_NAME)  # no filed app: the CAC only
    services.complaint_reply(complaint=a, actor=w.gd, text="答复文字不应导出")
    services.complaint_answer(complaint=a, actor=w.gd, outcome="处理结果不应导出")


def test_export_counts_within_reach_and_no_content():
    w = world()
    _populate(w)
    resp = _get(w.gd)
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in resp["Content-Disposition"]
    sheets = _sheets(resp)
    assert list(sheets) == ["概况", "按类别", "按应用", "按主办单位", "按地区", "按月份"]
    summary = dict(sheets["概况"][1:])
    assert summary["收到举报"] == 3 and summary["已办结"] == 1
    categories = {r[1]: (r[2], r[3]) for r in sheets["按类别"][1:]}
    assert sheets["按类别"][0] == ("类别", "类别代码", "收到", "办结")
    assert categories["forced_use"] == (1, 1) and categories["ranking_abuse"] == (2, 0)
    apps = {r[0]: r[2] for r in sheets["按应用"][1:]}
    assert apps == {"穗政通测试版": 2, "穗第二测试通": 1}
    assert {r[0]: r[1] for r in sheets["按主办单位"][1:]} == {w.unit.name: 3}
    regions = sheets["按地区"][1:]
    assert [(r[1], r[2]) for r in regions] == [("44", 3)]
    assert sum(r[1] for r in sheets["按月份"][1:]) == 3
    text = _all_text(sheets)
    for secret in (SECRET, "2026年3月2日", "答复文字", "处理结果不应导出", "川测试通", TYPED_NAME):
        assert secret not in text


def test_export_for_the_cac_and_auditor_hides_typed_names():
    w = world()
    _populate(w)
    for user in (w.cac, w.auditor):
        sheets = _sheets(_get(user))
        assert dict(sheets["概况"][1:])["收到举报"] == 6
        apps = {r[0]: r[2] for r in sheets["按应用"][1:]}
        assert apps["未对应到已备案应用"] == 1
        regions = {r[0]: r[2] for r in sheets["按地区"][1:]}
        assert regions["中央国家机关"] == 1 and regions["未对应到已备案应用"] == 1
        text = _all_text(sheets)
        assert TYPED_NAME not in text and SECRET not in text


def test_export_reach_dates_and_errors():
    w = world()
    _populate(w)
    assert dict(_sheets(_get(w.sc))["概况"][1:])["收到举报"] == 1
    for outsider in (w.member, w.other_member, w.central_member):
        r = _get(outsider)
        assert r.status_code == 404 and "网信部门" in r.json()["detail"]
    assert Client().get(URL).status_code == 401
    bad = _get(w.gd, since="2026-13-40")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["detail"]
    future = _sheets(_get(w.gd, since="2999-01-01", until=""))
    assert dict(future["概况"][1:])["收到举报"] == 0


def test_statistics_page_links_the_export():
    w = world()
    _populate(w)
    c = Client()
    c.force_login(w.gd)
    page = c.get(reverse("complaints:stats"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("api:complaints_stats_xlsx") + "?since=" in html
    # the session (no token) downloads it too; a GET needs no CSRF token
    assert c.get(URL).status_code == 200


def test_repeated_export_is_served_from_the_cache_until_a_report_changes():
    """At national scale the workbook takes seconds to write: an unchanged repeat comes from
    the shared cache (no aggregate queries), a new or closed report makes a new workbook."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = world()
    first = report(w.app).complaint
    report(w.app, category="ranking_abuse")
    summary = dict(_sheets(_get(w.gd))["概况"][1:])
    assert (summary["收到举报"], summary["已办结"]) == (2, 0)
    with CaptureQueriesContext(connection) as ctx:
        again = _get(w.gd)
    assert dict(_sheets(again)["概况"][1:]) == summary
    assert not [q for q in ctx.captured_queries if "GROUP BY" in q["sql"]], "not cached"
    report(w.app)
    assert dict(_sheets(_get(w.gd))["概况"][1:])["收到举报"] == 3
    services.complaint_reply(complaint=first, actor=w.gd, text="已转主办单位核查")
    services.complaint_answer(complaint=first, actor=w.gd, outcome="经核查已督促整改完毕")
    assert dict(_sheets(_get(w.gd))["概况"][1:])["已办结"] == 1
    # another reader's export is its own (a provincial office never gets the CAC's workbook)
    assert dict(_sheets(_get(w.cac))["概况"][1:])["收到举报"] >= 3


def test_page_groups_read_by_key_equal_the_exports_joined_groups():
    """The statistics page groups the reports alone and reads the top groups' names by key;
    the export joins every group's name in one pass: the same rows either way."""
    from govapp.complaints.selectors import complaint_aggregates

    w = world()
    _populate(w)
    for user in (w.cac, w.gd):
        page = complaint_aggregates(user, top=50)
        export = complaint_aggregates(user, top=None)
        for key in ("apps", "units"):
            rows = sorted(page[key], key=lambda r: (-r["count"], str(r)))
            assert rows == sorted(export[key], key=lambda r: (-r["count"], str(r))), key
        assert {k: v for k, v in page.items() if k not in ("apps", "units")} == {
            k: v for k, v in export.items() if k not in ("apps", "units")
        }
