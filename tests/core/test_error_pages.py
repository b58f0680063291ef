"""Error pages speak the user's language and reveal nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_404_page_is_friendly_and_translated(client: Client) -> None:
    resp = client.get("/no/such/page/")
    assert resp.status_code == 404
    assert "页面不存在" in resp.content.decode()


def test_403_page_explains(client: Client) -> None:
    f.regulator("44", username="gd")
    client.force_login(f.User.objects.get(username="gd"))
    resp = client.get("/orgs/users/new/")
    assert resp.status_code == 403
    assert "无权" in resp.content.decode()


def test_500_page_renders_without_context() -> None:
    from django.template.loader import get_template

    html = get_template("500.html").render({})
    assert "系统暂时出错了" in html and "Server error" in html
