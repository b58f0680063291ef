"""Monthly returns: page, file import (line-numbered, all or nothing), API; corrections audited;
the figures endpoint and who may read it."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govapp.core.calendar import today_shanghai
from govapp.core.models import AuditEvent
from govapp.oversight.usage import imports, services
from govapp.oversight.usage.models import DailyUsage, MonthlyReturn
from tests.oversight.usage import factories as uf

pytestmark = pytest.mark.django_db


def _last_month() -> dt.date:
    return services.evaluation_month()


def test_return_page_saves_and_corrections_are_audited():
    w = uf.world()
    c = Client()
    c.force_login(w.member)
    month = _last_month().strftime("%Y-%m")
    url = f"/oversight/usage/apps/{w.app.pk}/"
    r = c.post(url, {"month": month, "active_users": 120, "intended_users": 1000, "sessions": 5})
    assert r.status_code == 302
    r = c.post(url, {"month": month, "active_users": 150, "intended_users": 1000, "sessions": 5})
    row = MonthlyReturn.objects.get(app=w.app)
    assert row.active_users == 150
    events = AuditEvent.objects.filter(object_type="usage.monthlyreturn").order_by("seq")
    assert [e.action for e in events] == ["usage.return_create", "usage.return_correct"]
    assert events[1].before == {"active_users": 120, "updated_at": events[1].before["updated_at"]}
    assert events[1].after["active_users"] == 150


def test_return_page_rejects_a_future_month_with_a_message():
    w = uf.world()
    c = Client()
    c.force_login(w.member)
    future = services.month_add(today_shanghai().replace(day=1), 2).strftime("%Y-%m")
    r = c.post(
        f"/oversight/usage/apps/{w.app.pk}/",
        {"month": future, "active_users": 1, "intended_users": 10},
    )
    assert r.status_code == 200
    assert "不能报送未来月份" in r.content.decode()
    assert not MonthlyReturn.objects.exists()


def test_regulator_cannot_file_a_return_for_the_unit():
    w = uf.world()
    with pytest.raises(services.UsageNotAllowed):
        services.return_save(
            app=w.app, month=_last_month(), active_users=1, intended_users=10, actor=w.gd
        )


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(imports.TEMPLATE_HEADER)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def test_import_reports_every_bad_line_and_imports_nothing():
    w = uf.world()
    m = _last_month().strftime("%Y-%m")
    data = _csv(
        [
            [w.app.filing_number, m, "100", "1000", "10"],  # line 2 ok
            [w.app.filing_number, "2026-13", "1", "10", "0"],  # 3 bad month
            ["不存在备00009号", m, "1", "10", "0"],  # 4 unknown number
            [w.other_app.filing_number, m, "1", "10", "0"],  # 5 another unit's app
            [w.app.filing_number, m, "-5", "10", "0"],  # 6 negative
            [w.app.filing_number, m, "100", "1000", "10"],  # 7 duplicate of line 2
        ]
    )
    with pytest.raises(imports.ImportFailed) as exc:
        imports.returns_import(data=data, file_name="r.csv", actor=w.member)
    lines = [e.split("：")[0] for e in exc.value.errors]
    assert lines == ["第 3 行", "第 4 行", "第 5 行", "第 6 行", "第 7 行"]
    assert "第 2 行" in exc.value.errors[-1]
    assert not MonthlyReturn.objects.exists()


def test_import_xlsx_creates_and_corrects():
    w = uf.world()
    last = _last_month()
    uf.returns(w.app, [(10, 100)], last)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(imports.TEMPLATE_HEADER)
    ws.append([w.app.filing_number, last.strftime("%Y-%m"), 20, 100, 3])
    ws.append([w.app.filing_number, services.month_add(last, -1).strftime("%Y-%m"), 30, 100, 3])
    buf = io.BytesIO()
    wb.save(buf)
    c = Client()
    c.force_login(w.member)
    r = c.post(
        "/oversight/usage/import/",
        {"file": SimpleUploadedFile("r.xlsx", buf.getvalue())},
    )
    assert r.status_code == 302
    assert sorted(MonthlyReturn.objects.values_list("active_users", flat=True)) == [20, 30]
    assert AuditEvent.objects.filter(action="usage.return_correct").count() == 1


def test_import_page_shows_line_numbers():
    w = uf.world()
    c = Client()
    c.force_login(w.member)
    data = _csv([[w.app.filing_number, "bad", "1", "2", "0"]])
    r = c.post("/oversight/usage/import/", {"file": SimpleUploadedFile("r.csv", data)})
    assert r.status_code == 422
    assert "第 2 行" in r.content.decode()


def test_api_figures_contract_and_jurisdiction():
    w = uf.world()
    last = _last_month()
    uf.returns(w.app, [(10, 100), (12, 100)], last)
    DailyUsage.objects.create(
        app=w.app, date=today_shanghai() - dt.timedelta(days=1), devices=7, pings=9
    )
    c = Client()
    c.force_login(w.gd)
    r = c.get(f"/api/v1/usage/apps/{w.app.filing_number}")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"days", "months"}
    assert body["days"] == [
        {"date": (today_shanghai() - dt.timedelta(days=1)).isoformat(), "devices": 7, "pings": 9}
    ]
    assert body["months"][-1] == {
        "month": last.strftime("%Y-%m"),
        "active_users": 12,
        "intended_users": 100,
        "sessions": 0,
        "source": "form",
    }
    # another province's regulator, another unit: not found
    for outsider in (w.sc, w.other_member):
        c.force_login(outsider)
        assert c.get(f"/api/v1/usage/apps/{w.app.filing_number}").status_code == 404
    c.logout()
    assert c.get(f"/api/v1/usage/apps/{w.app.filing_number}").status_code == 401


def test_api_return_post_and_validation():
    w = uf.world()
    c = Client()
    c.force_login(w.member)
    url = f"/api/v1/usage/apps/{w.app.filing_number}/returns"
    m = _last_month().strftime("%Y-%m")
    body = {"month": m, "active_users": 5, "intended_users": 50}
    r = c.post(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and r.json()["source"] == "api"
    r = c.post(url, json.dumps({**body, "intended_users": 0}), content_type="application/json")
    assert r.status_code == 400 and "intended_users" in r.json()["errors"]
    c.force_login(w.gd)
    assert c.post(url, json.dumps(body), content_type="application/json").status_code == 403


def test_app_page_is_404_for_another_unit_and_province():
    w = uf.world()
    c = Client()
    for outsider in (w.other_member, w.sc):
        c.force_login(outsider)
        assert c.get(f"/oversight/usage/apps/{w.app.pk}/").status_code == 404
    c.force_login(w.member)
    page = c.get("/oversight/usage/").content.decode()
    assert w.app.name in page and w.other_app.name not in page
