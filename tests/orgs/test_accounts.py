"""Accounts: lockout that strangers cannot use against a real user, one answer for unknown
users and wrong passwords, password change, reset with forced change, validators, idle
session expiry."""

from __future__ import annotations

import pytest
from django.test import Client

from govapp.core.models import AuditEvent
from govapp.orgs.models import ApiToken, User
from govapp.orgs.services import token_issue
from tests import factories as f

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str = f.PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_stranger_cannot_lock_out_the_real_user():
    f.regulator("44", username="gd")
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(6):
        _login(stranger, "gd", "guess")
    assert "暂停登录" in _login(stranger, "gd").content.decode()  # locked for the stranger
    owner = Client(REMOTE_ADDR="198.51.100.10")
    assert _login(owner, "gd").status_code == 302  # the owner's desk still logs in


def test_unknown_user_and_wrong_password_get_the_same_answers():
    f.regulator("44", username="gd")
    a, b = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")
    pages_a = [_login(a, "gd", "wrong") for _ in range(6)]
    pages_b = [_login(b, "nobody-here", "wrong") for _ in range(6)]
    for ra, rb in zip(pages_a, pages_b, strict=True):
        assert ra.status_code == rb.status_code
        text_a = ra.content.decode().replace("gd", "USER")
        text_b = rb.content.decode().replace("nobody-here", "USER")
        assert ("不正确" in text_a) == ("不正确" in text_b)
        assert ("暂停登录" in text_a) == ("暂停登录" in text_b)


def test_one_address_trying_many_accounts_is_stopped(settings):
    settings.GOVAPP_LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    f.regulator("44", username="gd")
    c = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("a1", "a2", "a3", "a4"):
        _login(c, name, "x")
    assert "暂停登录" in _login(c, "gd").content.decode()


def test_password_change_applies_validators():
    u = f.regulator("44", username="gd")
    c = Client()
    c.force_login(u)
    r = c.post(
        "/accounts/password/",
        {"old_password": f.PASSWORD, "new_password": "12345678", "new_password2": "12345678"},
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "msg-error" in body
    good = "Lan-Qiao-2026-river"
    r = c.post(
        "/accounts/password/",
        {"old_password": f.PASSWORD, "new_password": good, "new_password2": good},
    )
    assert r.status_code == 302
    u.refresh_from_db()
    assert u.check_password(good)
    assert AuditEvent.objects.filter(action="user.password_change").exists()
    assert c.get("/").status_code == 200  # the session survived the change


def test_reset_by_a_unit_manager_forces_a_change_at_next_login():
    unit = f.unit("440106")
    manager = f.unit_member(unit, username="mgr")
    staff = f.unit_member(unit, role="unit_filer", username="staff1")
    other_manager = f.unit_member(f.unit("510104"), username="mgr2")
    token_issue(actor=staff, user=staff, name="t")
    m = Client()
    m.force_login(other_manager)
    m.post(f"/orgs/users/{staff.pk}/", {"action": "reset_password"})
    staff.refresh_from_db()
    assert not staff.must_change_password  # another unit's manager cannot reset
    m.force_login(manager)
    r = m.post(f"/orgs/users/{staff.pk}/", {"action": "reset_password"}, follow=True)
    text = r.content.decode()
    assert "临时密码" in text
    temporary = text.split("临时密码：")[1][:19]
    staff.refresh_from_db()
    assert staff.must_change_password and staff.check_password(temporary)
    assert not ApiToken.objects.filter(user=staff, revoked_at__isnull=True).exists()
    s = Client()
    assert _login(s, "staff1", temporary).status_code == 302
    r = s.get("/")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    assert s.get("/api/v1/auth/me").status_code == 403
    new = "Bamboo-Garden-4471"
    s.post(
        "/accounts/password/",
        {"old_password": temporary, "new_password": new, "new_password2": new},
    )
    assert s.get("/").status_code == 200
    assert not User.objects.get(pk=staff.pk).must_change_password


def test_sessions_expire_when_idle(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE == settings.GOVAPP_SESSION_IDLE_MINUTES * 60 <= 3600
    u = f.regulator("44", username="gd")
    c = Client()
    _login(c, "gd")
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.update(expire_date=timezone.now())
    assert c.get("/").status_code == 302
    assert u.pk
