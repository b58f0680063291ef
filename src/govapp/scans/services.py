"""Package scanning inside the system (issue 4, item 8): the writes.

Uploading a package stores it by content hash (streamed, size-limited), creates a
:class:`PackageScan` row and queues :func:`govapp.scans.tasks.run_package_scan` after commit.
The worker runs the pure scanner library, stores the facts, and checks the package's identity
(package name and signing certificate) against the identities the app declared.  A failed scan
keeps its error and can be retried; a scan whose worker was killed is requeued by
:func:`requeue_stale_scans`.  When the scanner improves (its version changes), one action
rescans everything scanned by an older version.

The package-only rules belong to the compliance engine, a higher app: the scan asks for their
findings through ``core.wiring.CHECKS["scan.package_findings"]`` (a dotted path read at run time,
not an import), and the engine evaluates the app in the ``scan.completed`` follow-up task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core import wiring
from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.core.permissions import can
from govapp.core.tasks import follow_up, resolve
from govapp.orgs.models import Unit
from govapp.registry.models import App, Application
from govapp.scans import tasks
from govapp.scans.identity import identity_check
from govapp.scans.models import AUDIT_OBJECT_TYPE, PackageScan, ScanStatus

log = logging.getLogger("govapp.scanning")


@lru_cache(maxsize=1)
def scanner_version() -> str:
    """A fingerprint of the scanner's code and data: it changes whenever the scanner does."""
    digest = hashlib.sha256()
    root = resources.files("govapp.scanner")
    paths = sorted(
        str(p.relative_to(Path(str(root))))
        for p in Path(str(root)).rglob("*")
        if p.suffix in {".py", ".csv"} and "__pycache__" not in p.parts
    )
    for rel in paths:
        digest.update(rel.encode())
        digest.update((Path(str(root)) / rel).read_bytes())
    return digest.hexdigest()[:12]


def package_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "packages"


def package_path(sha256: str) -> Path:
    return package_dir() / sha256[:2] / sha256


def _too_large(limit: int) -> InvalidInput:
    msg = _("安装包超过大小上限 %(mb)d MB，请联系监管部门线下提交。") % {
        "mb": limit // (1024 * 1024)
    }
    return InvalidInput(msg, {"package": msg})


def _store_stream(chunks: Iterable[bytes], limit: int) -> tuple[str, int]:
    """Write the chunks to the content-addressed store; returns (sha256, size)."""
    package_dir().mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=package_dir(), prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            msg = _("上传的文件是空的。")
            raise InvalidInput(msg, {"package": msg})
        sha = digest.hexdigest()
        final = package_path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
            final.chmod(0o440)
        return sha, size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def package_scan_create(
    *,
    actor: Actor,
    unit: Unit,
    upload: UploadedFile[bytes],
    app: App | None = None,
    application: Application | None = None,
) -> PackageScan:
    """Store an uploaded package and queue its scan."""
    target = application or app or unit
    if not can(actor, "change", target):
        raise NotAllowed(_("您无权为该应用上传安装包。"))
    if app is None and application is not None:
        app = application.app
    if app is not None and app.hosting_unit_id != unit.pk:
        raise InvalidInput(_("应用不属于该单位。"), {"app": _("应用不属于该单位。")})
    limit = int(settings.GOVAPP_PACKAGE_MAX_BYTES)
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    sha, size = _store_stream(upload.chunks(), limit)
    name = os.path.basename(upload.name or "package")[:255]
    with transaction.atomic():
        scan = PackageScan.objects.create(
            hosting_unit=unit,
            app=app,
            application=application,
            file_name=name,
            sha256=sha,
            size=size,
            uploaded_by_id=actor.pk if actor.is_authenticated else None,
        )
        audit_record(
            actor=actor,
            action="package.upload",
            obj=scan,
            object_type=AUDIT_OBJECT_TYPE,
            after={"file_name": name, "sha256": sha, "size": size, "app": getattr(app, "pk", None)},
        )
        transaction.on_commit(lambda: _enqueue(scan.pk))
    return scan


def _enqueue(scan_id: int) -> None:
    tasks.run_package_scan.enqueue(scan_id)


def _enqueue_many(ids: list[int]) -> None:
    for scan_id in ids:
        _enqueue(scan_id)


def package_scan_run(*, scan_id: int) -> PackageScan:
    """Run the scanner on a queued (or requeued) scan and store the outcome."""
    from govapp.scanner import ScanError, scan_path

    # the compliance rules a package alone decides fill the result's ``findings``
    add_package_findings = resolve(wiring.CHECKS["scan.package_findings"])

    with transaction.atomic():
        scan = PackageScan.objects.select_for_update().get(pk=scan_id)
        if scan.status == ScanStatus.DONE:
            return scan
        scan.status = ScanStatus.RUNNING
        scan.attempts += 1
        scan.started_at = timezone.now()
        scan.save(update_fields=["status", "attempts", "started_at"])
    path = package_path(scan.sha256)
    facts: dict[str, Any] | None = None
    error = ""
    code = ""
    try:
        if not path.exists():
            raise ScanError("missing_file", _("安装包文件已不在存储中，请重新上传。"))
        result = scan_path(path)
        result.file.name = scan.file_name
        add_package_findings(result)
        facts = result.to_json_dict()
    except ScanError as exc:
        error, code = str(exc), exc.code
    except Exception as exc:  # a bug must not lose the job: record it, keep it retryable
        log.exception("scan %s failed unexpectedly", scan_id)
        error, code = f"{type(exc).__name__}: {exc}", "internal"
    with transaction.atomic():
        scan = (
            PackageScan.objects.select_for_update(of=("self",))
            .select_related("app")
            .get(pk=scan_id)
        )
        scan.finished_at = timezone.now()
        scan.scanner_version = scanner_version()
        if facts is not None:
            scan.status = ScanStatus.DONE
            scan.facts = facts
            scan.kind = str(facts.get("kind", ""))
            scan.package = str((facts.get("identity") or {}).get("package") or "")[:255]
            scan.identity_check = identity_check(facts, scan.app)
            scan.error = scan.error_code = ""
        else:
            scan.status = ScanStatus.FAILED
            scan.error, scan.error_code = error[:2000], code[:32]
        scan.save()
        audit_record(
            actor=None,
            action="package.scan_done" if facts is not None else "package.scan_failed",
            obj=scan,
            object_type=AUDIT_OBJECT_TYPE,
            after={
                "status": scan.status,
                "kind": scan.kind,
                "package": scan.package,
                "error": scan.error,
                "scanner_version": scan.scanner_version,
                "identity": (scan.identity_check or {}).get("message", ""),
            },
        )
        if facts is not None:
            # the compliance engine evaluates the scanned app (core.wiring.FOLLOW_UPS)
            follow_up("scan.completed", scan_id=scan.pk)
    return scan


def package_scan_retry(*, actor: Actor, scan: PackageScan) -> PackageScan:
    """Queue a failed or finished scan again (a rescan after the scanner improved)."""
    if not can(actor, "change", scan) and not can(actor, "review", scan):
        raise NotAllowed(_("您无权重新检测该安装包。"))
    with transaction.atomic():
        scan = PackageScan.objects.select_for_update().get(pk=scan.pk)
        if scan.status in {ScanStatus.QUEUED, ScanStatus.RUNNING}:
            raise Conflict(_("该安装包正在排队或检测中，请稍候。"))
        before = scan.status
        scan.status = ScanStatus.QUEUED
        scan.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="package.rescan",
            obj=scan,
            object_type=AUDIT_OBJECT_TYPE,
            before={"status": before},
            after={"status": scan.status},
        )
        transaction.on_commit(lambda: _enqueue(scan.pk))
    return scan


def package_scan_rescan_outdated(*, actor: Actor | None, queryset: QuerySet[PackageScan]) -> int:
    """One action: requeue every scan in ``queryset`` made by an older scanner version."""
    current = scanner_version()
    ids = list(
        queryset.filter(status__in=[ScanStatus.DONE, ScanStatus.FAILED])
        .exclude(scanner_version=current)
        .values_list("pk", flat=True)[:10000]
    )
    with transaction.atomic():
        PackageScan.objects.filter(pk__in=ids).update(status=ScanStatus.QUEUED)
        audit_record(
            actor=actor,
            action="package.rescan_outdated",
            object_type=AUDIT_OBJECT_TYPE,
            object_id="*",
            object_repr=_("重新检测旧版本结果"),
            after={"count": len(ids), "scanner_version": current},
        )
        transaction.on_commit(lambda: _enqueue_many(ids))
    return len(ids)


def requeue_stale_scans(*, minutes: int | None = None) -> int:
    """Scans left 'running' by a killed worker go back to the queue."""
    limit = minutes if minutes is not None else int(settings.GOVAPP_SCAN_STALE_MINUTES)
    cutoff = timezone.now() - dt.timedelta(minutes=limit)
    ids = list(
        PackageScan.objects.filter(status=ScanStatus.RUNNING, started_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return 0
    with transaction.atomic():
        PackageScan.objects.filter(pk__in=ids).update(status=ScanStatus.QUEUED)
        for pk in ids:
            audit_record(
                actor=None,
                action="package.requeue_stale",
                obj=PackageScan.objects.get(pk=pk),
                object_type=AUDIT_OBJECT_TYPE,
                after={"status": ScanStatus.QUEUED},
            )
        transaction.on_commit(lambda: _enqueue_many(ids))
    return len(ids)
