"""Package scans: one uploaded package (stored by content hash) and what the scanner found."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction

# Audit events about a scan keep the object type they had before the model moved from
# compliance, so an audit filter by type and one scan's history stay one thread.
AUDIT_OBJECT_TYPE = "compliance.packagescan"


class ScanStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("检测中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class PackageScan(models.Model):
    """One uploaded package (stored by content hash) and what the scanner found in it."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="hosting_unit__scope_code", unit="hosting_unit_id"
    )

    hosting_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="package_scans"
    )
    app = models.ForeignKey(
        "registry.App",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="package_scans",
    )
    application = models.ForeignKey(
        "registry.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="package_scans",
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("大小"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("错误"), blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    facts = models.JSONField(_("检测结果"), null=True, blank=True)
    kind = models.CharField(_("包类型"), max_length=32, blank=True)
    package = models.CharField(_("包名"), max_length=255, blank=True, db_index=True)
    identity_check = models.JSONField(_("身份核对"), null=True, blank=True)
    scanner_version = models.CharField(max_length=32, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # the table keeps the name it had when scans lived in compliance (migrations moved the
        # model with SeparateDatabaseAndState: no table was renamed or copied)
        db_table = "compliance_packagescan"
        ordering = ["-created_at"]
        verbose_name = _("安装包检测")
        verbose_name_plural = _("安装包检测")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]})"
