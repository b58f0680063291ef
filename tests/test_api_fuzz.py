"""The fuzzing gate: generated requests against /api/v1/openapi.json, as every kind of user
(none, the national regulator, a provincial reviewer, a hosting unit's manager, an auditor).
No answer may be a 500, every status code must be one the operation documents (401, 403,
404, 422 ... in the one error shape, core.errors.document_error_responses), with the
documented content type, and every body must match the documented schema.  A bounded number
of examples per operation here (``GOVAPP_FUZZ_EXAMPLES``, default 1); benchmarks/fuzz_api.py
runs longer.  Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from govapp.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = int(os.environ.get("GOVAPP_FUZZ_EXAMPLES", "1"))
# The coverage phase sends dozens of boundary and negative requests per operation (minutes on
# the CI machine); the bounded gate generates EXAMPLES requests per operation and role, the
# longer run (benchmarks/fuzz_api.py) adds the coverage phase.
schema.config.phases.coverage.enabled = os.environ.get("GOVAPP_FUZZ_COVERAGE", "") == "1"
ROLES = ["anonymous", "national", "province", "unit", "auditor"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI application directly, and Django's request signals run
    close_old_connections, which closes a connection that is inside the test's transaction
    (PostgreSQL; SQLite's in-memory test database ignores it).  Django's own test client
    disconnects the same handler around each request; do that for the fuzz run."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def role_headers(settings, keep_test_connection) -> dict[str, dict[str, str]]:
    from govapp.orgs.services import token_issue
    from tests import factories as f

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {
        "national": f.regulator(),
        "province": f.regulator("44"),
        "unit": f.unit_member(f.unit("440106")),
        "auditor": f.auditor(),
    }
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for name, user in users.items():
        _t, raw = token_issue(actor=user, user=user, name="fuzz")
        headers[name] = {"Authorization": f"Bearer {raw}"}
    return headers


@pytest.mark.django_db
@schema.parametrize()
@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_without_500_and_as_documented(case, role_headers, settings):
    """Each generated request is sent as every role (one test per operation: the users are
    made once per operation, not once per role)."""
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    settings.GOVAPP_COMPLAINT_RATE = None
    settings.GOVAPP_COMPLAINT_RATE_UNPROVEN = None
    settings.GOVAPP_COMPLAINT_LOOKUP_RATE = None
    for role in ROLES:
        try:
            case.call_and_validate(headers=role_headers[role], checks=CHECKS)
        except Exception as exc:
            exc.add_note(f"as role: {role}")
            raise


def test_every_operation_documents_its_error_answers():
    """The error answers are in the schema itself (not only in what the gate tolerates)."""
    from govapp.api import api

    doc = api.get_openapi_schema()
    assert "GovappError" in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            codes = {int(c) for c in op["responses"]}
            if op.get("security"):
                assert {401, 403} <= codes, (method, path)
            if "{" in path:
                assert 404 in codes, (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert 422 in codes, (method, path)
