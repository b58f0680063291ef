"""Registry changes reach the cached public verification at once (after commit)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govapp.registry.services.review import application_approve
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def _verify(client: Client, **params: str) -> dict[str, Any]:
    resp = client.get("/api/v1/public/verify", params)
    assert resp.status_code == 200, resp.content
    return dict(resp.json())


def test_filing_shows_in_verification_immediately(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    w = rf.world()
    with django_capture_on_commit_callbacks(execute=True):
        application = rf.forwarded(w, package="cn.gov.gz.fresh")
    identity = application.app.identities.get()
    params = {"package": "cn.gov.gz.fresh", "cert_sha256": identity.cert_sha256}
    assert _verify(client, **params)["status"] == "not_filed"  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        application_approve(actor=w.cac, application=application, override_reason=rf.OVERRIDE)
    body = _verify(client, **params)
    assert body["status"] == "filed"
    assert body["filing_number"]
