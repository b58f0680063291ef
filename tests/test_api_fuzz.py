"""The fuzzing gate: generated requests against /api/v1/openapi.json, as every kind of user
(none, the national regulator, a provincial reviewer, a hosting unit's manager, an auditor).
No answer may be a 500, and every answer must match the documented schema.  A bounded number
of examples per operation here (``GOVAPP_FUZZ_EXAMPLES``, default 1); benchmarks/fuzz_api.py
runs longer."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from govapp.wsgi import application

# Schemathesis calls the WSGI application directly, so Django's end-of-request signal closes
# the database connection of the test's transaction; on PostgreSQL that ends the test (on SQLite
# the connection survives). The gate runs on SQLite in CI; the longer run is benchmarks/fuzz_api.py.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs on SQLite: the WSGI calls close the PostgreSQL test connection",
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = int(os.environ.get("GOVAPP_FUZZ_EXAMPLES", "1"))
ROLES = ["anonymous", "national", "province", "unit", "auditor"]


@pytest.fixture
def role_headers(settings) -> dict[str, dict[str, str]]:
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
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_without_500_and_as_documented(case, role, role_headers, settings):
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    settings.GOVAPP_COMPLAINT_RATE = None
    settings.GOVAPP_COMPLAINT_RATE_UNPROVEN = None
    settings.GOVAPP_COMPLAINT_LOOKUP_RATE = None
    case.call_and_validate(
        headers=role_headers[role],
        checks=[not_a_server_error, response_schema_conformance],
    )
