"""National scale, round 3 (issue 16): the registry's searches as one UNION of narrow
queries, the review queue's covering index and statistics on PostgreSQL, and list pages that
read a deep page by key.  On SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govapp.core import pagination
from govapp.registry import selectors
from govapp.registry.models import App
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def _names(qs) -> set[str]:
    return {a.name for a in qs}


def test_app_search_finds_each_searched_column_once():
    w = rf.world()
    other = rf.world("510104")
    by_name = rf.app(w, name="掌上社保服务")
    by_unit_only = rf.app(w, name="无关应用")
    by_package = rf.app(w, name="另一个应用", package="cn.gov.shebao.find")
    rf.app(other, name="外省社保")  # outside the provincial reviewer's reach
    w.unit.name = "某市社保局"
    w.unit.save(update_fields=["name"])
    filed = rf.filed(w, name="已备案应用").app
    filed.refresh_from_db()

    # name and unit name: the app named so and every app of the unit, each once
    found = list(selectors.apps_for(w.province, q="社保"))
    assert len(found) == len({a.pk for a in found})
    assert {by_name.pk, by_unit_only.pk, by_package.pk, filed.pk} <= {a.pk for a in found}
    assert "外省社保" not in _names(found)
    assert "外省社保" in _names(selectors.apps_for(w.cac, q="社保"))
    # case-insensitive identifier and the filing number
    assert _names(selectors.apps_for(w.cac, q="CN.GOV.SHEBAO")) == {"另一个应用"}
    assert filed.filing_number
    assert _names(selectors.apps_for(w.cac, q=filed.filing_number)) == {"已备案应用"}
    # the count is of apps, not of matching branches
    assert selectors.apps_for(w.province, q="社保").count() == len(found)
    # and it is one statement without a join or DISTINCT behind the count
    with CaptureQueriesContext(connection) as ctx:
        selectors.apps_for(w.cac, q="社保").count()
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "UNION" in sql and "DISTINCT" not in sql and "JOIN" not in sql, sql


def test_application_search_by_app_and_unit_name():
    w = rf.world()
    mine = rf.draft(w, name="掌上社保")
    plain = rf.draft(w, name="移动办公")
    other = rf.draft(rf.world("510104"), name="社保外省")
    ids = {a.pk for a in selectors.applications_for(w.cac, q="社保")}
    assert mine.pk in ids and other.pk in ids and plain.pk not in ids
    assert {a.pk for a in selectors.applications_for(w.province, q="社保")} == {mine.pk}
    w.unit.name = "测试社保局"
    w.unit.save(update_fields=["name"])
    ids = {a.pk for a in selectors.applications_for(w.province, q="社保")}
    assert ids == {mine.pk, plain.pk}
    assert selectors.applications_for(w.province, q="社保").count() == 2
    # the package name is not searched here (as before): only app and unit names
    assert not selectors.applications_for(w.province, q="cn.gov.test").exists()


def test_list_pages_read_deep_pages_by_key(client, monkeypatch):
    """A page deeper than the threshold walks the offset over the primary keys and reads its
    rows by key: the same rows, in the same order, as the plain slice."""
    w = rf.world()
    for i in range(7):
        rf.app(w, name=f"应用{i:02d}")
    qs = selectors.lean(selectors.apps_for(w.cac))
    plain = [
        [a.pk for a in pagination.CappedPaginator(qs, 2).page(n).object_list] for n in (1, 2, 3, 4)
    ]
    monkeypatch.setattr(pagination, "KEYED_FROM_OFFSET", 1)
    keyed = [
        [a.pk for a in pagination.CappedPaginator(qs, 2).page(n).object_list] for n in (1, 2, 3, 4)
    ]
    assert keyed == plain
    assert sum(len(p) for p in keyed) == App.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        list(pagination.CappedPaginator(qs, 2).page(3).object_list)
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "registry_app"' in q["sql"]]
    assert any(s.startswith('SELECT "registry_app"."id" AS "pk" FROM') for s in reads), reads
    assert any('"registry_app"."id" IN (' in s for s in reads), reads
    client.force_login(w.cac)
    r = client.get("/registry/apps/?page=2")
    assert r.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-only index")
def test_review_queue_index_and_statistics_exist_on_postgresql():
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'application_queue_scale'")
        (indexdef,) = cur.fetchone()
        cur.execute(
            "SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'application_state_holder_scale'"
        )
        assert cur.fetchone() is not None
    assert "INCLUDE (app_id, state, holder, exception_decision)" in indexdef
    assert "(deadline, submitted_at, id)" in indexdef


def test_two_character_search_is_exact():
    """A two-character search without letter case also asks the bigram index on PostgreSQL;
    the answer is the same as a plain substring match on both databases."""
    w = rf.world()
    for name in ("掌上社保", "社保通", "社会保障", "保社"):
        rf.app(w, name=name)
    w.unit.name = "某区社保中心"
    w.unit.save(update_fields=["name"])
    other = rf.world("510104")
    rf.app(other, name="人社服务")
    assert _names(selectors.name_contains(App.objects.all(), "社保")) == {"掌上社保", "社保通"}
    units = selectors.name_contains(type(w.unit).objects.all(), "社保")
    assert {u.pk for u in units} == {w.unit.pk}
    found = _names(selectors.apps_for(w.cac, q="社保"))
    assert {"掌上社保", "社保通", "社会保障", "保社"} <= found  # the unit's apps too
    assert "人社服务" not in found
    sql = str(selectors.name_contains(App.objects.all(), "社保").query)
    assert ("govapp_bigrams" in sql) == (connection.vendor == "postgresql")
    # letters keep the case-insensitive match alone (no bigram filter)
    assert "govapp_bigrams" not in str(selectors.name_contains(App.objects.all(), "ab").query)
