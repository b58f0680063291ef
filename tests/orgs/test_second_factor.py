"""The optional TOTP second factor (issue 16 item 6): enrolment from the account page with a
QR code and the secret, login in two steps (the session is anonymous until the code passes),
replay and wrong codes refused, single-use recovery codes, lockout of the code step, disable
with a code, reset by an authorised manager only, enrolment forced for regulators by a
setting, and the API token endpoint.  Codes are computed with django-otp's own TOTP
functions from the stored key, as an authenticator app would."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from govapp.core import ratelimit
from govapp.core.models import AuditEvent
from govapp.orgs.models import RecoveryCode
from tests import factories as f

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SECURITY = "/accounts/security/"


@pytest.fixture(autouse=True)
def _fresh(settings):
    ratelimit.reset()
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the per-device back-off has its own test
    yield
    ratelimit.reset()


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` periods later)."""
    device.refresh_from_db()
    t = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    t.time = time.time() + steps_ahead * device.step
    return f"{t.token():0{device.digits}d}"


def enrol(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    client.post(SECURITY, {"action": "start"})
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # the previous period's code (within the tolerance of one step), so that the current
    # code is still unused for the login that follows
    r = client.post(SECURITY, {"action": "confirm", "code": code_for(device, steps_ahead=-1)})
    assert r.status_code == 200
    codes = re.findall(r"<li>([A-Z2-9]{5}-[A-Z2-9]{5})</li>", r.content.decode())
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


def password_step(client: Client, username: str):
    return client.post(LOGIN, {"username": username, "password": f.PASSWORD})


def test_enrol_from_the_account_page_shows_a_local_qr_code_and_the_secret():
    u = f.regulator("44", username="gd-2fa")
    c = Client()
    c.force_login(u)
    assert "未启用" in c.get(SECURITY).content.decode()
    c.post(SECURITY, {"action": "start"})
    page = c.get(SECURITY).content.decode()
    device = TOTPDevice.objects.get(user=u, confirmed=False)
    assert "<svg" in page and 'data-testid="totp-qr"' in page  # drawn here, no outside service
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    import base64

    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    assert "http" not in page.split('data-testid="totp-qr"')[1].split("</div>")[0].replace(
        "http://www.w3.org", ""
    )
    r = c.post(SECURITY, {"action": "confirm", "code": "000000"})
    assert r.status_code == 400 and "验证码不正确" in r.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    r = c.post(SECURITY, {"action": "confirm", "code": code_for(device)})
    codes = re.findall(r"<li>([A-Z2-9]{5}-[A-Z2-9]{5})</li>", r.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    stored = list(RecoveryCode.objects.filter(user=u).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
    assert all(code not in "".join(stored) for code in codes)  # only keyed hashes are kept
    assert AuditEvent.objects.filter(action="user.totp_enrol", object_id=str(u.pk)).exists()
    assert "已启用" in c.get(SECURITY).content.decode()


def test_login_asks_for_the_code_and_the_session_stays_anonymous_until_it_passes():
    u = f.regulator("44", username="gd-login")
    c = Client()
    c.force_login(u)
    device, _codes = enrol(c, u)
    c.logout()

    s = Client(REMOTE_ADDR="198.51.100.20")
    r = password_step(s, "gd-login")
    assert r.status_code == 302 and r["Location"] == CODE
    assert s.get("/").status_code == 302  # not logged in yet
    assert s.get("/api/v1/auth/me").status_code == 401
    r = s.post(CODE, {"code": "123456" if code_for(device) != "123456" else "654321"})
    assert r.status_code == 400 and "验证码不正确" in r.content.decode()
    assert s.get("/").status_code == 302
    code = code_for(device)
    r = s.post(CODE, {"code": code})
    assert r.status_code == 302 and r["Location"] == "/"
    assert s.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="user.login", object_id=str(u.pk)).last()
    assert event is not None and event.after == {"second_factor": "totp"}

    # the same code again (a replay, e.g. read over the shoulder) is refused
    replay = Client(REMOTE_ADDR="198.51.100.21")
    password_step(replay, "gd-login")
    r = replay.post(CODE, {"code": code})
    assert r.status_code == 400
    assert replay.get("/").status_code == 302
    # the next period's code is accepted
    r = replay.post(CODE, {"code": code_for(device, steps_ahead=1)})
    assert r.status_code == 302 and replay.get("/").status_code == 200


def test_code_page_without_the_password_step_sends_back_to_login():
    r = Client().post(CODE, {"code": "123456"})
    assert r.status_code == 302 and r["Location"] == LOGIN


def test_a_recovery_code_works_once():
    u = f.unit_member(f.unit("440106"), username="staff-rc")
    c = Client()
    c.force_login(u)
    _device, codes = enrol(c, u)
    a = Client(REMOTE_ADDR="198.51.100.30")
    password_step(a, "staff-rc")
    r = a.post(CODE, {"code": codes[0].lower().replace("-", " ")}, follow=True)
    assert r.status_code == 200 and "还剩 9 个" in r.content.decode()
    assert AuditEvent.objects.filter(action="user.recovery_code_use").count() == 1
    b = Client(REMOTE_ADDR="198.51.100.31")
    password_step(b, "staff-rc")
    r = b.post(CODE, {"code": codes[0]})
    assert r.status_code == 400 and b.get("/").status_code == 302
    assert RecoveryCode.objects.filter(user=u, used_at__isnull=False).count() == 1


def test_wrong_codes_count_against_the_login_lockout(settings):
    settings.GOVAPP_LOGIN_MAX_FAILURES = 3
    u = f.regulator("44", username="gd-lock")
    c = Client()
    c.force_login(u)
    device, _codes = enrol(c, u)
    s = Client(REMOTE_ADDR="203.0.113.40")
    password_step(s, "gd-lock")
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        s.post(CODE, {"code": wrong})
    r = s.post(CODE, {"code": right})
    assert r.status_code == 400 and "暂停登录" in r.content.decode()
    assert s.get("/").status_code == 302
    # the password step is locked for that address too, not for the owner's desk
    assert "暂停登录" in password_step(s, "gd-lock").content.decode()
    desk = Client(REMOTE_ADDR="198.51.100.41")
    assert password_step(desk, "gd-lock").status_code == 302
    assert desk.post(CODE, {"code": right}).status_code == 302


def test_the_device_backs_off_after_a_wrong_code(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    u = f.regulator("44", username="gd-throttle")
    c = Client()
    c.force_login(u)
    device, _codes = enrol(c, u)
    s = Client(REMOTE_ADDR="203.0.113.50")
    password_step(s, "gd-throttle")
    right = code_for(device)
    s.post(CODE, {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    r = s.post(CODE, {"code": right})  # right, but within the back-off after a failure
    assert r.status_code == 400 and s.get("/").status_code == 302
    # the page says how long to wait; it is not the login lockout
    page = r.content.decode()
    assert "请等待 60 秒" in page and "失败次数过多" not in page


def test_disable_needs_a_current_code():
    u = f.regulator("44", username="gd-off")
    c = Client()
    c.force_login(u)
    device, _codes = enrol(c, u)
    right = code_for(device)
    r = c.post(SECURITY, {"action": "disable", "code": "000000" if right != "000000" else "1"})
    assert r.status_code == 400
    assert TOTPDevice.objects.filter(user=u, confirmed=True).exists()
    r = c.post(SECURITY, {"action": "disable", "code": right})
    assert r.status_code == 302, re.findall(r'role="alert">([^<]*)<', r.content.decode())
    assert not TOTPDevice.objects.filter(user=u).exists()
    assert not RecoveryCode.objects.filter(user=u).exists()
    assert AuditEvent.objects.filter(action="user.totp_disable", object_id=str(u.pk)).exists()
    assert password_step(Client(REMOTE_ADDR="198.51.100.60"), "gd-off")["Location"] == "/"


def test_reset_by_the_units_manager_but_not_by_a_foreign_one():
    unit = f.unit("440106")
    manager = f.unit_member(unit, username="mgr-2fa")
    staff = f.unit_member(unit, role="unit_filer", username="staff-2fa")
    foreign = f.unit_member(f.unit("510104"), username="mgr-sc")
    s = Client()
    s.force_login(staff)
    enrol(s, staff)
    m = Client()
    m.force_login(foreign)
    r = m.post(f"/orgs/users/{staff.pk}/", {"action": "reset_totp"})
    assert r.status_code in (403, 404)
    assert TOTPDevice.objects.filter(user=staff).exists()
    from govapp.core.errors import NotAllowed
    from govapp.orgs.services import totp_reset

    with pytest.raises(NotAllowed):
        totp_reset(actor=foreign, user=staff)
    assert not AuditEvent.objects.filter(action="user.totp_reset").exists()
    m.force_login(manager)
    page = m.get(f"/orgs/users/{staff.pk}/").content.decode()
    assert "重置两步验证" in page
    r = m.post(f"/orgs/users/{staff.pk}/", {"action": "reset_totp"}, follow=True)
    assert "已重置两步验证" in r.content.decode()
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not RecoveryCode.objects.filter(user=staff).exists()
    event = AuditEvent.objects.get(action="user.totp_reset")
    assert event.actor == manager and event.object_id == str(staff.pk)
    # the staff member logs in with the password alone again
    assert password_step(Client(REMOTE_ADDR="198.51.100.70"), "staff-2fa")["Location"] == "/"


def test_a_national_regulator_resets_a_provincial_reviewer():
    cac = f.regulator(username="cac-2fa")
    gd = f.regulator("44", username="gd-reset")
    g = Client()
    g.force_login(gd)
    enrol(g, gd)
    n = Client()
    n.force_login(cac)
    n.post(f"/orgs/users/{gd.pk}/", {"action": "reset_totp"})
    assert not TOTPDevice.objects.filter(user=gd).exists()


def test_setting_forces_regulators_to_enrol_at_login(settings):
    settings.GOVAPP_REQUIRE_TOTP_FOR_REGULATORS = True
    f.regulator("44", username="gd-forced")
    f.unit_member(f.unit("440106"), username="unit-free")
    unit_client = Client(REMOTE_ADDR="198.51.100.80")
    assert password_step(unit_client, "unit-free")["Location"] == "/"  # units are not forced

    s = Client(REMOTE_ADDR="198.51.100.81")
    r = password_step(s, "gd-forced")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/enrol/"
    page = s.get("/accounts/login/enrol/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert s.get("/").status_code == 302  # nothing else is open before enrolment
    device = TOTPDevice.objects.get(user__username="gd-forced", confirmed=False)
    r = s.post(
        "/accounts/login/enrol/", {"code": "999999" if code_for(device) != "999999" else "1"}
    )
    assert r.status_code == 400 and s.get("/").status_code == 302
    r = s.post("/accounts/login/enrol/", {"code": code_for(device)})
    assert r.status_code == 200 and 'data-testid="recovery-codes"' in r.content.decode()
    assert s.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    # from now on the code step
    again = Client(REMOTE_ADDR="198.51.100.82")
    assert password_step(again, "gd-forced")["Location"] == CODE


def test_api_token_needs_the_code_once_enrolled(settings):
    u = f.regulator("44", username="gd-api")
    c = Client()
    c.force_login(u)
    device, _codes = enrol(c, u)
    api = Client(REMOTE_ADDR="198.51.100.90")
    body = {"username": "gd-api", "password": f.PASSWORD}
    r = api.post("/api/v1/auth/token", body, content_type="application/json")
    assert r.status_code == 401 and "otp" in r.json()["detail"]
    r = api.post("/api/v1/auth/token", {**body, "otp": "000000"}, content_type="application/json")
    assert r.status_code == 401
    r = api.post(
        "/api/v1/auth/token",
        {**body, "otp": code_for(device)},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["token"].startswith("gva_")
    settings.GOVAPP_REQUIRE_TOTP_FOR_REGULATORS = True
    f.regulator("51", username="sc-api")
    r = api.post(
        "/api/v1/auth/token",
        {"username": "sc-api", "password": f.PASSWORD},
        content_type="application/json",
    )
    assert r.status_code == 403
