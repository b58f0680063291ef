"""Issue 15, item 5: scan and app pages tell the truth."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.compliance import factories as cf
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def test_no_green_all_clear_when_nothing_was_scanned(client: Client) -> None:
    w = rf.world()
    app = rf.app(w)
    client.force_login(w.member)
    page = client.get(reverse("registry:app", args=[app.pk])).content.decode()
    assert "尚未检测" in page and "未发现问题" not in page
    page = client.get(reverse("compliance:app", args=[app.pk])).content.decode()
    assert "尚未检测安装包" in page
    cf.package_scan(app)
    page = client.get(reverse("registry:app", args=[app.pk])).content.decode()
    assert "已检测，未发现问题" in page


def test_scan_page_links_to_its_app_and_checks_against_current_identities(client: Client) -> None:
    w = rf.world()
    app = rf.app(w)
    ident = app.identities.get()
    scan = cf.package_scan(app, cert="cd" * 32)  # signed with another certificate
    client.force_login(w.member)
    url = reverse("scans:detail", args=[scan.pk])
    page = client.get(url).content.decode()
    assert reverse("registry:app", args=[app.pk]) in page
    assert "签名证书与申报的指纹不一致" in page
    assert "cd" * 32 in page  # the fingerprint in full
    # adopt the detected identity: the check turns green by itself
    resp = client.post(reverse("scans:adopt-identity", args=[scan.pk]))
    assert resp.status_code == 302
    ident = app.identities.get()
    assert ident.cert_sha256 == "cd" * 32 and ident.identifier == scan.package
    page = client.get(url).content.decode()
    assert "包名和签名证书均与申报一致" in page
    assert "采用检测到的包名" not in page


def test_adopting_is_refused_for_filed_apps_and_other_units(client: Client) -> None:
    w = rf.world()
    app = rf.filed(w).app
    scan = cf.package_scan(app, cert="cd" * 32)
    client.force_login(w.member)
    page = client.get(reverse("scans:detail", args=[scan.pk])).content.decode()
    assert "只能通过变更备案修改" in page
    client.post(reverse("scans:adopt-identity", args=[scan.pk]))
    assert app.identities.get().cert_sha256 != "cd" * 32
    client.force_login(w.other_province)
    assert client.post(reverse("scans:adopt-identity", args=[scan.pk])).status_code == 404


def test_auditor_sees_no_buttons_it_cannot_use(client: Client) -> None:
    w = rf.world()
    app = rf.app(w)
    client.force_login(f.auditor())
    page = client.get(reverse("registry:app", args=[app.pk])).content.decode()
    assert reverse("scans:upload") not in page
    page = client.get(reverse("compliance:app", args=[app.pk])).content.decode()
    assert "重新检测" not in page


def test_units_and_auditors_see_no_publish_or_upload_buttons(client: Client) -> None:
    w = rf.world()
    rf.app(w)
    for user, publish, upload in [
        (w.member, False, True),
        (f.auditor(), False, False),
        (w.province, True, True),
    ]:
        client.force_login(user)
        page = client.get(reverse("compliance:bulletins")).content.decode()
        assert (reverse("compliance:bulletin_new") in page) is publish
        page = client.get(reverse("scans:list")).content.decode()
        assert (reverse("scans:upload") in page) is upload


def test_findings_follow_a_change_of_declared_identity_by_themselves(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from govapp.compliance.models import Finding
    from govapp.registry.services.apps import identities_set

    w = rf.world()
    app = rf.app(w)
    scan = cf.package_scan(app)
    ident = app.identities.get()
    assert not Finding.objects.filter(app=app, rule_id="R11_CERTIFICATE_MISMATCH").exists()
    with django_capture_on_commit_callbacks(execute=True):
        identities_set(
            actor=w.member,
            app=app,
            identities=[
                {"platform": "android", "identifier": ident.identifier, "cert_sha256": "ef" * 32}
            ],
        )
    from django_tasks_db.models import DBTaskResult

    from govapp.compliance.tasks import app_evaluate_task

    queued = DBTaskResult.objects.filter(status="READY", task_path__endswith="app_evaluate_task")
    assert queued.count() == 1
    app_evaluate_task.call(app_id=app.pk)  # what the worker runs
    assert Finding.objects.filter(
        app=app, rule_id="R11_CERTIFICATE_MISMATCH", status="open"
    ).exists(), scan
