"""What the reports app keeps (see docs/adr/0006-reports-keeps-figures-and-reports.md).

Reports reads every other app through its selectors and writes only its own three tables:
precomputed figures (so a national dashboard answers in milliseconds on 100,000 apps), the
schedules regulators set up, and the reports generated for them (kept so the report sent upward
last quarter can be found again exactly as it was sent).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class Snapshot(models.Model):
    """Precomputed figures of one jurisdiction ('' = national, '44' = a province ...)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_pk")

    kind = models.CharField(max_length=32)
    scope_code = models.CharField(max_length=12, blank=True)
    unit_pk = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    elapsed_ms = models.PositiveIntegerField(default=0)
    audit_seq = models.BigIntegerField(
        default=0, help_text="the audit chain's length when computed: any audited change after it"
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("统计快照")
        verbose_name_plural = _("统计快照")
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope_code"], name="reports_snapshot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.scope_code or 'national'}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月报")
    QUARTER = "quarter", _("季报")


class ReportSchedule(models.Model):
    """A regulator's standing order: generate this jurisdiction's report after each period."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_pk")

    scope_code = models.CharField(_("范围"), max_length=12, blank=True)
    unit_pk = models.BigIntegerField(null=True, blank=True)
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scope_code", "period_kind", "pk"]
        verbose_name = _("定期报表")
        verbose_name_plural = _("定期报表")
        constraints = [
            models.UniqueConstraint(
                fields=["scope_code", "period_kind"], name="reports_schedule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope_code or 'national'}:{self.period_kind}"


class GeneratedReport(models.Model):
    """One report as generated: its figures are frozen in ``data``; the XLSX workbook and the
    printable page are rendered from them, so a past report reads the same every time."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_pk")

    scope_code = models.CharField(_("范围"), max_length=12, blank=True, db_index=True)
    unit_pk = models.BigIntegerField(null=True, blank=True)
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    title = models.CharField(_("标题"), max_length=200)
    data = models.JSONField(default=dict)
    schedule = models.ForeignKey(
        ReportSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-period_start", "-created_at", "-pk"]
        verbose_name = _("统计报告")
        verbose_name_plural = _("统计报告")

    def __str__(self) -> str:
        return self.title
