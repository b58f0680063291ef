"""Services of orgs refuse with core.errors (issue 9): field errors under the input's name,
Django's own validation converted, NotAllowed for what the actor may not do; views narrow
request.user to the User the services store."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from govapp.core.errors import InvalidInput, NotAllowed
from govapp.orgs.models import Role, Unit, UnitKind
from govapp.orgs.requests import authenticated_user
from govapp.orgs.services import (
    grant_create,
    unit_create,
    user_password_change,
    user_set_active,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_grant_of_the_wrong_shape_names_the_field():
    u = f.user()
    with pytest.raises(InvalidInput) as exc:
        grant_create(actor=None, user=u, role=Role.UNIT_MANAGER)
    assert exc.value.errors == {"unit": "主办单位角色必须指定单位。"}
    assert exc.value.messages == ["主办单位角色必须指定单位。"]
    assert exc.value.status_code == 400


def test_a_model_that_does_not_validate_is_refused_field_by_field():
    with pytest.raises(InvalidInput) as exc:
        unit_create(actor=None, name="", kind=UnitKind.ADMIN_ORGAN, division=f.division("440106"))
    assert "name" in exc.value.errors
    assert exc.value.message == exc.value.errors["name"]
    assert not Unit.objects.filter(name="").exists()


def test_password_refusals_say_which_field():
    u = f.regulator("44", username="gd")
    with pytest.raises(InvalidInput) as exc:
        user_password_change(actor=u, user=u, old_password="wrong", new_password="x" * 12)
    assert exc.value.errors == {"old_password": "原密码不正确。"}
    with pytest.raises(InvalidInput) as exc:
        user_password_change(actor=u, user=u, old_password=f.PASSWORD, new_password="12345678")
    # every validator's sentence under new_password, new_password.2 ...
    assert exc.value.errors and all(k.startswith("new_password") for k in exc.value.errors)
    assert len(exc.value.messages) == len(exc.value.errors) >= 2
    other = f.regulator("44")
    with pytest.raises(NotAllowed):
        user_password_change(actor=other, user=u, old_password=f.PASSWORD, new_password="y" * 12)


def test_managing_an_account_out_of_reach_is_not_allowed():
    unit = f.unit("440106")
    manager = f.unit_member(unit, username="mgr")
    stranger = f.regulator("51")
    with pytest.raises(NotAllowed, match="无权管理"):
        user_set_active(actor=manager, user=stranger, active=False)
    with pytest.raises(InvalidInput) as exc:
        user_set_active(actor=manager, user=manager, active=False)
    assert exc.value.errors == {"active": "不能停用自己的账号。"}


def test_the_password_page_shows_the_service_refusal():
    u = f.regulator("44", username="gd")
    c = Client()
    c.force_login(u)
    r = c.post(
        "/accounts/password/",
        {
            "old_password": "wrong",
            "new_password": "Lan-Qiao-2026",
            "new_password2": "Lan-Qiao-2026",
        },
    )
    assert r.status_code == 400
    assert r.content.decode().count("原密码不正确。") == 1


def test_authenticated_user_narrows_request_user():
    u = f.regulator("44")
    request = RequestFactory().get("/")
    request.user = u
    assert authenticated_user(request) == u
    request.user = AnonymousUser()
    with pytest.raises(NotAllowed):
        authenticated_user(request)
    u.is_active = False
    request.user = u
    with pytest.raises(NotAllowed):
        authenticated_user(request)
