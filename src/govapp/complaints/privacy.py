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
# Redaction of everything a hosting unit is shown about a report (the explanation request,
# the note of a verified finding).  Applied by the services, not merely suggested: phone
# numbers (mobile and landline, however spaced or written in Chinese numerals), 18-digit
# ID numbers (with a valid check digit, or any digit run taken from the report), e-mail
# addresses (also written "at"/"dot"), staff numbers, and every name the reporter gave
# ("我叫张三", "姓名：张三", "本人张三" ...), spaced or not.

_DIGIT_MAP = str.maketrans(
    "０１２３４５６７８９〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖幺两",
    "0123456789001234567891234567891" + "2",
)
_SEP = r"[\s\-‐‑–—.·・()（）/]*"
# a run of digits (any script) with separators between them, at least 7 digits long
_DIGIT_CHARS = "0-9０-９〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖幺两Xx"
_DIGIT_RUN = re.compile(
    rf"(?:\+?86{_SEP}|\(?\+?86\)?{_SEP})?[{_DIGIT_CHARS}](?:{_SEP}[{_DIGIT_CHARS}]){{6,}}"
)
_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|＠|\(at\)|\[at\]|\sat\s)\s*[\w-]+(?:\s*(?:\.|。|\(dot\)|\[dot\]|\sdot\s)\s*[\w-]+)+",
    re.IGNORECASE,
)
_DATE = re.compile(r"(?:19|20)\d{2}[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])")
_STAFF = re.compile(r"(?:工号|编号|警号|员工号|学号)[:：]?\s*[A-Za-z0-9-]+")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_NAME_CUES = re.compile(
    r"(?:我叫|我是|本人(?:是|叫)?|姓名(?:是|为)?[:：]?|名字(?:是|叫)?[:：]?|联系人[:：]?|举报人[:：]?"
    r"|签名[:：]?|署名[:：]?)\s*([\u4e00-\u9fa5]{2,4}?)(?=[，,。.；;：:\s（(、]|是|在|的|电话|手机|工号|$)"
    r"|(?:my name is|i am|name[:：])\s*([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})",
    re.IGNORECASE,
)


def _digits(text: str) -> str:
    return "".join(ch for ch in text.translate(_DIGIT_MAP) if ch.isdigit() or ch in "Xx").upper()


def id_number_valid(number: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _is_contact_number(digits: str) -> bool:
    bare = digits[2:] if digits.startswith("86") and len(digits) in (12, 13) else digits
    if re.fullmatch(r"1[3-9]\d{9}", bare):  # mobile
        return True
    if re.fullmatch(r"0\d{9,11}", bare):  # landline with area code
        return True
    if re.fullmatch(r"\d{7,8}", bare):  # local landline
        return True
    if len(bare) == 18 and id_number_valid(bare):
        return True
    return bool(re.fullmatch(r"\d{15}", bare))  # first-generation ID number


def reporter_names(text: str) -> set[str]:
    """Names the reporter gave about themselves in ``text``."""
    names = set()
    for match in _NAME_CUES.finditer(text or ""):
        name = (match.group(1) or match.group(2) or "").strip()
        if len(name) >= 2 and name not in {"举报人", "本人", "群众", "员工", "职工"}:
            names.add(name)
    return names


def _sensitive_digits(original: str) -> set[str]:
    return {d for m in _DIGIT_RUN.finditer(original or "") if len(d := _digits(m.group(0))) >= 7}


def redact_for_unit(text: str, *, original: str = "", names: set[str] | None = None) -> str:
    """``text`` with every identifying detail of the reporter removed (see above).
    ``original`` is the report: digit runs and names found there are removed from ``text``
    in any spelling."""
    taken = _sensitive_digits(original)
    known_names = set(names or ()) | reporter_names(original) | reporter_names(text)

    def digit_run(match: re.Match[str]) -> str:
        digits = _digits(match.group(0))
        if len(digits) < 7:
            return match.group(0)
        if _DATE.fullmatch(match.group(0).strip()):
            return match.group(0)
        if any(d in digits or digits in d for d in taken) or _is_contact_number(digits):
            return "[身份证号已删除]" if len(digits) in (15, 18) else "[电话已删除]"
        return match.group(0)

    text = _EMAIL.sub("[邮箱已删除]", text or "")
    text = _STAFF.sub("[工号已删除]", text)
    text = _DIGIT_RUN.sub(digit_run, text)
    for name in sorted(known_names, key=len, reverse=True):
        spaced = r"[\s·・]*".join(re.escape(ch) for ch in name)
        text = re.sub(spaced, "[姓名已删除]", text, flags=re.IGNORECASE)
        if re.fullmatch(r"[\u4e00-\u9fa5]{2,4}", name):
            # "张某某", "张先生", "张女士", "小张", "老张": the surname beside a title still points
            surname = re.escape(name[0])
            text = re.sub(
                rf"(?:{surname}(?:某+|先生|女士|同志|姓|师傅|老师|科长|主任|大姐|大哥)|[小老]{surname})",
                "[姓名已删除]",
                text,
            )
    return text


def redaction_suggest(text: str) -> str:
    """The pre-filled text of the regulator's form: the report with the details removed."""
    return redact_for_unit(text, original=text)


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
