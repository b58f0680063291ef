"""Package scanning inside the system: upload -> queued task -> worker -> facts, identity check,
failures kept and retried, stale jobs requeued, rescans after the scanner changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.core.models import AuditEvent
from govapp.registry.models import App, AppKind
from govapp.registry.services.apps import app_create, identities_set
from govapp.scanner.testkit.apk import build_apk, make_signing_key
from govapp.scans.models import PackageScan, ScanStatus
from govapp.scans.services import (
    package_path,
    package_scan_create,
    package_scan_rescan_outdated,
    package_scan_retry,
    package_scan_run,
    requeue_stale_scans,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    unit = f.unit("440106", name="广州市某局")
    member = f.unit_member(unit, username="gzu")
    app = app_create(actor=member, unit=unit, name="穗政通", kind=AppKind.APP)
    key = make_signing_key()
    built = build_apk(
        tmp_path / "sz.apk",
        package="cn.gov.gz.szt",
        permissions=(
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.ACCESS_BACKGROUND_LOCATION",
            "android.permission.CAMERA",
        ),
        dex_strings=("每日打卡签到", "学习时长排行榜"),
        dex_types=("Lcom/qq/e/ads/banner/BannerView;",),
        key=key,
    )
    identities_set(
        actor=member,
        app=app,
        identities=[
            {"platform": "android", "identifier": "cn.gov.gz.szt", "cert_sha256": built.cert_sha256}
        ],
    )
    return {
        "unit": unit,
        "member": member,
        "app": app,
        "apk": built.path,
        "cert": built.cert_sha256,
    }


def _upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_upload_queues_a_task_and_the_worker_stores_facts(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        scan = package_scan_create(
            actor=world["member"],
            unit=world["unit"],
            upload=_upload(world["apk"]),
            app=world["app"],
        )
    assert scan.status == ScanStatus.QUEUED
    assert package_path(scan.sha256).exists()
    # (the app's identity change earlier enqueued its own re-evaluation, a different task)
    assert (
        DBTaskResult.objects.filter(status="READY", task_path__endswith="run_package_scan").count()
        == 1
    )
    _run_worker()
    scan.refresh_from_db()
    assert scan.status == ScanStatus.DONE, scan.error
    assert scan.package == "cn.gov.gz.szt"
    facts = scan.facts
    assert facts is not None
    assert facts["schema"] == "govapp.scan/1"
    assert facts["file"]["sha256"] == scan.sha256
    assert {"location", "background-location", "camera"} <= set(facts["capabilities"])
    assert any(s["category"] == "advertising" for s in facts["sdks"])
    assert {k["practice"] for k in facts["keywords"]} >= {"clock_in"}
    assert scan.identity_check["package_match"] is True
    assert scan.identity_check["cert_match"] is True
    assert AuditEvent.objects.filter(action="package.scan_done", object_id=str(scan.pk)).exists()


def test_identity_mismatch_is_reported(world: dict[str, Any], tmp_path: Path) -> None:
    other = build_apk(
        tmp_path / "other.apk",
        package="cn.gov.gz.szt",
        key=make_signing_key(common_name="someone else's key"),
    )
    scan = package_scan_create(
        actor=world["member"], unit=world["unit"], upload=_upload(other.path), app=world["app"]
    )
    scan = package_scan_run(scan_id=scan.pk)
    assert scan.status == ScanStatus.DONE
    assert scan.identity_check["package_match"] is True
    assert scan.identity_check["cert_match"] is False
    assert "不一致" in scan.identity_check["message"]
    wrong = build_apk(tmp_path / "wrong.apk", package="com.example.fake")
    scan2 = package_scan_run(
        scan_id=package_scan_create(
            actor=world["member"], unit=world["unit"], upload=_upload(wrong.path), app=world["app"]
        ).pk
    )
    assert scan2.identity_check["package_match"] is False


def test_same_content_is_stored_once(world: dict[str, Any]) -> None:
    a = package_scan_create(
        actor=world["member"], unit=world["unit"], upload=_upload(world["apk"]), app=world["app"]
    )
    b = package_scan_create(
        actor=world["member"],
        unit=world["unit"],
        upload=_upload(world["apk"], "copy.apk"),
        app=world["app"],
    )
    assert a.sha256 == b.sha256
    files = list(package_path(a.sha256).parent.iterdir())
    assert [p.name for p in files] == [a.sha256]


def test_malformed_package_fails_visibly_and_can_be_retried(world: dict[str, Any]) -> None:
    bad = SimpleUploadedFile("broken.apk", b"PK\x03\x04 this is not really a zip" * 10)
    scan = package_scan_create(
        actor=world["member"], unit=world["unit"], upload=bad, app=world["app"]
    )
    scan = package_scan_run(scan_id=scan.pk)
    assert scan.status == ScanStatus.FAILED
    assert scan.error and scan.error_code
    assert scan.facts is None
    retried = package_scan_retry(actor=world["member"], scan=scan)
    assert retried.status == ScanStatus.QUEUED
    assert package_scan_run(scan_id=scan.pk).attempts == 2
    PackageScan.objects.filter(pk=scan.pk).update(status=ScanStatus.RUNNING)
    with pytest.raises(Conflict, match="排队或检测中"):
        package_scan_retry(actor=world["member"], scan=PackageScan.objects.get(pk=scan.pk))


def test_oversized_and_empty_uploads_are_refused(world: dict[str, Any], settings: Any) -> None:
    settings.GOVAPP_PACKAGE_MAX_BYTES = 1024
    with pytest.raises(InvalidInput, match="大小上限"):
        package_scan_create(
            actor=world["member"],
            unit=world["unit"],
            upload=_upload(world["apk"]),
            app=world["app"],
        )
    with pytest.raises(InvalidInput, match="空"):
        package_scan_create(
            actor=world["member"],
            unit=world["unit"],
            upload=SimpleUploadedFile("e.apk", b""),
            app=world["app"],
        )
    assert not PackageScan.objects.exists()


def test_killed_worker_job_is_requeued(world: dict[str, Any]) -> None:
    scan = package_scan_create(
        actor=world["member"], unit=world["unit"], upload=_upload(world["apk"]), app=world["app"]
    )
    PackageScan.objects.filter(pk=scan.pk).update(
        status=ScanStatus.RUNNING, started_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert requeue_stale_scans(minutes=30) == 1
    scan.refresh_from_db()
    assert scan.status == ScanStatus.QUEUED
    assert package_scan_run(scan_id=scan.pk).status == ScanStatus.DONE


def test_rescan_outdated_is_one_action(world: dict[str, Any]) -> None:
    scan = package_scan_run(
        scan_id=package_scan_create(
            actor=world["member"],
            unit=world["unit"],
            upload=_upload(world["apk"]),
            app=world["app"],
        ).pk
    )
    assert package_scan_rescan_outdated(actor=None, queryset=PackageScan.objects.all()) == 0
    PackageScan.objects.filter(pk=scan.pk).update(scanner_version="old")
    assert package_scan_rescan_outdated(actor=None, queryset=PackageScan.objects.all()) == 1
    assert PackageScan.objects.get(pk=scan.pk).status == ScanStatus.QUEUED


def test_other_unit_cannot_upload_or_read(world: dict[str, Any], client: Client) -> None:
    other_unit = f.unit("440106", name="别的单位")
    outsider = f.unit_member(other_unit, username="outsider")
    with pytest.raises(NotAllowed):
        package_scan_create(
            actor=outsider, unit=world["unit"], upload=_upload(world["apk"]), app=world["app"]
        )
    scan = package_scan_create(
        actor=world["member"], unit=world["unit"], upload=_upload(world["apk"]), app=world["app"]
    )
    client.force_login(outsider)
    assert client.get(f"/scans/{scan.pk}/").status_code == 404
    assert client.get(f"/api/v1/scans/{scan.pk}").status_code == 404
    sc = f.regulator("51", username="sc")
    client.force_login(sc)
    assert client.get(f"/scans/{scan.pk}/").status_code == 404
    assert client.post(f"/scans/{scan.pk}/retry/").status_code == 404
    gd = f.regulator("44", username="gd")
    client.force_login(gd)
    assert client.get(f"/scans/{scan.pk}/").status_code == 200


def test_upload_page_and_detail_page(world: dict[str, Any], client: Client) -> None:
    client.force_login(world["member"])
    page = client.get("/scans/upload/")
    assert "穗政通" in page.content.decode()
    with open(world["apk"], "rb") as fh:
        resp = client.post("/scans/upload/", {"app": world["app"].pk, "package": fh})
    assert resp.status_code == 302
    scan = PackageScan.objects.get()
    package_scan_run(scan_id=scan.pk)
    detail = client.get(resp["Location"]).content.decode()
    assert "cn.gov.gz.szt" in detail
    assert "广告" in detail  # SDK category
    assert "打卡" in detail  # keyword hit in context
    assert "包名和签名证书均与申报一致" in detail
    bad = client.post("/scans/upload/", {"app": world["app"].pk})
    assert bad.status_code == 400
    assert "请选择安装包文件" in bad.content.decode()


def test_api_upload_and_read(world: dict[str, Any], client: Client) -> None:
    client.force_login(world["member"])
    with open(world["apk"], "rb") as fh:
        resp = client.post("/api/v1/scans", {"app_id": world["app"].pk, "package": fh})
    assert resp.status_code == 201, resp.content
    scan_id = resp.json()["id"]
    package_scan_run(scan_id=scan_id)
    body = client.get(f"/api/v1/scans/{scan_id}").json()
    assert body["status"] == "done"
    assert body["facts"]["identity"]["package"] == "cn.gov.gz.szt"
    assert client.get("/api/v1/scans").json()["count"] == 1


def test_real_fixture_scans_in_the_system(world: dict[str, Any], shared_fixtures: Path) -> None:
    path = shared_fixtures / "apk" / "a2dp.Vol_137.apk"
    scan = package_scan_run(
        scan_id=package_scan_create(
            actor=world["member"], unit=world["unit"], upload=_upload(path), app=world["app"]
        ).pk
    )
    assert scan.status == ScanStatus.DONE
    assert scan.package == "a2dp.Vol"
    assert "location" in scan.facts["capabilities"]
    assert scan.identity_check["package_match"] is False


def test_app_model_is_the_registry_one() -> None:
    assert PackageScan._meta.get_field("app").related_model is App


def test_registry_pages_show_the_compliance_summary(world: dict[str, Any], client: Client) -> None:
    from govapp.compliance.services import compliance_evaluate
    from govapp.registry.services.applications import application_create

    package_scan_run(
        scan_id=package_scan_create(
            actor=world["member"],
            unit=world["unit"],
            upload=_upload(world["apk"]),
            app=world["app"],
        ).pk
    )
    compliance_evaluate(app=world["app"], actor=None)  # the after-scan hook runs on commit
    application = application_create(actor=world["member"], app=world["app"])
    client.force_login(world["member"])
    for url in (f"/registry/apps/{world['app'].pk}/", f"/registry/applications/{application.pk}/"):
        page = client.get(url).content.decode()
        assert "检测与合规" in page, url
        assert "sz.apk" in page
        assert f"/compliance/apps/{world['app'].pk}/" in page
        # each open finding by its rule's title, severities by their labels (not "high 1")
        summary = page[page.index("compliance-summary") :]
        assert "<li>集成广告 SDK（经营性活动）" in summary, url
        assert "高 " in summary and "high" not in summary
