"""Scans moved out of compliance (docs/adr/0007-scans-app.md): the table, the queued tasks, the
audit trail and the content type carry on as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from govapp.compliance.models import Finding, RectificationOrder
from govapp.core.audit_labels import field_label, object_type_label
from govapp.core.models import AuditEvent
from govapp.scanner.testkit.apk import build_apk
from govapp.scans import tasks
from govapp.scans.models import PackageScan, ScanStatus
from govapp.scans.services import package_scan_create
from tests import factories as f

OLD_RUN = "govapp.compliance.scanning.run_package_scan"
OLD_REQUEUE = "govapp.compliance.scanning.requeue_stale_scans_task"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _queued_scan(tmp_path: Path) -> PackageScan:
    unit = f.unit("440106", name="广州市某局")
    member = f.unit_member(unit, username="gzu")
    apk = build_apk(tmp_path / "a.apk", package="cn.gov.gz.moved")
    return package_scan_create(
        actor=member,
        unit=unit,
        upload=SimpleUploadedFile("a.apk", apk.path.read_bytes()),
    )


def test_the_model_keeps_its_table_and_the_engine_points_at_it() -> None:
    assert PackageScan._meta.app_label == "scans"
    assert PackageScan._meta.db_table == "compliance_packagescan"
    assert Finding._meta.get_field("scan").related_model is PackageScan
    assert RectificationOrder._meta.get_field("response_scan").related_model is PackageScan


def test_the_old_task_paths_are_the_same_tasks() -> None:
    assert import_string(OLD_RUN) is tasks.run_package_scan
    assert import_string(OLD_REQUEUE) is tasks.requeue_stale_scans_task
    assert tasks.run_package_scan.module_path == "govapp.scans.tasks.run_package_scan"


@pytest.mark.django_db(transaction=True)
def test_a_scan_queued_under_the_old_path_still_runs(tmp_path: Path) -> None:
    scan = _queued_scan(tmp_path)
    # (committed at once in this test: the upload queued its task under the new path; that row
    # goes, so the only task that can run this scan is one stored under the old path)
    DBTaskResult.objects.all().delete()
    result = tasks.run_package_scan.enqueue(scan.pk)
    # what a row written before the move looks like
    DBTaskResult.objects.filter(pk=result.id).update(task_path=OLD_RUN)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL", row.traceback
    scan.refresh_from_db()
    assert scan.status == ScanStatus.DONE
    assert scan.package == "cn.gov.gz.moved"
    # the package-only compliance findings are still filled in by the scan (core.wiring.CHECKS)
    assert scan.facts is not None and "findings" in scan.facts


@pytest.mark.django_db
def test_audit_events_keep_their_object_type_and_read_as_before(tmp_path: Path) -> None:
    scan = _queued_scan(tmp_path)
    event = AuditEvent.objects.get(action="package.upload", object_id=str(scan.pk))
    assert event.object_type == "compliance.packagescan"
    assert object_type_label("compliance.packagescan") == "安装包检测"
    assert field_label("compliance.packagescan", "file_name") == "文件名"


@pytest.mark.django_db
def test_the_content_type_is_the_scans_one() -> None:
    ct = ContentType.objects.get_for_model(PackageScan)
    assert (ct.app_label, ct.model) == ("scans", "packagescan")
    assert not ContentType.objects.filter(app_label="compliance", model="packagescan").exists()


@pytest.mark.django_db(transaction=True)
def test_migrating_from_before_the_move_keeps_the_rows() -> None:
    """Back to compliance 0004 (scans inside compliance), write a scan and a finding pointing
    at it with the models of that time, then forward again: the rows read with today's models."""
    before = [("compliance", "0004_scale_indexes"), ("scans", None)]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        # every other app as it is now, compliance as it was before the move
        others = [leaf for leaf in leaves if leaf[0] not in {"compliance", "scans"}]
        state = MigrationExecutor(connection).loader.project_state([*others, before[0]])
        old = state.apps
        assert "packagescan" not in {m for (a, m) in state.models if a == "scans"}
        assert old.get_model("compliance", "PackageScan")._meta.db_table == (
            "compliance_packagescan"
        )
        division = old.get_model("orgs", "Division").objects.create(
            code="449900", name="某市", level=2, province_code="44"
        )
        unit = old.get_model("orgs", "Unit").objects.create(
            name="某局", kind="admin_organ", division=division, scope_code="449900"
        )
        app = old.get_model("registry", "App").objects.create(
            name="老应用", kind="app", hosting_unit=unit
        )
        scan = old.get_model("compliance", "PackageScan").objects.create(
            hosting_unit=unit, app=app, file_name="old.apk", sha256="ab" * 32, size=3, status="done"
        )
        old.get_model("compliance", "Finding").objects.create(
            app=app, rule_id="R20_CLOCK_IN", requirement="R-20", severity="high", scan=scan
        )
        ct = old.get_model("contenttypes", "ContentType")
        ct.objects.get_or_create(app_label="compliance", model="packagescan")

        MigrationExecutor(connection).migrate(leaves)

        moved = PackageScan.objects.get(pk=scan.pk)
        assert (moved.file_name, moved.status, moved.app_id) == ("old.apk", "done", app.pk)
        assert Finding.objects.get(scan=moved).rule_id == "R20_CLOCK_IN"
        assert ContentType.objects.filter(app_label="scans", model="packagescan").exists()
        assert not ContentType.objects.filter(app_label="compliance", model="packagescan").exists()
    finally:
        MigrationExecutor(connection).migrate(leaves)


def test_what_scans_asks_of_compliance_resolves() -> None:
    """The three upward asks are dotted paths in core.wiring.CHECKS; a rename on the compliance
    side fails here rather than on a user's page."""
    from govapp.compliance import rules, selectors, services
    from govapp.core import wiring
    from govapp.core.tasks import resolve

    assert resolve(wiring.CHECKS["scan.package_findings"]) is rules.add_package_findings
    assert resolve(wiring.CHECKS["scan.findings_display"]) is selectors.package_findings_display
    assert resolve(wiring.CHECKS["app.evaluate"]) is services.compliance_evaluate
    jobs = {j.name: resolve(j.task) for j in wiring.PERIODIC_JOBS}
    assert jobs["scans.requeue_stale"] is tasks.requeue_stale_scans_task
