"""The shared paginator (govapp.core.pagination): real database pagination with true counts,
every row reachable, and no 500 for absurd page numbers, offsets or limits (issue 16)."""

from __future__ import annotations

import pytest

from govapp.core.pagination import API_MAX_LIMIT, API_MAX_OFFSET
from govapp.registry.models import App, AppKind, AppStatus
from tests import factories as f
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def _bulk_apps(unit, n: int) -> None:
    App.objects.bulk_create(
        [
            App(
                name=f"批量应用{i:05d}", kind=AppKind.APP, hosting_unit=unit, status=AppStatus.FILED
            )
            for i in range(n)
        ],
        batch_size=1000,
    )


def test_registry_app_api_counts_and_reaches_every_row_beyond_the_old_5000_cut(client):
    w = rf.world()
    _bulk_apps(w.unit, 5_020)
    client.force_login(w.cac)
    body = client.get("/api/v1/registry/apps?limit=10&offset=5015").json()
    assert body["count"] == 5_020
    assert [i["name"] for i in body["items"]] == [f"批量应用{i:05d}" for i in range(5015, 5020)]
    client.force_login(w.other_province)
    assert client.get("/api/v1/registry/apps").json()["count"] == 0


def test_limit_is_clamped_and_offset_past_the_end_is_an_empty_page(client):
    w = rf.world()
    _bulk_apps(w.unit, API_MAX_LIMIT + 5)
    client.force_login(w.member)
    body = client.get("/api/v1/registry/apps?limit=100000000000000000000000").json()
    assert body["count"] == API_MAX_LIMIT + 5
    assert len(body["items"]) == API_MAX_LIMIT
    body = client.get(f"/api/v1/registry/apps?offset={API_MAX_OFFSET}").json()
    assert body == {"items": [], "count": API_MAX_LIMIT + 5}


@pytest.mark.parametrize(
    "query",
    [
        "offset=-1",
        "limit=0",
        "limit=-5",
        f"offset={API_MAX_OFFSET + 1}",
        "offset=99999999999999999999999999",
        "limit=abc",
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/registry/apps",
        "/api/v1/registry/applications",
        "/api/v1/orgs/units",
        "/api/v1/scans",
        "/api/v1/audit/events",
        "/api/v1/compliance/findings",
    ],
)
def test_bad_limits_and_offsets_are_422_json_not_500(client, path, query):
    client.force_login(f.regulator(None))
    r = client.get(f"{path}?{query}")
    assert r.status_code == 422, r.content
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["detail"]


def test_units_api_counts_beyond_the_old_10000_cut(client):
    from govapp.orgs.models import Unit, UnitKind

    division = f.division("440106")
    Unit.objects.bulk_create(
        [
            Unit(
                name=f"单位{i:05d}",
                kind=UnitKind.ADMIN_ORGAN,
                division=division,
                scope_code="440106",
            )
            for i in range(10_010)
        ],
        batch_size=2000,
    )
    client.force_login(f.regulator("44"))
    body = client.get("/api/v1/orgs/units?limit=5&offset=10000").json()
    assert body["count"] >= 10_010
    assert len(body["items"]) == 5


PAGES = [
    "/registry/apps/",
    "/registry/applications/",
    "/registry/queue/",
    "/registry/notifications/",
    "/audit/",
    "/orgs/units/",
    "/orgs/users/",
    "/compliance/findings/",
    "/compliance/orders/",
    "/complaints/manage/",
    "/scans/",
]


def test_pages_answer_any_page_number(client):
    w = rf.world()
    _bulk_apps(w.unit, 30)
    client.force_login(w.cac)
    for url in PAGES:
        for page in ["99999999999999999999999", "-3", "abc", "0", "2", ""]:
            r = client.get(f"{url}?page={page}")
            assert r.status_code == 200, (url, page)


def test_deep_pages_are_capped_with_a_message(client, settings):
    from govapp.core import pagination

    w = rf.world()
    _bulk_apps(w.unit, 60)
    client.force_login(w.cac)
    old = pagination.PAGE_MAX_ROWS
    pagination.PAGE_MAX_ROWS = 25
    try:
        r = client.get("/registry/apps/?page=3")
    finally:
        pagination.PAGE_MAX_ROWS = old
    page = r.context["page"]
    assert page.number == 1 and page.capped
    assert "请用筛选条件缩小范围" in r.content.decode()
