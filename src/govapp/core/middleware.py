"""Request id for audit events and logs."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("govapp_request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(rid)
        request.request_id = rid  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


# --- request bodies -----------------------------------------------------------------------


def body_limit_for(path: str, content_type: str) -> int:
    """The most bytes a request body to ``path`` may have (settings ``GOVAPP_*_MAX_BYTES``)."""
    from django.conf import settings

    if path.startswith(("/scans/upload", "/api/v1/scans")):
        return int(settings.GOVAPP_PACKAGE_MAX_BYTES) + 1024 * 1024
    if path.startswith(("/complaints/", "/api/v1/public/complaints")):
        return int(settings.GOVAPP_COMPLAINT_MAX_REQUEST_BYTES)
    if content_type.startswith("multipart/"):
        return int(settings.GOVAPP_UPLOAD_MAX_REQUEST_BYTES)
    return int(settings.GOVAPP_FORM_MAX_REQUEST_BYTES)


class BodyLimitMiddleware:
    """Refuse a request body larger than its endpoint accepts before anything reads it.

    With a ``Content-Length`` the check is made on the header and Django's own stream stops
    at that length; a chunked body (no length) is read here into a spooled file, at most the
    limit plus one byte, and refused as soon as it passes the limit.  Answers 413, as JSON
    under /api/ and as a page elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return self.get_response(request)
        limit = body_limit_for(request.path, request.META.get("CONTENT_TYPE", ""))
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if raw_length:
            try:
                length = int(raw_length)
            except ValueError:
                return _error(request, 400, _("请求头 Content-Length 无效。"))
            if length < 0:
                return _error(request, 400, _("请求头 Content-Length 无效。"))
            if length > limit:
                return _too_large(request, limit)
        elif chunked:
            response = self._read_chunked(request, limit)
            if response is not None:
                return response
        return self.get_response(request)

    def _read_chunked(self, request: HttpRequest, limit: int) -> HttpResponse | None:
        import tempfile

        from django.core.handlers.wsgi import LimitedStream

        source = request.META.get("wsgi.input")
        if source is None:
            return None
        spool = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024)  # noqa: SIM115
        total = 0
        while chunk := source.read(64 * 1024):
            total += len(chunk)
            if total > limit:
                spool.close()
                return _too_large(request, limit)
            spool.write(chunk)
        spool.seek(0)
        request.META["CONTENT_LENGTH"] = str(total)
        request._stream = LimitedStream(spool, total)  # type: ignore[assignment, arg-type]
        request._read_started = False  # type: ignore[attr-defined]
        return None


def _error(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    from django.template.loader import render_to_string

    html = render_to_string("core/request_error.html", {"detail": detail})
    return HttpResponse(html, status=status)


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    mb = max(1, limit // (1024 * 1024))
    return _error(
        request,
        413,
        _("提交的内容过大（上限 %(mb)d MB）：请缩小或拆分后重试。") % {"mb": mb},
    )


# --- caching of personal data -------------------------------------------------------------

# Public registry data may be cached by browsers and proxies; everything else may carry
# personal or confidential data and is never stored.
CACHEABLE_PREFIXES = (
    "/static/",
    "/public/",
    "/api/v1/public/apps",
    "/api/v1/public/verify",
    "/api/v1/public/registry",
)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page and API answer except public registry data
    (and anything that set its own Cache-Control)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = user is not None and user.is_authenticated
        private = not request.path.startswith(CACHEABLE_PREFIXES)
        if personal or (private and "Cache-Control" not in response):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
