"""API: token issue, Bearer auth, revocation, and jurisdiction on every endpoint."""

from __future__ import annotations

import pytest
from django.test import Client

from govapp.orgs.models import ApiToken
from tests import factories as f

pytestmark = pytest.mark.django_db


def _token(client: Client, username: str, password: str = f.PASSWORD) -> str:
    resp = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    return str(resp.json()["token"])


def _get(client: Client, url: str, token: str) -> object:
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_token_issue_and_bearer_auth(client: Client) -> None:
    f.regulator("44", username="gd")
    token = _token(client, "gd")
    me = _get(client, "/api/v1/auth/me", token)
    assert me.status_code == 200  # type: ignore[attr-defined]
    assert me.json()["roles"] == ["provincial_cac_reviewer"]  # type: ignore[attr-defined]
    # Stored hashed only.
    assert not ApiToken.objects.filter(key_hash=token).exists()


def test_bad_credentials_and_no_auth(client: Client) -> None:
    f.regulator("44", username="gd")
    resp = client.post(
        "/api/v1/auth/token",
        {"username": "gd", "password": "nope"},
        content_type="application/json",
    )
    assert resp.status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401
    assert _get(client, "/api/v1/auth/me", "gva_forged").status_code == 401  # type: ignore[attr-defined]


def test_lockout_via_api(client: Client) -> None:
    f.regulator("44", username="gd")
    codes = [
        client.post(
            "/api/v1/auth/token",
            {"username": "gd", "password": "nope"},
            content_type="application/json",
        ).status_code
        for _ in range(6)
    ]
    assert codes[:4] == [401] * 4
    assert codes[4] == 429 and codes[5] == 429


def test_revoked_token_stops_working(client: Client) -> None:
    f.regulator("44", username="gd")
    token = _token(client, "gd")
    row = ApiToken.objects.get()
    resp = client.delete(f"/api/v1/auth/tokens/{row.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert resp.status_code == 200
    assert _get(client, "/api/v1/auth/me", token).status_code == 401  # type: ignore[attr-defined]


def test_units_api_is_jurisdiction_filtered(client: Client) -> None:
    gz = f.unit("440106", name="广州单位")
    cd = f.unit("510104", name="成都单位")
    f.regulator("44", username="gd")
    token = _token(client, "gd")
    names = {u["name"] for u in _get(client, "/api/v1/orgs/units", token).json()["items"]}  # type: ignore[attr-defined]
    assert "广州单位" in names and "成都单位" not in names
    assert _get(client, f"/api/v1/orgs/units/{gz.pk}", token).status_code == 200  # type: ignore[attr-defined]
    assert _get(client, f"/api/v1/orgs/units/{cd.pk}", token).status_code == 404  # type: ignore[attr-defined]


def test_audit_api_is_jurisdiction_filtered(client: Client) -> None:
    f.unit("440106", name="广州单位")
    f.unit("510104", name="成都单位")
    f.regulator("44", username="gd")
    token = _token(client, "gd")
    items = _get(client, "/api/v1/audit/events?limit=500", token).json()["items"]  # type: ignore[attr-defined]
    reprs = {e["object_repr"] for e in items}
    assert "广州单位" in reprs and "成都单位" not in reprs
    gzu = f.unit_member(f.unit("440106"), username="gzu")
    assert gzu
    assert _get(client, "/api/v1/audit/events", _token(client, "gzu")).status_code == 403  # type: ignore[attr-defined]


def test_session_auth_needs_csrf_for_writes() -> None:
    f.regulator("44", username="gd")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(f.User.objects.get(username="gd"))
    assert browser.get("/api/v1/auth/me").status_code == 200
    ApiToken.objects.create(user=f.User.objects.get(username="gd"), prefix="p", key_hash="h" * 64)
    row = ApiToken.objects.get()
    assert browser.delete(f"/api/v1/auth/tokens/{row.pk}").status_code == 403
    row.refresh_from_db()
    assert row.revoked_at is None


def test_openapi_and_local_docs(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/api/v1/auth/token" in paths
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/ninja/" in docs
