"""The oversight areas' figures (low-use apps, overlap groups, ledger burden, campaign
progress): their values for each reach, who sees them, and the dashboard and API that draw
them.  Each item is also followed to its list in test_figures.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govapp.oversight.campaigns.models import Campaign
from govapp.reports.figures import compute_figures, shown_to
from govapp.reports.selectors import compute_dashboard, jurisdiction_reader
from tests import factories as f
from tests.reports.factories import world

pytestmark = pytest.mark.django_db


def figs(user: Any) -> dict[str, Any]:
    return {f["key"]: f for f in compute_figures(user)}


def values(fig: dict[str, Any]) -> dict[str, float]:
    return {i["key"]: i["value"] for i in fig["items"]}


def test_low_use_apps_by_reach() -> None:
    w = world()
    nation = values(figs(w.cac)["low_use_apps"])
    assert nation == {
        "candidates": 3,  # not exempt, no live case (a withdrawn case does not count)
        "case_open": 1,
        "case_overdue": 1,
        "case_appealed": 1,
        "case_notice": 0,
        "case_offline": 0,
        "case_retired": 1,  # its app is deregistered
        "case_withdrawn": 1,
    }
    assert figs(w.cac)["low_use_apps"]["total"] == 3
    assert sum(figs(w.cac)["low_use_apps"]["trend"]["values"]) == 4  # opened this month
    gd = values(figs(w.gd)["low_use_apps"])
    assert (gd["candidates"], gd["case_open"], gd["case_overdue"], gd["case_retired"]) == (
        1,
        1,
        1,
        0,
    )
    unit = values(figs(w.gz_member)["low_use_apps"])
    assert (unit["candidates"], unit["case_overdue"], unit["case_appealed"]) == (1, 1, 0)


def test_overlap_groups_by_decision_and_cases_by_state() -> None:
    w = world()
    nation = figs(w.cac)["overlap_groups"]
    assert values(nation) == {
        "groups_open": 2,  # undecided; the same-app group is not counted
        "groups_consolidate": 2,  # the latest decision wins over an earlier "distinct"
        "groups_distinct": 1,
        "cases_open": 1,
        "cases_escalated": 1,
        "cases_done": 1,
    }
    assert nation["total"] == 2
    assert values(figs(w.gd)["overlap_groups"])["groups_open"] == 1
    assert values(figs(w.sc)["overlap_groups"])["cases_escalated"] == 1
    assert "overlap_groups" not in figs(w.gz_member)  # the overlap pages are regulators'


def test_ledger_burden_counts_the_jurisdictions_demands() -> None:
    w = world()
    assert values(figs(w.cac)["ledger_burden"]) == {
        "active": 7,  # listed and in force: not the ended one, not the one not yet begun
        "duplicated": 2,  # a datum asked again in the same county / city / province
        "pending": 1,
        "sent_back": 1,
    }
    assert values(figs(w.gd)["ledger_burden"]) == {
        "active": 4,
        "duplicated": 1,
        "pending": 1,
        "sent_back": 0,
    }
    # the public ledger shows every listed demand, but the figure counts the reader's own
    assert values(figs(w.sc)["ledger_burden"])["active"] == 3
    assert values(figs(w.gz_member)["ledger_burden"])["active"] == 3  # its own unit's
    assert "ledger_burden" not in figs(f.unit_member(w.central))  # nothing of its own


def test_campaign_progress_per_open_campaign() -> None:
    w = world()
    national = Campaign.objects.get(title="全国测试专项").pk
    guangdong = Campaign.objects.get(title="广东测试专项").pk
    fig = figs(w.cac)["campaign_progress"]
    assert values(fig) == {
        f"c{guangdong}_done": 1,
        f"c{guangdong}_todo": 1,
        f"c{guangdong}_overdue": 0,
        f"c{national}_done": 2,  # host tasks only: not the using unit's, not the evaluation
        f"c{national}_todo": 3,
        f"c{national}_overdue": 2,
    }  # the closed campaign is left out
    assert fig["total"] == round(100 * 3 / 7, 1)
    assert fig["items"][0]["label"] == "广东测试专项·已自查"  # nearest deadline first
    assert set(values(figs(w.sc)["campaign_progress"])) == {
        f"c{national}_done",
        f"c{national}_todo",
        f"c{national}_overdue",
    }  # Sichuan does not see Guangdong's campaign
    unit = values(figs(w.gz_member)["campaign_progress"])
    assert unit[f"c{national}_overdue"] == 1 and unit[f"c{guangdong}_todo"] == 1


def test_overlap_figure_is_drawn_for_regulators_only() -> None:
    """Regulators and auditors of one reach share one computation; the overlap pages are
    regulators' only, so the auditor's dashboard and API leave that figure out."""
    w = world()
    shared = compute_dashboard(jurisdiction_reader(""))["figures"]
    assert "overlap_groups" in {f["key"] for f in shared}
    assert "overlap_groups" in {f["key"] for f in shown_to(shared, w.cac)}
    assert "overlap_groups" not in {f["key"] for f in shown_to(shared, w.auditor)}
    for user, drawn in ((w.cac, True), (w.gd, True), (w.auditor, False)):
        client = Client()
        client.force_login(user)
        html = client.get("/").content.decode()
        assert ('data-figure="overlap_groups"' in html) is drawn, user
        for key in ("low_use_apps", "ledger_burden", "campaign_progress"):
            assert f'data-figure="{key}"' in html, (user, key)
        api = client.get("/api/v1/reports/dashboard").json()
        assert ("overlap_groups" in {f["key"] for f in api["figures"]}) is drawn, user
    client = Client()
    client.force_login(w.auditor)
    assert client.get("/oversight/overlap/").status_code == 404  # as the page itself decides


def test_oversight_figures_in_english() -> None:
    w = world()
    client = Client()
    client.force_login(w.cac)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in (
        "Low-use apps and retirement",
        "Retirement candidates",
        "Overlap group·Pending decision",
        "Consolidation case·Overdue, escalated",
        "Reporting burden on grassroots units",
        "Datum asked again",
        "Self-inspection progress",
        "全国测试专项·Self-inspected",  # a campaign's title is its own
    ):
        assert text in html, text
