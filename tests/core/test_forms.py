"""Page input through forms (issue 9 item 3, ADR 0005): a refused write keeps what was typed
and says what is wrong; the grant permission lives in the service; API refusals have one
JSON shape."""

from __future__ import annotations

import pytest
from django.test import Client

from govapp.core.errors import NotAllowed
from govapp.orgs.models import Grant, Role, UnitKind
from govapp.orgs.services import grant_create, grant_revoke
from govapp.registry.models import App
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_app_registration_refused_by_the_form_keeps_what_was_typed() -> None:
    unit = f.unit("440106", UnitKind.ADMIN_ORGAN)
    member = f.unit_member(unit)
    r = _client(member).post(
        "/registry/apps/new/",
        {"unit": str(unit.pk), "name": "穗政通", "kind": "not-a-kind", "target_users": "市民"},
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert not App.objects.filter(name="穗政通").exists()
    assert 'value="穗政通"' in page and 'value="市民"' in page  # typed input kept
    assert "not-a-kind" in page  # the form names the bad choice beside the field


def test_grant_permission_is_checked_in_the_service() -> None:
    unit = f.unit("440106", UnitKind.ADMIN_ORGAN)
    manager = f.unit_member(unit, Role.UNIT_MANAGER)
    colleague = f.unit_member(unit, Role.UNIT_FILER)
    with pytest.raises(NotAllowed):  # a unit manager cannot make anyone a national regulator
        grant_create(actor=manager, user=colleague, role=Role.NATIONAL_REGULATOR)
    assert not Grant.objects.filter(user=colleague, role=Role.NATIONAL_REGULATOR).exists()
    national = f.regulator()
    grant = grant_create(actor=national, user=colleague, role=Role.AUDITOR)
    with pytest.raises(NotAllowed):
        grant_revoke(actor=manager, grant=grant)
    assert Grant.objects.filter(pk=grant.pk).exists()


def test_api_refusals_answer_in_one_shape() -> None:
    r = _client(f.unit_member(f.unit("440106", UnitKind.ADMIN_ORGAN))).get("/api/v1/audit/events")
    assert r.status_code == 403
    body = r.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
