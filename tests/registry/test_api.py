"""/api/v1/registry: reads restricted to the caller's reach, drafts and transitions."""

from __future__ import annotations

import json

import pytest

from govapp.registry.models import ApplicationState
from tests import factories as f
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db
S = ApplicationState
BASE = "/api/v1/registry"


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_lists_and_details_are_restricted(client):
    w = rf.world()
    application = rf.submitted(w)
    client.force_login(w.other_province)
    assert client.get(f"{BASE}/apps").json()["count"] == 0
    assert client.get(f"{BASE}/applications").json()["count"] == 0
    assert client.get(f"{BASE}/apps/{application.app_id}").status_code == 404
    assert client.get(f"{BASE}/applications/{application.pk}").status_code == 404
    assert client.get(f"{BASE}/applications/{application.pk}/events").status_code == 404
    assert _post(client, f"{BASE}/applications/{application.pk}/forward", {}).status_code == 404
    client.force_login(w.province)
    body = client.get(f"{BASE}/applications?queue=true").json()
    assert [i["id"] for i in body["items"]] == [application.pk]
    assert client.get(f"{BASE}/apps/{application.app_id}").json()["status"] == "unfiled"


def test_anonymous_is_refused(client):
    assert client.get(f"{BASE}/apps").status_code == 401


def test_draft_to_filed_through_the_api(client):
    w = rf.world()
    client.force_login(w.member)
    r = _post(client, f"{BASE}/apps", {"unit_id": w.unit.pk, "name": "粤省事", "kind": "app"})
    assert r.status_code == 201, r.content
    app_id = r.json()["id"]
    r = client.put(
        f"{BASE}/apps/{app_id}/identities",
        data=json.dumps([{"platform": "android", "identifier": "cn.gov.gd.yss"}]),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["identities"][0]["identifier"] == "cn.gov.gd.yss"
    r = _post(client, f"{BASE}/applications", {"app_id": app_id})
    assert r.status_code == 201
    a = r.json()
    r = _post(client, f"{BASE}/applications/{a['id']}/submit", {"version": a["version"]})
    assert r.status_code == 400 and "basic.handler_name" in r.json()["errors"]
    r = client.patch(
        f"{BASE}/applications/{a['id']}",
        data=json.dumps(
            {
                "version": a["version"],
                "sections": rf.complete_sections("粤省事"),
                "pledge_accepted": True,
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 200
    a = r.json()
    r = client.patch(
        f"{BASE}/applications/{a['id']}",
        data=json.dumps({"version": a["version"] - 1, "pledge_accepted": True}),
        content_type="application/json",
    )
    assert r.status_code == 409
    r = _post(client, f"{BASE}/applications/{a['id']}/submit", {"version": a["version"]})
    assert r.status_code == 200 and r.json()["state"] == S.SUBMITTED
    # skipping a state is refused
    client.force_login(w.cac)
    r = _post(client, f"{BASE}/applications/{a['id']}/approve", {})
    assert r.status_code == 409 and "省级完整性审核中" in r.json()["detail"]
    client.force_login(w.province)
    body = _post(client, f"{BASE}/applications/{a['id']}/forward", {}).json()
    assert body["state"] == S.SUBMITTED and body["province_signoffs"] == ["cac"]
    client.force_login(f.gsa_reviewer("44"))
    assert (
        _post(client, f"{BASE}/applications/{a['id']}/forward", {}).json()["state"] == S.FORWARDED
    )
    client.force_login(w.cac)
    r = _post(client, f"{BASE}/applications/{a['id']}/approve", {})
    assert r.status_code == 400 and "override_reason" in r.json()["errors"]
    body = _post(
        client, f"{BASE}/applications/{a['id']}/approve", {"override_reason": "线下已检测"}
    ).json()
    assert body["state"] == S.FILED
    app = client.get(f"{BASE}/apps/{app_id}").json()
    assert app["status"] == "filed" and app["filing_number"].startswith("粤政务应用备")
    events = client.get(f"{BASE}/applications/{a['id']}/events").json()
    assert [e["to_state"] for e in events] == [
        "draft",
        "submitted",
        "submitted",
        "forwarded",
        "forwarded",
        "filed",
    ]


def test_unit_cannot_review_itself(client):
    w = rf.world()
    application = rf.submitted(w)
    client.force_login(w.member)
    r = _post(client, f"{BASE}/applications/{application.pk}/forward", {})
    assert r.status_code == 403
