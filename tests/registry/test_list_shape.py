"""The shape of the registry's list queries at national scale (issue 16), on SQLite and on
PostgreSQL: the application list API does not read the filing form's ``sections`` column,
its technical-testing answer equals the detail's, its query count does not grow with the
rows, and the indexes behind the lists' sort orders exist."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govapp.registry.models import App, Application
from govapp.registry.services import review as review_services
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db

LIST = "/api/v1/registry/applications"
# "sections" selected as a plain column (not inside a JSON extraction of one key)
PLAIN_SECTIONS = re.compile(r'(SELECT |, )"registry_application"\."sections"(,| FROM)')


def _list_sql(client, url: str) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, r.content
    return r.json(), [q["sql"] for q in ctx.captured_queries]


def _tested(application: Application, gaps: list[dict]) -> Application:
    """Give the application a technical-testing report for its current basis."""
    application.testing = {"basis": review_services.testing_basis(application), "gaps": gaps}
    application.save(update_fields=["testing"])
    return application


@pytest.mark.parametrize("url", [LIST, f"{LIST}?queue=true", f"{LIST}?state=draft"])
def test_application_list_api_never_selects_the_sections_column(client, url):
    w = rf.world()
    rf.draft(w)
    rf.forwarded(w)
    client.force_login(w.cac)
    body, sql = _list_sql(client, url)
    reads = [s for s in sql if 'FROM "registry_application"' in s]
    assert reads, sql
    assert not [s for s in reads if PLAIN_SECTIONS.search(s)], reads
    assert all("sections" not in item for item in body["items"])


def test_application_detail_still_answers_the_sections(client):
    w = rf.world()
    application = rf.draft(w)
    client.force_login(w.member)
    body = client.get(f"{LIST}/{application.pk}").json()
    assert body["sections"]["basic"]["app_name"] == application.app.name


def test_list_testing_answer_equals_the_detail(client):
    """The list reads only the declared version out of ``sections``: a report for the current
    version is "done", one for another version is "stale", exactly as the detail says."""
    w = rf.world()
    fresh = _tested(rf.draft(w), [])
    stale = _tested(rf.draft(w), [])
    sections = dict(stale.sections)
    sections["basic"] = {**sections["basic"], "version": "9.9.9"}
    Application.objects.filter(pk=stale.pk).update(sections=sections)
    gapped = _tested(rf.draft(w), [{"code": "no_platform"}])
    untested = rf.draft(w)
    client.force_login(w.member)
    items = {i["id"]: i for i in client.get(LIST).json()["items"]}
    for application in (fresh, stale, gapped, untested):
        detail = client.get(f"{LIST}/{application.pk}").json()
        row = items[application.pk]
        assert (row["testing_done"], row["testing_gaps"]) == (
            detail["testing_done"],
            detail["testing_gaps"],
        ), application
    assert items[fresh.pk]["testing_done"] is True
    assert items[stale.pk]["testing_done"] is False


def test_application_list_queries_do_not_grow_with_the_rows(client):
    w = rf.world()
    client.force_login(w.cac)
    for _ in range(2):
        _tested(rf.draft(w), [])
    _, few = _list_sql(client, LIST)
    for _ in range(6):
        _tested(rf.draft(w), [])
    body, many = _list_sql(client, LIST)
    assert body["count"] == 8
    assert len(many) == len(few), (few, many)


INDEXES = {
    App: {"app_name_id_scale": ["name", "id"], "app_filed_at_id_scale": ["filed_at", "id"]},
    Application: {"application_updated_scale": ["updated_at", "id"]},
}


@pytest.mark.parametrize("model", list(INDEXES), ids=lambda m: m.__name__)
def test_indexes_behind_the_list_sort_orders_exist(model):
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, model._meta.db_table)
    for name, columns in INDEXES[model].items():
        assert name in found, (name, sorted(found))
        assert found[name]["columns"] == columns


def test_queue_regions_are_read_as_distinct_prefixes():
    """The queue's region filter lists each province (national reviewer) or city (provincial
    reviewer) with something waiting, and central departments, from one aggregate query."""
    from govapp.registry.selectors import queue_regions

    gz = rf.world("440106")
    rf.forwarded(gz)
    rf.forwarded(gz)
    rf.submitted(gz)
    cd = rf.world("510104")
    rf.forwarded(cd)
    central = rf.world(central=True)
    rf.submitted(central)  # a central department's filing goes straight to the CAC
    with CaptureQueriesContext(connection) as ctx:
        regions = queue_regions(gz.cac)
    assert [code for code, _name in regions] == ["44", "51", "central"]
    assert len([q for q in ctx.captured_queries if "registry_application" in q["sql"]]) == 1
    assert [code for code, _name in queue_regions(gz.province)] == ["4401"]
    assert queue_regions(cd.province) == []  # Chengdu's filing already went on to the CAC
