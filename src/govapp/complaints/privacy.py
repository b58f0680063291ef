"""The anonymity machinery of the complaint channel (R-33): receipts, proof of work, the
rate limit, evidence sanitising and log redaction.

Nothing in this module stores or logs a client address, user agent, cookie or any other
request data.  See docs/complaints.md for exactly what is and is not kept.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import hashlib
import hmac
import io
import logging
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from govapp.core import ratelimit, shared

# ---------------------------------------------------------------------------------------
# Receipts: 160 random bits from ``secrets``, shown once, stored as HMAC-SHA256(pepper, r).

RECEIPT_BYTES = 20  # 160 bits (the requirement is at least 128)
_B32 = re.compile(r"[^A-Z2-7]")
_CONFUSABLE = str.maketrans({"0": "O", "1": "I", "8": "B"})


def receipt_new() -> str:
    """A fresh receipt: 32 base32 characters in groups of four, e.g. ``ABCD-EFGH-...``."""
    raw = base64.b32encode(secrets.token_bytes(RECEIPT_BYTES)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def receipt_normalise(text: str) -> str:
    """Upper case, common look-alikes fixed, separators and spaces dropped."""
    return _B32.sub("", (text or "").upper().translate(_CONFUSABLE))


def _pepper() -> bytes:
    configured = getattr(settings, "GOVAPP_COMPLAINT_RECEIPT_PEPPER", "")
    if configured:
        return str(configured).encode()
    return hashlib.sha256(b"govapp-complaint-receipt:" + settings.SECRET_KEY.encode()).digest()


def receipt_hash(receipt: str) -> str:
    norm = receipt_normalise(receipt)
    return hmac.new(_pepper(), norm.encode(), hashlib.sha256).hexdigest()


def receipt_matches(receipt: str, stored_hash: str) -> bool:
    return hmac.compare_digest(receipt_hash(receipt), stored_hash)


def receipt_plausible(receipt: str) -> bool:
    return len(receipt_normalise(receipt)) == 32


# ---------------------------------------------------------------------------------------
# Proof of work (hashcash style).  The challenge is stateless and signed with a key derived
# from SECRET_KEY (the same in every web process and host); a solved challenge is claimed once
# in the shared store (govapp.core.shared) until it expires, so it cannot be replayed in this
# process or any other.


def pow_bits() -> int:
    return int(getattr(settings, "GOVAPP_COMPLAINT_POW_BITS", 16))


POW_TTL_SECONDS = 2 * 3600


def _pow_sig(body: str) -> str:
    key = hashlib.sha256(b"govapp-complaint-pow:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:32]


def pow_challenge() -> str:
    """``<issued-unix>.<bits>.<random>.<signature>``; the client finds a nonce such that
    SHA-256("<challenge>:<nonce>") starts with ``bits`` zero bits."""
    body = f"{int(time.time())}.{pow_bits()}.{secrets.token_hex(8)}"
    return f"{body}.{_pow_sig(body)}"


def _leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + (8 - byte.bit_length())
    return bits


def pow_solve(challenge: str) -> str:
    """A solver (tests and API clients written in Python)."""
    bits = int(challenge.split(".")[1])
    nonce = 0
    while True:
        digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
        if _leading_zero_bits(digest) >= bits:
            return str(nonce)
        nonce += 1


def pow_verify(token: str) -> bool:
    """``token`` is ``<challenge>:<nonce>``.  True once per solved, unexpired challenge,
    across every web process and host."""
    if not token or len(token) > 200 or ":" not in token:
        return False
    challenge, _sep, nonce = token.rpartition(":")
    parts = challenge.split(".")
    if len(parts) != 4 or not nonce.isdigit() or len(nonce) > 20:
        return False
    issued, bits_text, _rand, sig = parts
    if not hmac.compare_digest(_pow_sig(".".join(parts[:3])), sig):
        return False
    try:
        issued_at, bits = int(issued), int(bits_text)
    except ValueError:
        return False
    now = time.time()
    if bits < pow_bits() or now - issued_at > POW_TTL_SECONDS or issued_at > now + 60:
        return False
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if _leading_zero_bits(digest) < bits:
        return False
    marker = hashlib.sha256(challenge.encode()).hexdigest()[:40]
    return shared.claim(f"pow:{marker}", POW_TTL_SECONDS + 120)


# ---------------------------------------------------------------------------------------
# Rate limits: the one limiter of govapp.core.ratelimit (shared by every process; keyed by an
# HMAC of the address with a daily random salt, the address itself is never kept).


@dataclass(frozen=True)
class Limit:
    allowed: bool
    retry_after: int = 0


def rate_limit_reset() -> None:
    ratelimit.reset()


def rate_limit(
    request: HttpRequest, *, action: str, proven: bool = False, consume: bool = True
) -> Limit:
    """Reports: ``GOVAPP_COMPLAINT_RATE`` (proof of work solved) or
    ``GOVAPP_COMPLAINT_RATE_UNPROVEN`` (none), each ``(count, seconds)``; receipt look-ups:
    ``GOVAPP_COMPLAINT_LOOKUP_RATE``.  With ``consume=False`` the limit is only checked
    (reports count once they are filed)."""
    if action == "report":
        name = "GOVAPP_COMPLAINT_RATE" if proven else "GOVAPP_COMPLAINT_RATE_UNPROVEN"
        default = (10, 3600.0) if proven else (3, 3600.0)
    else:
        name, default = "GOVAPP_COMPLAINT_LOOKUP_RATE", (30, 600.0)
    conf = getattr(settings, name, default)
    bucket = f"complaint-{action}-{'p' if proven else 'u'}" if action == "report" else action
    decision = ratelimit.check(request, bucket=bucket, limit=conf, consume=consume)
    return Limit(decision.allowed, decision.retry_after)


# ---------------------------------------------------------------------------------------
# Evidence: images re-encoded from pixels only; PDFs kept as-is (with a warning); the rest
# refused.


class EvidenceError(ValueError):
    pass


@dataclass(frozen=True)
class CleanFile:
    kind: str  # image | pdf
    content: bytes
    extension: str
    content_type: str
    warning: str = ""


def max_pixels() -> int:
    return int(getattr(settings, "GOVAPP_IMAGE_MAX_PIXELS", 40_000_000))


def max_evidence_bytes() -> int:
    return int(getattr(settings, "GOVAPP_COMPLAINT_EVIDENCE_MAX_BYTES", 8 * 1024 * 1024))


def max_evidence_files() -> int:
    return int(getattr(settings, "GOVAPP_COMPLAINT_EVIDENCE_MAX_FILES", 5))


def evidence_clean(data: bytes) -> CleanFile:
    """Validate and sanitise one uploaded file (its name is never looked at or kept)."""
    limit = max_evidence_bytes()
    if len(data) > limit:
        raise EvidenceError(
            _("证据文件过大（上限 %(mb)d MB），请压缩或截取相关部分后重试。")
            % {"mb": limit // (1024 * 1024)}
        )
    if not data:
        raise EvidenceError(_("证据文件是空的，请重新选择文件。"))
    if data[:5] == b"%PDF-":
        return CleanFile(
            "pdf",
            data,
            "pdf",
            "application/pdf",
            _(
                "PDF 文件按原样保存，其中可能含有作者、单位或设备等信息；"
                "如担心被识别，请改为上传截图。"
            ),
        )
    return _image_clean(data)


def _image_clean(data: bytes) -> CleanFile:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels()
    refuse = _("只接受图片（JPEG、PNG、WebP、GIF）或 PDF 文件作为证据，请换成截图或照片后重试。")
    with private_request():  # Pillow's debug log would print the EXIF tags it reads
        return _image_reencode(data, refuse)


def _image_reencode(data: bytes, refuse: str) -> CleanFile:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = (probe.format or "").upper()
            if fmt not in {"JPEG", "PNG", "WEBP", "GIF", "MPO"}:
                raise EvidenceError(refuse)
            if probe.width * probe.height > max_pixels():
                raise EvidenceError(_("图片尺寸过大，请缩小后重试。"))
            probe.load()
            upright = ImageOps.exif_transpose(probe)  # keep what the reporter saw, then drop tags
            assert upright is not None
            has_alpha = upright.mode in {"RGBA", "LA", "PA"} or (
                upright.mode == "P" and "transparency" in upright.info
            )
            mode = "RGBA" if has_alpha else "RGB"
            pixels = upright.convert(mode)
            # A brand-new image built from the raw pixels only: no EXIF, XMP, ICC, comments.
            clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    except EvidenceError:
        raise
    except Image.DecompressionBombError as exc:
        raise EvidenceError(_("图片尺寸过大，请缩小后重试。")) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise EvidenceError(refuse) from exc
    out = io.BytesIO()
    if mode == "RGBA" or fmt == "PNG" or fmt == "GIF":
        clean.save(out, format="PNG", optimize=False)
        return CleanFile("image", out.getvalue(), "png", "image/png")
    clean.save(out, format="JPEG", quality=90)
    return CleanFile("image", out.getvalue(), "jpg", "image/jpeg")


# ---------------------------------------------------------------------------------------
# Redaction suggestions for the copy a hosting unit may see (the regulator edits and
# approves the final text; this only catches the obvious).

_REDACTIONS = [
    (re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])"), "[身份证号已删除]"),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[手机号已删除]"),
    (re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"), "[电话已删除]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[邮箱已删除]"),
    (re.compile(r"(?:工号|编号|警号)[:：]?\s*\w+"), "[工号已删除]"),
]


def redaction_suggest(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


# ---------------------------------------------------------------------------------------
# Log redaction: Django logs 4xx/5xx responses with their path and attaches the request to
# the record (error e-mails would then include the client address and headers).  For the
# complaint paths the request is removed and the path replaced.

PRIVATE_PREFIXES = ("/complaints/", "/api/v1/public/complaints")
_in_private: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "govapp_complaint_private", default=False
)
_LOGGERS = (
    "django.request",
    "django.template",
    "django.server",
    "django.security",
    "django.security.csrf",
    "django.security.DisallowedHost",
    "django.security.SuspiciousOperation",
    "django.security.RequestDataTooBig",
    "django.security.TooManyFieldsSent",
    "django.security.TooManyFilesSent",
    "ninja",
)


def _is_private(path: Any) -> bool:
    text = str(path or "")
    return any(p in text for p in PRIVATE_PREFIXES) or text.startswith("complaints/")


@contextlib.contextmanager
def private_request() -> Iterator[None]:
    """Everything logged while a public complaint request is handled is withheld."""
    token = _in_private.set(True)
    try:
        yield
    finally:
        _in_private.reset(token)


class ComplaintLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None) if request is not None else None
        private = _in_private.get() or _is_private(path) or _is_private(record.msg)
        if not private and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            private = any(_is_private(a) for a in args)
        if private:
            record.request = None
            record.msg = "%s [complaint channel request; details withheld for anonymity]"
            kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
            record.args = (f"{record.levelname} {kind}".strip(),)
            # tracebacks may carry template context or request data: only the type is kept
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


_installed = False


def install_log_filters() -> None:
    global _installed
    if _installed:
        return
    flt = ComplaintLogFilter()
    from PIL import Image

    Image.init()  # load the format plugins, so that their loggers exist
    names = set(_LOGGERS) | {
        n for n in logging.root.manager.loggerDict if n == "PIL" or n.startswith("PIL.")
    }
    for name in sorted(names):
        logging.getLogger(name).addFilter(flt)
    _installed = True
