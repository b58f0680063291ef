"""The HTTP API root: /api/v1 (django-ninja), OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from govapp.orgs.services import token_authenticate


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, with Django's CSRF check for unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


AUTH = [BearerAuth(), SessionAuth()]


class GovappAPI(NinjaAPI):
    """The schema documents the error answers of every operation (core.errors)."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        from govapp.core.errors import document_error_responses

        return document_error_responses(super().get_openapi_schema(**kwargs))


api = GovappAPI(
    title="govapp API",
    version="1",
    description="政务移动互联网应用程序规范化管理系统 API. Public endpoints need no login; "
    "others accept `Authorization: Bearer <token>` (POST /api/v1/auth/token) or the session.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
)

from govapp.core.errors import install_api_handler  # noqa: E402

install_api_handler(api)


def _validation_error(request: HttpRequest, exc: Any) -> Any:
    """Request validation errors in the documented error shape: ``detail`` a sentence,
    ``errors`` field -> message (ninja's own answer puts a list in ``detail``)."""
    errors: dict[str, str] = {}
    for item in getattr(exc, "errors", []) or []:
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path", "payload")]
        errors[".".join(loc) or "request"] = str(item.get("msg", ""))
    detail = "请求参数无效：" + "；".join(f"{k}: {v}" for k, v in list(errors.items())[:5])
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


from ninja.errors import ValidationError as _NinjaValidationError  # noqa: E402

api.add_exception_handler(_NinjaValidationError, _validation_error)

from govapp.core.api import router as core_router  # noqa: E402
from govapp.orgs.api import auth_router  # noqa: E402
from govapp.orgs.api import router as orgs_router  # noqa: E402

api.add_router("/auth", auth_router)
api.add_router("/orgs", orgs_router)
api.add_router("/audit", core_router)

from govapp.scans.api import router as scans_router  # noqa: E402

api.add_router("/scans", scans_router)

from govapp.registry.api import router as registry_router  # noqa: E402

api.add_router("/registry", registry_router)

from govapp.complaints.api import router as complaints_public_router  # noqa: E402

api.add_router("/public/complaints", complaints_public_router)
api.add_router("/complaints", "govapp.complaints.triage_api.router")

from govapp.compliance.api import router as compliance_router  # noqa: E402

api.add_router("/compliance", compliance_router)

from govapp.oversight.campaigns.api import router as campaigns_router  # noqa: E402

api.add_router("/campaigns", campaigns_router)

from govapp.public.api import router as public_router  # noqa: E402

api.add_router("/public", public_router)

from govapp.oversight.usage.api import public_router as usage_public_router  # noqa: E402
from govapp.oversight.usage.api import router as usage_router  # noqa: E402

api.add_router("/usage", usage_router)
api.add_router("/public/usage", usage_public_router)
from govapp.oversight.overlap.api import router as overlap_router  # noqa: E402

api.add_router("/overlap", overlap_router)
from govapp.oversight.ledger.api import public_router as ledger_public_router  # noqa: E402
from govapp.oversight.ledger.api import router as ledger_router  # noqa: E402

api.add_router("/ledger", ledger_router)
api.add_router("/public/ledger", ledger_public_router)
from govapp.reports.api import public_router as reports_public_router  # noqa: E402
from govapp.reports.api import router as reports_router  # noqa: E402

api.add_router("/reports", reports_router)
api.add_router("/public", reports_public_router)  # open data: /api/v1/public/registry.*
