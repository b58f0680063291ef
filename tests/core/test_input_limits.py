"""Input that cannot hurt the service: body limits at the edge, bounded spreadsheets, image
pixel budget, JSON errors under /api/."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.test import Client
from django.test.client import RequestFactory

from govapp.core.middleware import BodyLimitMiddleware
from govapp.core.spreadsheets import Limits, SpreadsheetTooLarge, csv_records, xlsx_records
from govapp.registry.legacy.parser import LegacyImportError, legacy_parse


def test_declared_body_over_the_limit_is_refused_before_reading(settings):
    settings.GOVAPP_FORM_MAX_REQUEST_BYTES = 1000
    c = Client()
    r = c.generic(
        "POST",
        "/api/v1/auth/token",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH="5000000000",
    )
    assert r.status_code == 413
    assert r["Content-Type"].startswith("application/json")
    assert "过大" in r.json()["detail"]
    r = c.generic("POST", "/accounts/login/", b"x", CONTENT_LENGTH="1000001")
    assert r.status_code == 413 and "过大" in r.content.decode()
    r = c.generic("POST", "/api/v1/auth/token", b"{}", CONTENT_LENGTH="-1")
    assert r.status_code == 400


def test_limits_per_endpoint(settings):
    from govapp.core.middleware import body_limit_for

    settings.GOVAPP_PACKAGE_MAX_BYTES = 100 * 1024**2
    assert body_limit_for("/api/v1/scans", "multipart/form-data") > 100 * 1024**2
    assert body_limit_for("/api/v1/public/complaints", "application/json") >= 5 * 8 * 1024**2
    assert body_limit_for("/registry/attachments/1/", "multipart/form-data; b=1") == (
        settings.GOVAPP_UPLOAD_MAX_REQUEST_BYTES
    )
    assert body_limit_for("/api/v1/registry/apps", "application/json") == 2621440


def _chunked_request(body: bytes):
    rf = RequestFactory()
    req = rf.generic("POST", "/api/v1/auth/token", b"", content_type="application/json")
    req.META.pop("CONTENT_LENGTH", None)
    req.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    req.META["wsgi.input"] = io.BytesIO(body)  # what a server gives: the de-chunked body
    return req


def test_chunked_body_is_counted_while_reading(settings):
    settings.GOVAPP_FORM_MAX_REQUEST_BYTES = 100
    seen = {}

    def view(request):
        seen["body"] = request.body
        from django.http import HttpResponse

        return HttpResponse("ok")

    mw = BodyLimitMiddleware(view)
    assert mw(_chunked_request(b"x" * 101)).status_code == 413
    assert "body" not in seen
    assert mw(_chunked_request(b'{"a": 1}')).status_code == 200
    assert seen["body"] == b'{"a": 1}'


@pytest.mark.django_db
def test_api_errors_are_json_never_html():
    c = Client()
    r = c.get("/api/v1/no/such/endpoint")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = c.get("/no/such/page/")
    assert r.status_code == 404 and "页面不存在" in r.content.decode()


@pytest.mark.django_db
def test_ids_beyond_64_bits_are_404_not_500():
    from tests import factories as f

    c = Client()
    c.force_login(f.regulator())
    huge = 2**70
    for url in (
        f"/registry/apps/{huge}/",
        f"/api/v1/registry/apps/{huge}",
        f"/compliance/penalties/{huge}/",
        f"/scans/{huge}/",
    ):
        assert c.get(url).status_code in {404, 422}, url


def test_csv_field_too_long_is_a_clear_error_not_a_crash():
    text = "a,b\n" + "x" * 200_000 + ",y\n"
    with pytest.raises(SpreadsheetTooLarge, match="第 2 行"):
        list(csv_records(text, Limits(cell_chars=1000)))
    with pytest.raises(SpreadsheetTooLarge, match="行数超过上限"):
        list(csv_records("a\n" * 50, Limits(rows=10)))


def _xlsx(sheet_xml: str, shared: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{sheet_xml}</sheetData></worksheet>',
        )
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


def test_xlsx_far_cell_and_many_rows_stop_in_seconds():
    far = '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
    far += '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    t0 = time.monotonic()
    with pytest.raises(SpreadsheetTooLarge, match="行数超过上限"):
        list(xlsx_records(_xlsx(far), Limits(rows=1000, columns=10)))
    assert time.monotonic() - t0 < 5


def test_xlsx_shared_strings_bomb_is_refused_before_parsing():
    strings = "<si><t>a</t></si>" * 20_000
    shared = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main">{strings}</sst>'
    )
    with pytest.raises(SpreadsheetTooLarge, match="共享字符串"):
        xlsx_records_list = list(xlsx_records(_xlsx("", shared), Limits(shared_strings=10_000)))
        assert xlsx_records_list is None
    with pytest.raises(SpreadsheetTooLarge, match="解压后"):
        list(xlsx_records(_xlsx("", shared), Limits(unpacked_bytes=100_000)))


def test_legacy_import_reports_oversized_fields_clearly():
    from govapp.registry.legacy.parser import TEMPLATE_HEADER

    data = (",".join(TEMPLATE_HEADER) + "\n" + "x" * 300_000 + ",APP\n").encode()
    with pytest.raises(LegacyImportError) as exc:
        legacy_parse(data, "inventory.csv")
    assert "第 2 行" in str(exc.value.errors[0])


@pytest.mark.django_db
def test_complaint_image_over_the_pixel_budget_is_refused(settings):
    from PIL import Image

    from govapp.complaints import privacy

    settings.GOVAPP_IMAGE_MAX_PIXELS = 10_000
    out = io.BytesIO()
    Image.new("RGB", (200, 200)).save(out, format="PNG")
    with pytest.raises(privacy.EvidenceError, match="尺寸过大"):
        privacy.evidence_clean(out.getvalue())
