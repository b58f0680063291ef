"""Campaign pages and API as each role, and as users who must not see them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govapp.orgs.models import Role
from govapp.oversight.campaigns import services
from govapp.oversight.campaigns.models import Campaign, InspectionTask, TaskKind, TaskState
from tests import factories as f
from tests.compliance import factories as cf

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def w() -> dict[str, Any]:
    gd_unit = f.unit("440106")
    sc_unit = f.unit("510104")
    return {
        "gd_app": cf.app(unit=gd_unit, name="穗打卡"),
        "sc_app": cf.app(unit=sc_unit, name="蓉办公"),
        "gd_member": f.unit_member(gd_unit),
        "sc_member": f.unit_member(sc_unit),
        "gd": f.regulator("44"),
        "sc": f.regulator("51"),
        "auditor": f.auditor(),
    }


def test_launch_from_the_page_and_foreign_users_get_404(w: dict[str, Any]) -> None:
    gd = _client(w["gd"])
    r = gd.post(
        "/oversight/campaigns/new/", {"title": "广东专项", "working_days": "10", "regions": "44"}
    )
    assert r.status_code == 302
    campaign = Campaign.objects.get()
    task = InspectionTask.objects.get()
    assert gd.get(f"/oversight/campaigns/{campaign.pk}/").status_code == 200
    assert _client(w["auditor"]).get(f"/oversight/campaigns/{campaign.pk}/").status_code == 200
    for user in (w["sc"], w["sc_member"]):
        c = _client(user)
        assert c.get(f"/oversight/campaigns/{campaign.pk}/").status_code == 404
        assert c.get(f"/oversight/campaigns/tasks/{task.pk}/").status_code == 404
        assert c.get(f"/oversight/campaigns/{campaign.pk}/report.xlsx").status_code == 404
        assert c.get(f"/api/v1/campaigns/{campaign.pk}").status_code == 404
        assert c.get(f"/api/v1/campaigns/tasks/{task.pk}").status_code == 404
    # a unit cannot launch: the page does not exist for it
    assert _client(w["gd_member"]).get("/oversight/campaigns/new/").status_code == 404
    # bad input stays on the form with the reason
    r = gd.post("/oversight/campaigns/new/", {"title": "", "working_days": "10", "regions": "4x"})
    assert r.status_code == 200 and "行政区划代码" in r.content.decode()


def test_unit_answers_on_the_page_and_the_reviewer_returns_it(w: dict[str, Any]) -> None:
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    task = InspectionTask.objects.get(campaign=campaign)
    unit = _client(w["gd_member"])
    page = unit.get(f"/oversight/campaigns/tasks/{task.pk}/")
    assert page.status_code == 200 and "提交审核" in page.content.decode()
    data: dict[str, Any] = {"version": task.version, "action": "submit"}
    for q in services.task_questions(task):
        data[f"q{q.pk}"] = "yes" if q.problem_if == "no" else "no"
    r = unit.post(f"/oversight/campaigns/tasks/{task.pk}/", data)
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED
    # the reviewer returns it with a reason; without one the form says so
    gd = _client(w["gd"])
    r = gd.post(f"/oversight/campaigns/tasks/{task.pk}/", {"decision": "return", "note": ""})
    assert r.status_code == 200 and "退回时请写明理由" in r.content.decode()
    r = gd.post(f"/oversight/campaigns/tasks/{task.pk}/", {"decision": "return", "note": "请补充"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.RETURNED
    # Sichuan's office cannot review it (the page is not even found)
    assert (
        _client(w["sc"])
        .post(f"/oversight/campaigns/tasks/{task.pk}/", {"decision": "accept"})
        .status_code
        == 404
    )


def test_api_answer_and_review(w: dict[str, Any]) -> None:
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    task = InspectionTask.objects.get(campaign=campaign)
    unit = _client(w["gd_member"])
    detail = unit.get(f"/api/v1/campaigns/tasks/{task.pk}").json()
    answers = [
        {
            "question_id": c["question_id"],
            "value": "no" if c["code"] not in {"H09", "H10"} else "yes",
        }
        for c in detail["checks"]
    ]
    r = unit.put(
        f"/api/v1/campaigns/tasks/{task.pk}/answers",
        {"answers": answers[:2], "submit": True},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["errors"]  # unanswered questions are named
    r = unit.put(
        f"/api/v1/campaigns/tasks/{task.pk}/answers",
        {"answers": answers, "submit": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    r = unit.put(
        f"/api/v1/campaigns/tasks/{task.pk}/answers",
        {"answers": answers},
        content_type="application/json",
    )
    assert r.status_code == 409
    r = _client(w["gd_member"]).post(
        f"/api/v1/campaigns/tasks/{task.pk}/review",
        {"accept": True},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = _client(w["gd"]).post(
        f"/api/v1/campaigns/tasks/{task.pk}/review",
        {"accept": True, "note": "通过"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    listed = _client(w["gd"]).get("/api/v1/campaigns").json()
    assert [c["id"] for c in listed["items"]] == [campaign.pk]
    assert _client(w["sc"]).get("/api/v1/campaigns").json()["count"] == 0


def test_evaluator_pages_show_assigned_apps_only(w: dict[str, Any]) -> None:
    evaluator = f.user(Role.EVALUATOR, unit_obj=f.unit("11"))
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    (ext,) = services.evaluator_assign(
        actor=w["gd"], campaign=campaign, evaluator=evaluator, apps=[w["gd_app"]]
    )
    c = _client(evaluator)
    assert c.get(f"/oversight/campaigns/tasks/{ext.pk}/").status_code == 200
    host = InspectionTask.objects.get(campaign=campaign, kind=TaskKind.HOST)
    assert c.get(f"/oversight/campaigns/tasks/{host.pk}/").status_code == 404
    listing = c.get("/oversight/campaigns/").content.decode()
    assert "穗打卡" in listing and "蓉办公" not in listing


def test_report_page_and_using_units_page(w: dict[str, Any]) -> None:
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    gd = _client(w["gd"])
    report = gd.get(f"/oversight/campaigns/{campaign.pk}/report/")
    assert report.status_code == 200 and "情况报告" in report.content.decode()
    xlsx = gd.get(f"/oversight/campaigns/{campaign.pk}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    unit = _client(w["gd_member"])
    other = f.unit("440106", name="天河区某街道办")
    r = unit.post(f"/oversight/campaigns/apps/{w['gd_app'].pk}/using-units/", {"unit": other.pk})
    assert r.status_code == 302
    assert "天河区某街道办" in unit.get(f"/registry/apps/{w['gd_app'].pk}/").content.decode()
    assert (
        _client(w["sc_member"])
        .get(f"/oversight/campaigns/apps/{w['gd_app'].pk}/using-units/")
        .status_code
        == 404
    )


def test_task_list_filters_by_kind_progress_and_overdue(w: dict[str, Any]) -> None:
    """The campaign page's task list as the dashboard links to it."""
    import datetime as dt

    from govapp.core.calendar import today_shanghai

    gd = _client(w["gd"])
    gd.post("/oversight/campaigns/new/", {"title": "广东专项", "working_days": "10"})
    campaign = Campaign.objects.get()
    host = InspectionTask.objects.get(kind=TaskKind.HOST)

    def listed(client: Client, **params: str) -> list[int]:
        resp = client.get(f"/oversight/campaigns/{campaign.pk}/", params)
        assert resp.status_code == 200
        return [t.pk for t in resp.context["page"].object_list]

    assert listed(gd, kind="host", progress="todo") == [host.pk]
    assert listed(gd, kind="host", progress="done") == []
    assert listed(gd, kind="host", overdue="1") == []
    InspectionTask.objects.filter(pk=host.pk).update(due=today_shanghai() - dt.timedelta(days=1))
    assert listed(gd, kind="host", overdue="1") == [host.pk]
    InspectionTask.objects.filter(pk=host.pk).update(state=TaskState.SUBMITTED)
    assert listed(gd, kind="host", progress="done") == [host.pk]
    assert listed(gd, kind="host", overdue="1") == []
    assert listed(gd, kind="user") == []
    assert listed(gd, kind="nonsense") == [host.pk]  # refused: left out
    assert listed(_client(w["gd_member"]), kind="host", progress="done") == [host.pk]
