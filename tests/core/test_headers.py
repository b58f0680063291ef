"""Transport and headers: CSP on every page, frame ancestors of the complaint page from the
unit's registration, no-store on personal data, Secure cookies and HSTS over HTTPS."""

from __future__ import annotations

import pytest
from django.test import Client

from govapp.complaints import services as complaint_services
from tests import factories as f

pytestmark = pytest.mark.django_db


def _csp(resp) -> dict[str, str]:
    header = resp["Content-Security-Policy"]
    return {d.split()[0]: d.strip() for d in header.split(";") if d.strip()}


def test_every_page_has_a_strict_csp_and_no_inline_script():
    c = Client()
    for url in ("/accounts/login/", "/public/", "/complaints/"):
        r = c.get(url)
        assert r.status_code == 200, url
        csp = _csp(r)
        assert csp["script-src"] == "script-src 'self'"
        assert csp["frame-ancestors"] == "frame-ancestors 'none'"
        html = r.content.decode()
        assert "<script>" not in html and " onclick=" not in html and " onsubmit=" not in html
    c.force_login(f.regulator())
    r = c.get("/")
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert "behaviour.js" in r.content.decode()


def test_personal_pages_and_api_are_not_stored():
    u = f.regulator()
    c = Client()
    c.force_login(u)
    assert c.get("/").get("Cache-Control") == "no-store"
    assert c.get("/api/v1/auth/me").get("Cache-Control") == "no-store"
    assert Client().get("/complaints/").get("Cache-Control", "").find("no-store") >= 0
    assert "no-store" not in Client().get("/public/").get("Cache-Control", "")


def test_complaint_page_frame_ancestors_are_those_the_unit_registered(settings):
    from tests.complaints.factories import world

    w = world()
    key = complaint_services.app_complaint_key_ensure(app=w.app)
    c = Client()
    r = c.get(f"/complaints/app/{key.key}/")
    assert _csp(r)["frame-ancestors"] == "frame-ancestors 'self'"
    manager = f.unit_member(w.unit)
    with pytest.raises(Exception, match="来源格式不正确"):
        complaint_services.complaint_key_frame_ancestors_set(
            key=key, origins="javascript:alert(1)", actor=manager
        )
    outsider = f.unit_member(f.unit("510104"))
    with pytest.raises(Exception, match="无权"):
        complaint_services.complaint_key_frame_ancestors_set(
            key=key, origins="https://evil.example", actor=outsider
        )
    m = Client()
    m.force_login(manager)
    m.post(
        "/complaints/unit/",
        {"app": w.app.pk, "frame_ancestors": "https://app.gz.gov.cn\nhttps://m.gz.gov.cn:8443"},
    )
    r = c.get(f"/complaints/app/{key.key}/")
    assert _csp(r)["frame-ancestors"] == (
        "frame-ancestors 'self' https://app.gz.gov.cn https://m.gz.gov.cn:8443"
    )
    assert "X-Frame-Options" not in r


def test_http_origins_can_be_registered_only_where_the_intranet_allows_them(settings):
    """GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP lets registered http:// origins frame the page; the
    unit must then also be able to register them (it could not before: the embedded page was
    unreachable on such intranets)."""
    from tests.complaints.factories import world

    w = world()
    key = complaint_services.app_complaint_key_ensure(app=w.app)
    manager = f.unit_member(w.unit)
    settings.GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP = False
    with pytest.raises(Exception, match="来源格式不正确"):
        complaint_services.complaint_key_frame_ancestors_set(
            key=key, origins="http://oa.gz.gov.cn:8080", actor=manager
        )
    settings.GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP = True
    complaint_services.complaint_key_frame_ancestors_set(
        key=key, origins="http://oa.gz.gov.cn:8080", actor=manager
    )
    r = Client().get(f"/complaints/app/{key.key}/")
    assert _csp(r)["frame-ancestors"] == "frame-ancestors 'self' http://oa.gz.gov.cn:8080"
    with pytest.raises(Exception, match="来源格式不正确"):
        complaint_services.complaint_key_frame_ancestors_set(
            key=key, origins="ftp://oa.gz.gov.cn", actor=manager
        )


def test_https_settings_from_the_environment():
    import subprocess
    import sys

    code = (
        "import govapp.settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"GOVAPP_HTTPS": "1", "GOVAPP_SECRET_KEY": "x" * 50, "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["True", "True", "31536000", "HTTP_X_FORWARDED_PROTO"]


def test_s3_storage_from_the_environment():
    import subprocess
    import sys

    code = (
        "import govapp.settings as s; d = s.STORAGES['default'];"
        "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['endpoint_url'])"
    )
    env = {
        "GOVAPP_S3_BUCKET": "govapp-files",
        "GOVAPP_S3_ENDPOINT_URL": "https://oss.internal",
        "GOVAPP_SECRET_KEY": "x" * 50,
        "PATH": "/usr/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["storages.backends.s3.S3Storage", "govapp-files", "https://oss.internal"]
