"""One error model for every app: a refusal a person can understand and act on.

Services raise these; the API answers them in one JSON shape (``{"detail": ..., "errors":
{field: message}}``, see :func:`install_api_handler`), and views show them with
:func:`add_to_form` or :func:`message`. Every message is a translated sentence that says what was
wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib import messages
from django.http import HttpRequest
from django.utils.functional import Promise


class GovappError(Exception):
    """Base of every refusal. ``errors`` maps field names to messages (may be empty)."""

    status_code: ClassVar[int] = 409

    def __init__(
        self, message: str | Promise, errors: Mapping[str, str | Promise] | None = None
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.errors = {k: str(v) for k, v in (errors or {}).items()}

    def as_json(self) -> dict[str, Any]:
        return {"detail": self.message, "errors": self.errors}


class InvalidInput(GovappError):
    """The input is wrong; ``errors`` says which fields (400 in the API)."""

    status_code = 400


class NotAllowed(GovappError):
    """The actor may not do this at all (403)."""

    status_code = 403


class NotFound(GovappError):
    """Nothing of that kind within the actor's reach (404; never says whether it exists)."""

    status_code = 404


class Conflict(GovappError):
    """The object is no longer in a state that allows this, or someone changed it (409)."""

    status_code = 409


def install_api_handler(api: Any) -> None:
    """Answer every GovappError raised in an endpoint with its status and the JSON shape."""

    def handle(request: HttpRequest, exc: GovappError) -> Any:
        return api.create_response(request, exc.as_json(), status=exc.status_code)

    api.add_exception_handler(GovappError, handle)


def add_to_form(form: Any, exc: GovappError) -> None:
    """Show a service's refusal on a Django form: field errors beside their fields (when the
    form has them), the rest at the top."""
    placed = False
    for name, text in exc.errors.items():
        if name in getattr(form, "fields", {}):
            form.add_error(name, text)
            placed = True
    if not placed or exc.message:
        form.add_error(None, exc.message)


def message(request: HttpRequest, exc: GovappError) -> None:
    """Show a service's refusal as a page message (for actions without a form)."""
    messages.error(request, exc.message)
    for text in exc.errors.values():
        messages.error(request, text)
