"""Nothing identifying reaches the database, the stored files, the logs or e-mail after a
report made from a known address with a known user agent and a photo with GPS metadata."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from govapp.complaints import services
from govapp.complaints.models import Complaint
from tests.complaints.factories import jpeg_with_gps, pow_token, world

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "Mozilla/5.0 (Linux; Android 14; Handset-QX7731) UniqueAgent/9.9.1"
REFERER = "https://intranet-secret.example/dept/page"
HEADERS = {
    "REMOTE_ADDR": ADDRESS,
    "HTTP_USER_AGENT": AGENT,
    "HTTP_X_FORWARDED_FOR": FORWARDED,
    "HTTP_X_REAL_IP": FORWARDED,
    "HTTP_REFERER": REFERER,
    "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,xx-UNIQUE;q=0.1",
}
IDENTIFYING = [
    ADDRESS,
    FORWARDED,
    "UniqueAgent",
    "Handset-QX7731",
    "intranet-secret",
    "xx-UNIQUE",
    "TestCam-Maker-XYZ",
    "PhoneModel-9931",
    "SecretEditor",
    "2026:03:02 08:31:07",
    "张三的工位照片",
]
RECEIPT = re.compile(r'data-testid="receipt">([A-Z2-7-]{39})<')


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        out = []
        for r in self.records:
            out.append(r.getMessage())
            out.append(repr({k: v for k, v in r.__dict__.items() if k not in {"msg", "args"}}))
            if r.exc_info:
                out.append(logging.Formatter().formatException(r.exc_info))
        return "\n".join(out)


@pytest.fixture
def logs():
    handler = Collect()
    names = ["", "django", "django.request", "django.server", "django.security", "govapp", "ninja"]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def dump_database() -> str:
    chunks = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cur.fetchall():
                chunks.append(table + " " + repr(row))
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
    return "\n".join(chunks)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_nothing_identifying_is_kept(logs):
    w = world()
    key = services.app_complaint_key_ensure(app=w.app).key
    web = Client(**HEADERS)
    photo = jpeg_with_gps()
    assert b"TestCam-Maker-XYZ" in photo
    logs.records.clear()  # building the test photo logged its own tags

    # 1. the public form, with a GPS-tagged photo whose file name names someone
    resp = web.post(
        "/complaints/",
        {
            "app_query": w.app.name,
            "filing_number": w.app.filing_number,
            "category": "forced_use",
            "description": "每天早上八点前必须在应用里打卡，否则扣绩效。",
            "happened": "2026年3月起",
            "pow": pow_token(),
            "evidence": SimpleUploadedFile("张三的工位照片.jpg", photo, content_type="image/jpeg"),
        },
    )
    assert resp.status_code == 200
    receipt_web = RECEIPT.search(resp.content.decode()).group(1)

    # 2. the API, with the same photo as base64
    api = web.post(
        "/api/v1/public/complaints",
        json.dumps(
            {
                "filing_number": w.app.filing_number,
                "category": "ranking_abuse",
                "description": "按学习时长对各村排名并通报。",
                "evidence": [{"content_base64": base64.b64encode(photo).decode()}],
            }
        ),
        content_type="application/json",
        **HEADERS,
    )
    assert api.status_code == 201
    receipt_api = api.json()["receipt"]

    # 3. the embeddable in-app page
    embed = web.post(
        f"/complaints/app/{key}/",
        {
            "category": "excessive_records",
            "description": "每次走访都要拍照上传并定位。",
            "pow": pow_token(),
        },
    )
    assert embed.status_code == 200

    # 4. following up: reading, adding information, a wrong receipt (logged 404s)
    web.post(
        "/complaints/follow/", {"receipt": receipt_web, "action": "add", "text": "补充情况说明。"}
    )
    web.get(f"/api/v1/public/complaints/{receipt_api}", **HEADERS)
    web.get("/api/v1/public/complaints/WRONG-RECEIPT-WRONG-RECEIPT", **HEADERS)
    web.post("/complaints/follow/", {"receipt": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"})

    # 5. a regulator handles it (the unit never sees the reporter)
    c = Complaint.objects.get(channel="web")
    services.complaint_reply(complaint=c, actor=w.gd, text="已受理。")

    assert Complaint.objects.count() == 3
    db = dump_database()
    for needle in [*IDENTIFYING, receipt_web, receipt_api, receipt_web.replace("-", "")]:
        assert needle not in db, f"{needle!r} found in the database"
    # no session row, no exact submission time on the report
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM django_session")
        assert cur.fetchone()[0] == 0
    assert not hasattr(Complaint, "created_at")

    files = stored_files()
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        assert b"Exif" not in data and b"GPS" not in data
        for needle in IDENTIFYING:
            assert needle.encode() not in data
        assert not dict(Image.open(io.BytesIO(data)).getexif())
        assert "张三" not in path.name

    text = logs.text()
    assert logs.records, "the 404s should have been logged (redacted)"
    for needle in [*IDENTIFYING, receipt_web, receipt_api, "WRONG-RECEIPT", "/complaints/"]:
        leaks = [r.name for r in logs.records if needle in r.getMessage() + repr(r.__dict__)]
        assert needle not in text, f"{needle!r} found in the logs of {leaks}"
    assert all(getattr(r, "request", None) is None for r in logs.records)
    for message in mail.outbox:
        body = message.subject + message.body
        for needle in IDENTIFYING:
            assert needle not in body
