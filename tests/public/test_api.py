from __future__ import annotations

import pytest
from django.test import Client

from govapp.public.selectors import normalise_hash, registry_changed
from govapp.registry.models import App, AppStatus
from tests import factories as f
from tests.public import factories as pf

pytestmark = pytest.mark.django_db

API = "/api/v1/public"


@pytest.fixture(autouse=True)
def _no_limit(settings):
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None


def get(path: str, **params):
    return Client().get(API + path, params)


def test_search_contract_fields_and_no_internal_data():
    a = pf.app(name="粤省事", unit=f.unit("440106", name="广东省政务服务数据管理局"))
    r = get("/apps", q="粤省事")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1
    item = body["items"][0]
    for key in ("filing_number", "name", "kind", "hosting_unit", "region", "status", "filed_at"):
        assert key in item
    assert item["filing_number"] == a.filing_number
    assert item["hosting_unit"] == "广东省政务服务数据管理局"
    assert item["region"].startswith("广东省")
    assert "内部功能说明" not in r.content.decode()


def test_unfiled_apps_are_invisible():
    pf.app(name="未备案应用", status=AppStatus.UNFILED, package="cn.gov.hidden")
    assert get("/apps", q="未备案").json()["count"] == 0
    assert get("/verify", package="cn.gov.hidden").json()["status"] == "not_filed"


def test_search_filters_province_city_kind_and_pagination():
    gz = f.unit("440106")
    cd = f.unit("510104")
    for _ in range(3):
        pf.app(unit=gz)
    pf.app(unit=cd, kind="mini_program", platform="wechat")
    pf.app(unit=pf.central_unit())
    assert get("/apps", province="44").json()["count"] == 3
    assert get("/apps", city="4401").json()["count"] == 3
    assert get("/apps", province="51").json()["count"] == 1
    assert get("/apps", province="central").json()["count"] == 1
    assert get("/apps", kind="mini_program").json()["count"] == 1
    page = get("/apps", page_size=2, page=2).json()
    assert page["count"] == 5 and len(page["items"]) == 2


def test_detail_has_identities_and_404_for_unknown():
    a = pf.app(package="cn.gov.detail", cert_seed="c1")
    r = get(f"/apps/{a.filing_number}")
    assert r.status_code == 200
    body = r.json()
    assert body["identities"][0]["identifier"] == "cn.gov.detail"
    assert body["identities"][0]["cert_sha256"] == pf.cert("c1")["cert_sha256"]
    for internal in ("description", "sections", "handler", "decision_note", "filed_sections"):
        assert internal not in body
    assert get("/apps/不存在的编号").status_code == 404


def test_detail_of_unfiled_app_is_404():
    a = pf.app(status=AppStatus.UNFILED, filing_number="X-HIDDEN-1")
    assert get(f"/apps/{a.filing_number}").status_code == 404


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (AppStatus.FILED, "filed"),
        (AppStatus.SHUTDOWN_NOTICE, "filed"),
        (AppStatus.OFFLINE, "filed"),
        (AppStatus.REVOKED, "revoked"),
        (AppStatus.DEREGISTERED, "deregistered"),
    ],
)
def test_verify_verdict_for_every_status(status, verdict):
    a = pf.app(status=status, package=f"cn.gov.{status}", cert_seed=status)
    sha = pf.cert(status)["cert_sha256"]
    body = get("/verify", package=f"cn.gov.{status}", cert_sha256=sha).json()
    assert body["status"] == verdict
    assert body["filing_number"] == a.filing_number
    assert body["app_name"] == a.name
    assert body["hosting_unit"] == a.hosting_unit.name
    assert get("/verify", filing_number=a.filing_number).json()["status"] == verdict


def test_verify_not_filed_unknown_package_and_number():
    body = get("/verify", package="cn.gov.nothing", cert_sha256="ab" * 32).json()
    assert body == {**body, "status": "not_filed", "filing_number": None, "app_name": None}
    assert get("/verify", filing_number="无此编号").json()["status"] == "not_filed"


def test_verify_certificate_mismatch():
    a = pf.app(package="cn.gov.genuine", cert_seed="real")
    body = get(
        "/verify", package="cn.gov.genuine", cert_sha256=pf.cert("fake")["cert_sha256"]
    ).json()
    assert body["status"] == "certificate_mismatch"
    assert body["filing_number"] == a.filing_number
    assert "不符" in body["message"]


def test_verify_normalises_hash_colons_case_and_spaces():
    pf.app(package="cn.gov.norm", cert_seed="n")
    sha = pf.cert("n")["cert_sha256"]
    pretty = ":".join(sha[i : i + 2] for i in range(0, 64, 2)).upper()
    assert get("/verify", package="cn.gov.norm", cert_sha256=pretty).json()["status"] == "filed"
    spaced = " ".join(sha[i : i + 8] for i in range(0, 64, 8))
    assert get("/verify", package="cn.gov.norm", cert_sha256=spaced).json()["status"] == "filed"
    assert normalise_hash("AB:cd ef") == "abcdef"


def test_verify_accepts_md5_and_sha1():
    pf.app(package="cn.gov.md5", cert_seed="m")
    c = pf.cert("m")
    assert (
        get("/verify", package="cn.gov.md5", cert_sha256=c["cert_md5"]).json()["status"] == "filed"
    )
    assert (
        get("/verify", package="cn.gov.md5", cert_sha256=c["cert_sha1"]).json()["status"] == "filed"
    )


def test_verify_422_when_nothing_or_garbage_is_given():
    r = get("/verify")
    assert r.status_code == 422
    assert "filing_number" in r.json()["detail"]
    r = get("/verify", package="cn.gov.x", cert_sha256="not-a-hash")
    assert r.status_code == 422
    assert "SHA-256" in r.json()["detail"]


def test_verify_prefers_live_filing_over_old_revoked_one():
    pf.app(status=AppStatus.REVOKED, package="cn.gov.again", cert_seed="k")
    new = pf.app(status=AppStatus.FILED, package="cn.gov.again", cert_seed="k")
    body = get("/verify", package="cn.gov.again", cert_sha256=pf.cert("k")["cert_sha256"]).json()
    assert body["status"] == "filed" and body["filing_number"] == new.filing_number


def test_cache_is_invalidated_when_an_app_changes(django_capture_on_commit_callbacks):
    a = pf.app(package="cn.gov.cache", cert_seed="z")
    sha = pf.cert("z")["cert_sha256"]
    assert get("/verify", package="cn.gov.cache", cert_sha256=sha).json()["status"] == "filed"
    # a change that does not touch App.updated_at: only the hook invalidates
    App.objects.filter(pk=a.pk).update(status=AppStatus.REVOKED)
    assert get("/verify", package="cn.gov.cache", cert_sha256=sha).json()["status"] == "filed"
    with django_capture_on_commit_callbacks(execute=True):
        registry_changed()
    assert get("/verify", package="cn.gov.cache", cert_sha256=sha).json()["status"] == "revoked"


def test_public_api_needs_no_auth_and_is_in_openapi():
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/public/verify" in schema["paths"]
    op = schema["paths"]["/api/v1/public/verify"]["get"]
    assert not op.get("security")


def test_429_after_the_limit_with_retry_after(settings):
    settings.GOVAPP_PUBLIC_RATE_LIMIT = (3, 60)
    c = Client(REMOTE_ADDR="203.0.113.9")
    codes = [c.get(API + "/verify", {"filing_number": "x"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get(API + "/verify", {"filing_number": "x"})
    assert r.status_code == 429
    assert int(r["Retry-After"]) >= 1
    assert "秒后重试" in r.json()["detail"]
    # another client is not affected
    other = Client(REMOTE_ADDR="203.0.113.10")
    assert other.get(API + "/verify", {"filing_number": "x"}).status_code == 200


def test_rate_limit_never_stores_the_raw_address(settings):
    from django.core.cache import cache

    settings.GOVAPP_PUBLIC_RATE_LIMIT = (5, 60)
    Client(REMOTE_ADDR="198.51.100.77").get(API + "/verify", {"filing_number": "x"})
    from govapp.core.models import SharedCounter

    keys = list(cache._cache.keys()) + list(SharedCounter.objects.values_list("key", flat=True))
    assert any(k.startswith("rl:public:") for k in keys)
    assert not any("198.51.100.77" in k for k in keys)
