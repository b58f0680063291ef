"""Dashboard figures: each checked against the list behind it, provinces adding up to the
country, and nobody counting what they may not see."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govapp.registry.models import AppStatus
from govapp.registry.selectors import apps_for
from govapp.reports.figures import Ctx, WorkdayIndex, compute_figures, percentile, shown_to
from govapp.reports.regions import rollup
from govapp.reports.selectors import compute_dashboard, jurisdiction_reader, reach_of
from tests import factories as f
from tests.reports.factories import world

pytestmark = pytest.mark.django_db


def figs(user: Any) -> dict[str, Any]:
    return {f["key"]: f for f in compute_figures(user)}


def value(fig: dict[str, Any], key: str) -> float:
    return next((i["value"] for i in fig["items"] if i["key"] == key), 0)


def test_apps_by_status_counts_what_each_role_may_see() -> None:
    w = world()
    expected = {"cac": 8, "gd": 5, "sc": 2, "gz_member": 3, "auditor": 8}
    for name, total in expected.items():
        user = getattr(w, name)
        fig = figs(user)["apps_by_status"]
        assert fig["total"] == total, name
        for status in AppStatus.values:
            assert value(fig, status) == apps_for(user, status=status).count(), (name, status)
    assert value(figs(w.gd)["apps_by_status"], "revoked") == 1
    assert value(figs(w.sc)["apps_by_status"], "revoked") == 0


OVERSIGHT = ("low_use_apps", "overlap_groups", "ledger_burden", "campaign_progress")


def test_every_figure_matches_the_list_it_links_to() -> None:
    """Follow each item's link as the same person: the list page shows as many rows.  The
    figures are the ones the dashboard draws for that person (``shown_to``); every item of
    the oversight figures links to a list with rows (none is left unchecked)."""
    w = world()
    checked = 0
    oversight_checked: dict[str, int] = dict.fromkeys(OVERSIGHT, 0)
    for user in (w.cac, w.gd, w.sc, w.auditor, w.gz_member, w.cd_member):
        client = Client()
        client.force_login(user)
        for fig in shown_to(compute_figures(user), user):
            for item in fig["items"]:
                resp = client.get(item["url"])
                assert resp.status_code == 200, (user, item["url"])
                page = resp.context.get("page") if resp.context else None
                if page is None or not hasattr(page, "paginator"):
                    assert fig["key"] not in OVERSIGHT, (fig["key"], item)
                    continue  # a statistics page without a row list (complaint stats)
                assert page.paginator.count == item["value"], (user.username, fig["key"], item)
                checked += 1
                if fig["key"] in OVERSIGHT:
                    oversight_checked[fig["key"]] += 1
    assert checked > 200
    # every oversight figure was drawn and followed (overlap: the three regulators only)
    assert oversight_checked == {
        "low_use_apps": 8 * 6,
        "overlap_groups": 6 * 3,
        "ledger_burden": 4 * 6,
        "campaign_progress": 3 * (2 + 2 + 1 + 2 + 2 + 1),
    }, oversight_checked


def test_specific_figures() -> None:
    w = world()
    fg = figs(w.cac)
    waiting = fg["applications_waiting"]
    assert value(waiting, "province") == 2
    assert value(waiting, "province_overdue") == 1
    assert value(waiting, "cac_overdue") == 1
    assert value(waiting, "unit") == 1
    assert waiting["total"] == 4
    assert fg["findings_by_severity"]["total"] == 4  # open only
    assert value(fg["findings_by_severity"], "high") == 2
    assert fg["findings_by_rule"]["total"] == 5  # open and exempted
    assert value(fg["cases_by_state"], "order_overdue") == 1
    assert value(fg["cases_by_state"], "penalty_revoked") == 1
    assert fg["complaints_by_category"]["total"] == 5
    assert value(fg["complaint_answer_speed"], "overdue") == 1
    assert fg["legacy_unfiled"]["total"] == 3
    assert value(fg["spotcheck_results"], "failed") == 1
    assert fg["spotcheck_results"]["total"] == 50.0
    assert sum(fg["apps_by_status"]["trend"]["values"]) == 7  # filed_at set this month


def test_a_province_adds_up_to_the_country() -> None:
    w = world()
    nation = figs(jurisdiction_reader(""))
    gd = figs(jurisdiction_reader("44"))
    sc = figs(jurisdiction_reader("51"))
    central = figs(f.unit_member(w.central))  # the one central department's own apps
    for key in (
        "apps_by_status",
        "applications_waiting",
        "findings_by_rule",
        "findings_by_severity",
        "cases_by_state",
        "legacy_unfiled",
        *OVERSIGHT,
    ):
        for item in nation[key]["items"]:
            parts = [value(p[key], item["key"]) for p in (gd, sc, central) if key in p]
            assert item["value"] == sum(parts), (key, item["key"])
    # complaints: the central department's one report is seen only nationally
    assert nation["complaints_by_category"]["total"] == (
        gd["complaints_by_category"]["total"] + sc["complaints_by_category"]["total"] + 1
    )
    # the map's counts roll up to the same totals
    data = compute_dashboard(jurisdiction_reader(""))
    provinces = rollup(data["map"]["apps"], "")
    assert provinces == {"44": 5, "51": 2, "central": 1}
    assert sum(provinces.values()) == nation["apps_by_status"]["total"]


def test_a_unit_sees_its_own_apps_only_and_no_complaint_statistics() -> None:
    w = world()
    fg = figs(w.gz_member)
    assert fg["apps_by_status"]["total"] == 3
    assert "complaints_by_category" not in fg
    assert "complaint_answer_speed" not in fg
    assert reach_of(w.gz_member) is None
    assert reach_of(w.gd) == "44"
    assert reach_of(w.cac) == ""


def test_workday_index_matches_the_calendar() -> None:
    import datetime as dt

    from govapp.core.calendar import get_calendar, working_days_between

    index = WorkdayIndex(get_calendar())
    start = dt.date(2026, 9, 20)
    for n in range(0, 60, 7):
        end = start + dt.timedelta(days=n)
        assert index.between(start, end) == working_days_between(start, end)
    assert index.between(dt.date(2026, 10, 8), dt.date(2026, 9, 28)) == working_days_between(
        dt.date(2026, 10, 8), dt.date(2026, 9, 28)
    )
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([], 50) == 0
    assert Ctx.for_today(dt.date(2026, 1, 15)).months[0] == dt.date(2025, 2, 1)
