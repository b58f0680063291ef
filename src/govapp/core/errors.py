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
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils.functional import Promise
from ninja import Schema


class ErrorOut(Schema):
    """The one error shape of the API, as every route documents it: what was wrong, and per
    field where it applies (the answer of :func:`install_api_handler`)."""

    detail: str
    errors: dict[str, str] = {}


class GovappError(Exception):
    """Base of every refusal. ``errors`` maps field names to messages (may be empty)."""

    status_code: ClassVar[int] = 409

    def __init__(
        self, message: str | Promise, errors: Mapping[str, str | Promise] | None = None
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.errors = {k: str(v) for k, v in (errors or {}).items()}

    @property
    def messages(self) -> list[str]:
        """Every sentence for a person, each once: ``message`` first, then the field errors
        that say something else (pages that list errors show these)."""
        out = [self.message] if self.message else []
        for text in self.errors.values():
            if text not in out:
                out.append(text)
        return out

    def as_json(self) -> dict[str, Any]:
        return {"detail": self.message, "errors": self.errors}


class InvalidInput(GovappError):
    """The input is wrong; ``errors`` says which fields (400 in the API)."""

    status_code = 400


def invalid_input(exc: ValidationError, field: str = "") -> InvalidInput:
    """Django's own validation (a model's ``full_clean``, the password validators) as an
    :class:`InvalidInput`: each message under its field (``field`` for a plain list; a second
    message of the same field as ``field.2`` ...), the first one as the sentence."""
    pairs: list[tuple[str, str]] = []
    if hasattr(exc, "error_dict"):
        for name, texts in exc.message_dict.items():
            key = "" if name == NON_FIELD_ERRORS else name
            pairs.extend((key, text) for text in texts)
    else:
        pairs.extend((field, text) for text in exc.messages)
    errors: dict[str, str] = {}
    for name, text in pairs:
        key, n = name or "__all__", 1
        while key in errors:
            n += 1
            key = f"{name or '__all__'}.{n}"
        errors[key] = text
    return InvalidInput(pairs[0][1] if pairs else "", errors)


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
    top: list[str] = []
    for name, text in exc.errors.items():
        if name in getattr(form, "fields", {}):
            form.add_error(name, text)
            placed = True
        elif text != exc.message and text not in top:
            top.append(text)
    if not placed or exc.message:
        form.add_error(None, exc.message)
    for text in top:
        form.add_error(None, text)


def message(request: HttpRequest, exc: GovappError) -> None:
    """Show a service's refusal as page messages (for actions without a form), each sentence
    once."""
    for text in exc.messages:
        messages.error(request, text)


ERROR_SCHEMA_NAME = "GovappError"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "description": "Every refusal: `detail` a sentence that says what to do; `errors` field -> "
    "message where fields were wrong.",
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["detail"],
}
_ERROR_TEXT = {
    400: "Invalid input (InvalidInput)",
    401: "Not logged in: no or an invalid token or session",
    403: "Not allowed: role, jurisdiction, CSRF or a password change pending (NotAllowed)",
    404: "Not found, or not within the caller's jurisdiction (NotFound)",
    409: "The object's state does not allow this (Conflict)",
    413: "Request body too large",
    422: "Request parameters or body do not match the schema",
    429: "Too many requests: retry after the Retry-After seconds",
}
_BODY_METHODS = {"post", "put", "patch", "delete"}


def document_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error answers every operation can give to the OpenAPI ``schema`` (in place),
    where its route does not document them itself, all in the one JSON shape above:

    - with a login (a ``security`` requirement): 401 without one, 403 for a role, the
      jurisdiction, CSRF or a pending password change;
    - with parameters or a body: 422 (schema validation) and 400 (a service's InvalidInput);
    - with a path parameter, a query or a body: 404 (NotFound: an object named there does
      not exist or is outside the caller's jurisdiction);
    - methods that change data: 409 (Conflict), with a body also 413 (the body limit);
    - without a login (public endpoints): 429 (the shared rate limits).

    The fuzzing gate (tests/test_api_fuzz.py) checks every answer against these."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_SCHEMA_NAME, ERROR_SCHEMA)
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for path, operations in (schema.get("paths") or {}).items():
        for method, op in operations.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            params = op.get("parameters") or []
            codes: set[int] = set()
            if op.get("security"):
                codes |= {401, 403}
            else:
                codes.add(429)
            if params or op.get("requestBody"):
                codes |= {400, 422}
            if "{" in path or params or op.get("requestBody"):
                codes.add(404)  # an id in the path, query or body that is not within reach
            if method in _BODY_METHODS:
                codes.add(409)
                if op.get("requestBody"):
                    codes.add(413)
            responses = op["responses"]
            documented = {str(k) for k in responses}
            for code in sorted(codes):
                if str(code) not in documented:
                    responses[code] = {
                        "description": _ERROR_TEXT[code],
                        "content": {"application/json": {"schema": ref}},
                    }
    return schema
