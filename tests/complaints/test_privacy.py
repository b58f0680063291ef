"""Receipts, proof of work, the shared rate limit and evidence sanitising."""

from __future__ import annotations

import io
import logging
import math

import pytest
from django.test import RequestFactory
from PIL import Image

from govapp.complaints import privacy
from tests.complaints.factories import jpeg_with_gps


def test_receipt_has_160_random_bits_and_normalises():
    r = privacy.receipt_new()
    norm = privacy.receipt_normalise(r)
    assert len(norm) == 32 and len(r) == 39  # 8 groups of 4
    assert len(norm) * math.log2(32) >= 128
    assert privacy.receipt_new() != r
    assert privacy.receipt_hash(r.lower().replace("-", " ")) == privacy.receipt_hash(r)
    assert privacy.receipt_matches(r, privacy.receipt_hash(r))
    assert not privacy.receipt_matches(privacy.receipt_new(), privacy.receipt_hash(r))
    assert privacy.receipt_hash(r) != __import__("hashlib").sha256(norm.encode()).hexdigest()


def test_receipt_hash_depends_on_the_pepper(settings):
    r = privacy.receipt_new()
    before = privacy.receipt_hash(r)
    settings.GOVAPP_COMPLAINT_RECEIPT_PEPPER = "another-pepper"
    assert privacy.receipt_hash(r) != before


@pytest.mark.django_db
def test_proof_of_work_is_checked_and_single_use(settings):
    settings.GOVAPP_COMPLAINT_POW_BITS = 8
    challenge = privacy.pow_challenge()
    token = f"{challenge}:{privacy.pow_solve(challenge)}"
    assert privacy.pow_verify(token)
    assert not privacy.pow_verify(token)  # replay
    other = privacy.pow_challenge()
    assert not privacy.pow_verify(f"{other}:notanumber")
    forged = other.rsplit(".", 1)[0] + ".00000000000000000000000000000000"
    assert not privacy.pow_verify(f"{forged}:{privacy.pow_solve(forged)}")
    # a challenge issued for fewer bits than required now is refused
    settings.GOVAPP_COMPLAINT_POW_BITS = 2
    easy = privacy.pow_challenge()
    settings.GOVAPP_COMPLAINT_POW_BITS = 8
    assert not privacy.pow_verify(f"{easy}:{privacy.pow_solve(easy)}")
    assert not privacy.pow_verify("")


@pytest.mark.django_db
def test_rate_limit_keys_are_salted_and_never_hold_the_address(settings):
    settings.GOVAPP_COMPLAINT_RATE_UNPROVEN = (2, 3600)
    rf = RequestFactory()
    a = rf.post("/complaints/", REMOTE_ADDR="198.51.100.7")
    b = rf.post("/complaints/", REMOTE_ADDR="198.51.100.8")
    assert privacy.rate_limit(a, action="report").allowed
    assert privacy.rate_limit(a, action="report").allowed
    blocked = privacy.rate_limit(a, action="report")
    assert not blocked.allowed and blocked.retry_after > 0
    assert privacy.rate_limit(b, action="report").allowed
    from govapp.core.models import SharedCounter

    keys = list(SharedCounter.objects.values_list("key", flat=True))
    assert keys and all("198.51.100" not in k for k in keys)
    # rl:<bucket>:<32 hex digits of HMAC(daily salt, address)>:<window>
    assert all(len(k.split(":")[2]) == 32 for k in keys)


def test_jpeg_metadata_is_removed():
    data = jpeg_with_gps()
    assert b"TestCam-Maker-XYZ" in data
    clean = privacy.evidence_clean(data)
    assert clean.kind == "image" and clean.content_type == "image/jpeg"
    for needle in (
        b"TestCam-Maker-XYZ",
        b"PhoneModel-9931",
        b"SecretEditor",
        b"2026:03:02",
        b"Exif",
    ):
        assert needle not in clean.content
    img = Image.open(io.BytesIO(clean.content))
    assert not dict(img.getexif()) and img.size == (64, 48)


def test_png_text_chunks_are_removed_and_alpha_kept():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Zhang San 13800138000")
    img = Image.new("RGBA", (10, 10), (0, 0, 255, 128))
    out = io.BytesIO()
    img.save(out, format="PNG", pnginfo=info)
    clean = privacy.evidence_clean(out.getvalue())
    assert clean.content_type == "image/png"
    assert b"Zhang San" not in clean.content
    assert Image.open(io.BytesIO(clean.content)).mode == "RGBA"


def test_pdf_is_kept_with_a_warning_and_other_files_refused(settings):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    clean = privacy.evidence_clean(pdf)
    assert clean.kind == "pdf" and clean.content == pdf and clean.warning
    with pytest.raises(privacy.EvidenceError, match="只接受图片"):
        privacy.evidence_clean(b"PK\x03\x04 not an image")
    with pytest.raises(privacy.EvidenceError, match="只接受图片"):
        privacy.evidence_clean(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    settings.GOVAPP_COMPLAINT_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(privacy.EvidenceError, match="过大"):
        privacy.evidence_clean(b"%PDF-" + b"x" * 200)


def test_log_filter_withholds_complaint_requests():
    rf = RequestFactory()
    request = rf.get("/api/v1/public/complaints/ABCD-EFGH", REMOTE_ADDR="203.0.113.9")
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None
    )
    record.request = request
    privacy.ComplaintLogFilter().filter(record)
    assert record.request is None
    assert "ABCD" not in record.getMessage()
    other = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/registry/x",), None
    )
    privacy.ComplaintLogFilter().filter(other)
    assert other.getMessage() == "Not Found: /registry/x"


def test_redaction_suggestion_removes_contact_details():
    text = "我是张三，手机13800138000，身份证110101199001011234，邮箱a@b.cn，工号A123。"
    out = privacy.redaction_suggest(text)
    for needle in ("13800138000", "110101199001011234", "a@b.cn", "A123"):
        assert needle not in out
