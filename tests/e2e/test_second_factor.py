"""The TOTP second factor in a real browser: a provincial reviewer enrols on the account page
(QR code and secret, confirmed with a code computed from the stored key as an authenticator
app would), keeps the recovery codes, logs out, and logs in again with password and code."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import demo_world, login, logout, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    t = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    t.time = time.time() + steps_ahead * device.step
    return f"{t.token():06d}"


def test_enrol_and_log_in_with_a_code(live_server: Any, page: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_world()
    base = live_server.url
    login(page, base, "gd-cac")
    page.click("a:has-text('账号安全')")
    page.wait_for_url(f"{base}/accounts/security/")
    page.click("button:has-text('启用两步验证')")
    page.wait_for_selector("[data-testid=totp-qr] svg")
    secret = page.inner_text("[data-testid=totp-secret]")
    device = TOTPDevice.objects.get(user__username="gd-cac", confirmed=False)
    import base64

    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    shot(page, "accounts-1-totp-enrol")
    page.fill("#id_code", _code(device, -1))
    page.click("button:has-text('确认启用')")
    page.wait_for_selector("[data-testid=recovery-codes]")
    codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "accounts-2-recovery-codes")
    page.click("text=我已保存，继续")
    page.wait_for_selector("[data-testid=totp-status]:has-text('已启用')")
    logout(page)

    page.fill("#id_username", "gd-cac")
    from govapp.orgs.demo import DEMO_PASSWORD

    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/accounts/login/code/")
    page.fill("#id_code", "000000" if _code(device) != "000000" else "111111")
    page.click("button:has-text('验证并登录')")
    page.wait_for_selector("text=验证码不正确")
    page.wait_for_timeout(1500)  # django-otp's back-off after a wrong code is 1 s
    page.fill("#id_code", _code(device))
    shot(page, "accounts-3-login-code")
    page.click("button:has-text('验证并登录')")
    page.wait_for_url(f"{base}/")
    assert page.locator(".whoami").count() == 1
