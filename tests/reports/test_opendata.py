"""Open data: registry.csv / registry.json hold exactly the public registry, formula-safe, with
daily snapshots; GET /api/v1/public/apps?updated_since= pages through changes in a stable order."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from govapp.public import selectors as public_selectors
from govapp.registry.models import App, AppStatus, PlatformIdentity
from govapp.reports import opendata, services
from tests import factories as f
from tests.public import factories as pf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings: Any, tmp_path: Any) -> None:
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    public_selectors._memo["token"] = None


def body(resp: Any) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def make_registry() -> dict[str, App]:
    gz = f.unit("440106", name="广州市测试局")
    cd = f.unit("510104", name="成都市测试中心")
    apps = {
        "filed": pf.app(unit=gz, name="穗测试通", package="cn.gov.gz.test", cert_seed="a"),
        "revoked": pf.app(unit=gz, status=AppStatus.REVOKED, name="撤销测试"),
        "dereg": pf.app(unit=cd, status=AppStatus.DEREGISTERED, name="注销测试"),
        "offline": pf.app(unit=cd, status=AppStatus.OFFLINE, name="下线测试"),
        "unfiled": pf.app(unit=cd, status=AppStatus.UNFILED, name="未备案测试"),
        "formula": pf.app(unit=cd, name='=HYPERLINK("http://x")', platform="ios"),
    }
    PlatformIdentity.objects.create(
        app=apps["filed"], platform="ios", identifier="cn.gov.gz.test.ios", live=True
    )
    return apps


def test_registry_json_is_the_public_registry() -> None:
    apps = make_registry()
    resp = Client().get("/api/v1/public/registry.json")
    assert resp.status_code == 200
    data = json.loads(body(resp))
    assert data["schema"] == "govapp.registry/1"
    numbers = [i["filing_number"] for i in data["items"]]
    assert numbers == sorted(numbers)
    expected = set(public_selectors.public_apps().values_list("filing_number", flat=True))
    assert set(numbers) == expected and data["count"] == len(expected) == 5
    assert apps["unfiled"].filing_number not in numbers
    for item in data["items"]:  # each record is what the public API says about the app
        detail = public_selectors.public_app_get(item["filing_number"])
        assert {k: v for k, v in item.items() if k != "updated_at"} == detail
    filed = next(i for i in data["items"] if i["name"] == "穗测试通")
    assert {i["identifier"] for i in filed["identities"]} == {
        "cn.gov.gz.test",
        "cn.gov.gz.test.ios",
    }
    assert filed["identities"][0]["cert_sha256"] == pf.cert("a")["cert_sha256"]


def test_registry_csv_rows_and_formula_safety() -> None:
    make_registry()
    resp = Client().get("/api/v1/public/registry.csv")
    assert resp["Content-Type"].startswith("text/csv")
    text = body(resp).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    public = public_selectors.public_apps()
    assert len(rows) == PlatformIdentity.objects.filter(app__in=public).count()
    assert {r["filing_number"] for r in rows} == set(public.values_list("filing_number", flat=True))
    formula = [r for r in rows if "HYPERLINK" in r["name"]]
    assert formula and formula[0]["name"].startswith("'=")
    revoked = next(r for r in rows if r["name"] == "撤销测试")
    assert revoked["status"] == "revoked" and revoked["identity_live"] == "false"


def test_daily_snapshot_is_kept_and_served() -> None:
    make_registry()
    day = dt.date(2026, 11, 30)
    assert services.opendata_snapshot_write(day=day)
    assert not services.opendata_snapshot_write(day=day)  # once a day
    listing = Client().get("/api/v1/public/registry/snapshots").json()
    assert [s["date"] for s in listing] == ["2026-11-30"]
    got = Client().get(listing[0]["json_url"])
    assert got.status_code == 200
    snap = json.loads(body(got))
    live = json.loads(body(Client().get("/api/v1/public/registry.json")))
    assert [i["filing_number"] for i in snap["items"]] == [
        i["filing_number"] for i in live["items"]
    ]
    assert Client().get("/api/v1/public/registry/snapshots/2026-11-29.csv").status_code == 404
    assert Client().get("/api/v1/public/registry/snapshots/..%2Fsecret.csv").status_code == 404


def test_updated_since_pages_through_changes_in_order() -> None:
    apps = make_registry()
    base = timezone.now() - dt.timedelta(days=10)
    for i, key in enumerate(["offline", "filed", "revoked", "dereg", "formula"]):
        App.objects.filter(pk=apps[key].pk).update(updated_at=base + dt.timedelta(days=i))
    App.objects.filter(pk=apps["unfiled"].pk).update(updated_at=base + dt.timedelta(days=9))
    since = (base + dt.timedelta(days=1)).isoformat()
    c = Client()
    first = c.get("/api/v1/public/apps", {"updated_since": since, "page_size": 2}).json()
    assert first["count"] == 4
    names = [i["name"] for i in first["items"]]
    assert names == ["穗测试通", "撤销测试"]
    second = c.get(
        "/api/v1/public/apps", {"updated_since": since, "page_size": 2, "page": 2}
    ).json()
    assert [i["name"] for i in second["items"]] == ["注销测试", '=HYPERLINK("http://x")']
    item = first["items"][0]
    assert item["updated_at"] and item["identities"][0]["identifier"] == "cn.gov.gz.test"
    assert c.get("/api/v1/public/apps", {"updated_since": "yesterday"}).status_code == 422
    day = c.get("/api/v1/public/apps", {"updated_since": "2000-01-01"}).json()
    assert day["count"] == 5
    # the search contract without updated_since is unchanged
    plain = c.get("/api/v1/public/apps", {"q": "穗测试"}).json()
    assert plain["count"] == 1 and "identities" not in plain["items"][0]


def test_bulk_downloads_share_the_public_rate_limit(settings: Any) -> None:
    make_registry()
    settings.GOVAPP_PUBLIC_RATE_LIMIT = (2, 60)
    cache.clear()
    c = Client()
    assert c.get("/api/v1/public/registry.csv").status_code == 200
    assert c.get("/api/v1/public/registry.json").status_code == 200
    limited = c.get("/api/v1/public/registry.csv")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0


def test_live_files_are_built_once_per_registry_version_and_follow_changes() -> None:
    apps = make_registry()
    c = Client()
    first = c.get("/api/v1/public/registry.json")
    assert first.status_code == 200 and first["ETag"]
    built = list(opendata.live_dir().glob("registry-*.json"))
    assert len(built) == 1
    # the same version is served from the file: overwrite it and the answer shows it
    marker = built[0].read_text(encoding="utf-8")
    built[0].write_text(marker.replace('"count"', '"count_marker"'), encoding="utf-8")
    again = body(c.get("/api/v1/public/registry.json"))
    assert b'"count_marker"' in again
    # a client that has this version gets a 304 without a body
    cached = c.get("/api/v1/public/registry.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert cached.status_code == 304 and not cached.content
    # a change to the registry is a new version: a new file, the old one removed
    App.objects.filter(pk=apps["filed"].pk).update(name="改名测试通", updated_at=timezone.now())
    public_selectors._memo["token"] = None
    fresh = c.get("/api/v1/public/registry.json")
    assert fresh["ETag"] != first["ETag"]
    names = [i["name"] for i in json.loads(body(fresh))["items"]]
    assert "改名测试通" in names
    assert [p.name for p in opendata.live_dir().glob("registry-*.json")] != [built[0].name]
    assert len(list(opendata.live_dir().glob("registry-*.json"))) == 1
    # the CSV is kept the same way, beside the JSON
    assert c.get("/api/v1/public/registry.csv").status_code == 200
    assert len(list(opendata.live_dir().glob("registry-*.csv"))) == 1
