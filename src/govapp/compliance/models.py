"""Compliance data: the rules' findings, exemptions, rectification, penalties, spot checks and
bulletins. Package scans live in :mod:`govapp.scans.models`; findings and orders point at them."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction
from govapp.scans.models import PackageScan

# ==========================================================================================
# Compliance engine (issue 5): findings, exemptions, rectification, penalties, spot checks,
# bulletins.  The rules themselves are code in govapp.compliance.rules.
# ==========================================================================================

SEVERITY_CHOICES = [
    ("info", _("提示")),
    ("low", _("低")),
    ("medium", _("中")),
    ("high", _("高")),
    ("critical", _("严重")),
]


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    EXEMPTED = "exempted", _("已豁免")
    CLOSED = "closed", _("已关闭")


class Finding(models.Model):
    """One rule broken by one app.  Re-evaluation updates the open finding of (app, rule)
    instead of adding another; a finding that no longer holds is closed with the reason."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(_("规则"), max_length=64, db_index=True)
    requirement = models.CharField(_("条款"), max_length=8)
    severity = models.CharField(_("严重程度"), max_length=8, choices=SEVERITY_CHOICES)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=FindingStatus.choices,
        default=FindingStatus.OPEN,
        db_index=True,
    )
    evidence = models.JSONField(_("证据"), default=list)
    app_version = models.CharField(_("版本"), max_length=64, blank=True)
    fact_sources = models.JSONField(_("事实来源"), default=dict)
    scan = models.ForeignKey(
        PackageScan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    application = models.ForeignKey(
        "registry.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    exemption = models.ForeignKey(
        "Exemption", null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(_("关闭原因"), blank=True)

    class Meta:
        ordering = ["status", "-last_seen", "pk"]
        verbose_name = _("合规问题")
        verbose_name_plural = _("合规问题")
        constraints = [
            models.UniqueConstraint(
                fields=["app", "rule_id"],
                condition=~models.Q(status="closed"),
                name="finding_one_live_per_app_rule",
            )
        ]
        indexes = [
            models.Index(fields=["rule_id", "status"]),
            models.Index(fields=["status", "-last_seen", "id"], name="finding_list_order_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id}:{self.rule_id}"


class ExemptionStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")
    EXPIRED = "expired", _("已过期")
    WITHDRAWN = "withdrawn", _("已撤回")


class Exemption(models.Model):
    """A security/emergency exemption of one app from one rule (R-09, R-20)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="exemptions")
    rule_id = models.CharField(_("规则"), max_length=64)
    scenario = models.CharField(
        _("特殊场景"),
        max_length=16,
        choices=[("security", _("安保")), ("emergency", _("应急")), ("other", _("其他特殊场景"))],
    )
    reason = models.TextField(_("理由"))
    document_name = models.CharField(_("证明材料"), max_length=255, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    document_size = models.PositiveBigIntegerField(default=0)
    requested_expiry = models.DateField(_("申请有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ExemptionStatus.choices,
        default=ExemptionStatus.REQUESTED,
        db_index=True,
    )
    expires_on = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("豁免")
        verbose_name_plural = _("豁免")

    def __str__(self) -> str:
        return f"{self.app_id}:{self.rule_id} ({self.status})"

    @property
    def storage_name(self) -> str:
        return f"compliance/exemptions/{self.document_sha256[:2]}/{self.document_sha256}"


class OrderState(models.TextChoices):
    OPEN = "open", _("整改中")
    RESPONDED = "responded", _("待验收")
    SENT_BACK = "sent_back", _("已退回重新整改")
    ACCEPTED = "accepted", _("整改完成")
    FAILED = "failed", _("整改不合格")


class RectificationOrder(models.Model):
    """A regulator's order to correct findings within a number of working days (R-29, R-31)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey(
        "registry.App", on_delete=models.CASCADE, related_name="rectification_orders"
    )
    findings = models.ManyToManyField(Finding, related_name="orders")
    instructions = models.TextField(_("整改要求"))
    state = models.CharField(
        _("状态"), max_length=16, choices=OrderState.choices, default=OrderState.OPEN, db_index=True
    )
    working_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"))
    deadline = models.DateField(_("整改期限"), db_index=True)
    deadline_provisional = models.BooleanField(default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    response = models.TextField(_("整改情况"), blank=True)
    response_scan = models.ForeignKey(
        PackageScan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    rounds = models.PositiveSmallIntegerField(default=0)
    decision_note = models.TextField(_("验收意见"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期升级时间"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        # the lists' order (issue 16): a page of the newest orders without sorting them all
        indexes = [models.Index(fields=["-issued_at", "-id"], name="order_issued_id_scale")]

    def __str__(self) -> str:
        return str(_("整改 #%(n)s") % {"n": self.pk})


class PenaltyState(models.TextChoices):
    PROPOSED = "proposed", _("拟撤销备案")
    REVOKED = "revoked", _("已撤销备案")
    DROPPED = "dropped", _("不予处罚")
    RESTORED = "restored", _("已重新备案")


class PenaltyCase(models.Model):
    """A case proposing revocation of a filing after a failed rectification (R-31)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="penalties")
    order = models.ForeignKey(
        RectificationOrder, on_delete=models.PROTECT, related_name="penalties"
    )
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=PenaltyState.choices,
        default=PenaltyState.PROPOSED,
        db_index=True,
    )
    reason = models.TextField(_("处理理由"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    filing_number = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("处罚案件")
        verbose_name_plural = _("处罚案件")

    def __str__(self) -> str:
        return str(_("处罚 #%(n)s") % {"n": self.pk})


class SpotCheck(models.Model):
    """One sample of filed apps drawn for technical testing (R-30), reproducible from its seed."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_pk")

    name = models.CharField(_("名称"), max_length=128)
    scope_code = models.CharField(_("范围"), max_length=12, blank=True, db_index=True)
    unit_pk = models.BigIntegerField(null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("抽样数量"))
    seed = models.BigIntegerField(_("随机种子"))
    forced = models.BooleanField(_("允许连续抽中"), default=False)
    params = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("抽查检测")
        verbose_name_plural = _("抽查检测")

    def __str__(self) -> str:
        return self.name


class SpotResult(models.TextChoices):
    PENDING = "pending", _("待检测")
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")


class SpotCheckItem(models.Model):
    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="items")
    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="spot_checks")
    stratum = models.CharField(max_length=64)
    risk = models.FloatField(default=1.0)
    result = models.CharField(
        max_length=16, choices=SpotResult.choices, default=SpotResult.PENDING, db_index=True
    )
    checks = models.JSONField(default=dict)
    note = models.TextField(blank=True)
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stratum", "pk"]
        verbose_name = _("抽查对象")
        verbose_name_plural = _("抽查对象")
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "app"], name="spot_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.spot_check_id}:{self.app_id}"


class Bulletin(models.Model):
    """A published bulletin of typical problems (R-32); ``cases`` is a frozen snapshot."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_pk")

    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("导语"), blank=True)
    anonymised = models.BooleanField(_("隐去单位名称"), default=True)
    cases = models.JSONField(default=list)
    scope_code = models.CharField(max_length=12, blank=True, db_index=True)
    unit_pk = models.BigIntegerField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("通报")
        verbose_name_plural = _("通报")

    def __str__(self) -> str:
        return self.title


class OperationFacts(models.Model):
    """What a higher app knows about an app's operation (complaint counts, usage, the burden
    ledger ...), pushed through ``compliance.services.app_operation_facts_put`` and merged into
    the rules' Operation facts. One row per app and source; only aggregates, nothing personal."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey(
        "registry.App", on_delete=models.CASCADE, related_name="operation_facts"
    )
    source = models.CharField(_("来源"), max_length=32)
    data = models.JSONField(_("运行事实"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["app_id", "source"]
        verbose_name = _("运行事实")
        verbose_name_plural = _("运行事实")
        constraints = [
            models.UniqueConstraint(fields=["app", "source"], name="operation_facts_one_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.app_id}:{self.source}"
