"""The burden ledger (填报事项清单, R-19, R-26): data demands on grassroots units, the gateway
that clears new demands, changes and withdrawals, burden budgets and designated offices."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class Frequency(models.TextChoices):
    ONCE = "once", _("一次性")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")


class TargetLevel(models.TextChoices):
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    TOWNSHIP = "township", _("乡镇（街道）")
    GRID = "grid", _("网格")


class FieldType(models.TextChoices):
    TEXT = "text", _("文本")
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("数值")
    DATE = "date", _("日期")
    CHOICE = "choice", _("选项")
    ID_NUMBER = "id_number", _("身份证号")
    PHONE = "phone", _("电话")
    AMOUNT = "amount", _("金额")
    BOOLEAN = "boolean", _("是/否")


class DemandStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待审查")
    SENT_BACK = "sent_back", _("退回复用已有数据")
    REFUSED = "refused", _("不予列入")
    LISTED = "listed", _("已列入清单")
    WITHDRAWN = "withdrawn", _("已撤销")
    REPLACED = "replaced", _("已被新版本替代")


class Demand(models.Model):
    """One data demand placed on grassroots units (a form, a report, a roster ...).

    ``scope_code`` is the division whose grassroots units are asked (normally a county);
    the jurisdiction of regulators follows it, the issuing unit sees its own demands. Listed
    demands are public (the ledger and its numbers are published); all others are not.
    """

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_id")

    ledger_number = models.CharField(_("清单编号"), max_length=32, blank=True, db_index=True)
    title = models.CharField(_("事项名称"), max_length=200)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("发起部门"),
        on_delete=models.PROTECT,
        related_name="ledger_demands",
    )
    department = models.CharField(
        _("发起部门名称"), max_length=128, blank=True, help_text=_("导入时表格中的部门名称")
    )
    division = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("填报地区"),
        on_delete=models.PROTECT,
        related_name="ledger_demands",
    )
    scope_code = models.CharField(max_length=12, db_index=True, editable=False)
    basis = models.TextField(_("法律或政策依据"), blank=True)
    target_level = models.CharField(
        _("填报对象层级"), max_length=16, choices=TargetLevel.choices, default=TargetLevel.VILLAGE
    )
    units_targeted = models.PositiveIntegerField(
        _("填报单位数"), default=1, help_text=_("需要填报的基层单位（村、社区、乡镇或网格）个数")
    )
    frequency = models.CharField(
        _("填报频次"), max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    minutes_per_field = models.DecimalField(
        _("每项每次填报分钟数"),
        max_digits=6,
        decimal_places=2,
        default=2,
        help_text=_("每个基层单位每次填报一个字段平均所需分钟数"),
    )
    app = models.ForeignKey(
        "registry.App",
        verbose_name=_("承载应用"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger_demands",
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=DemandStatus.choices,
        default=DemandStatus.DRAFT,
        db_index=True,
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("变更前版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    listed_at = models.DateTimeField(_("列入时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scope_code", "ledger_number", "pk"]
        verbose_name = _("填报事项")
        verbose_name_plural = _("填报事项")
        constraints = [
            models.UniqueConstraint(
                fields=["ledger_number"],
                condition=Q(status="listed"),
                name="ledger_number_listed_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ledger_number or '—'} {self.title}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.scope_code = self.division_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def department_name(self) -> str:
        return self.department or self.unit.name

    @property
    def is_public(self) -> bool:
        return self.status == DemandStatus.LISTED


class DemandField(models.Model):
    """One field a demand asks for, with the dictionary item the matcher found for it."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="demand__scope_code", unit="demand__unit_id"
    )

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("字段名称"), max_length=120)
    type = models.CharField(
        _("数据类型"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT
    )
    item = models.CharField(_("数据项"), max_length=120, blank=True)
    item_scope = models.CharField(max_length=120, blank=True)
    item_name = models.CharField(_("标准数据项"), max_length=200, blank=True)

    class Meta:
        ordering = ["demand", "position", "pk"]
        verbose_name = _("填报字段")
        verbose_name_plural = _("填报字段")

    def __str__(self) -> str:
        return self.label


class ProposalKind(models.TextChoices):
    NEW = "new", _("新增事项")
    CHANGE = "change", _("变更事项")
    WITHDRAWAL = "withdrawal", _("撤销事项")


class ProposalState(models.TextChoices):
    PENDING = "pending", _("待审查")
    APPROVED = "approved", _("同意列入")
    SENT_BACK = "sent_back", _("退回，请复用已有数据")
    REFUSED = "refused", _("不予同意")


class Proposal(models.Model):
    """One case at the gateway: a new demand, a change (a new version) or a withdrawal."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="demand__scope_code", unit="demand__unit_id"
    )

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(_("类型"), max_length=16, choices=ProposalKind.choices)
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ProposalState.choices,
        default=ProposalState.PENDING,
        db_index=True,
    )
    reason = models.TextField(_("申请理由"), blank=True)
    field_check = models.JSONField(_("自动比对结果"), default=dict, blank=True)
    decision_reason = models.TextField(_("审查意见"), blank=True)
    reuse_source = models.ForeignKey(
        Demand,
        verbose_name=_("应复用的已有事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("事项审查")
        verbose_name_plural = _("事项审查")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.demand.title}"


class BurdenBudget(models.Model):
    """An optional county burden budget: hours a month that its grassroots units may be asked."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="division_id", unit="set_by__unit_id")

    division = models.OneToOneField(
        "orgs.Division", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    hours_per_month = models.DecimalField(
        _("每月填报总工时上限（小时）"), max_digits=10, decimal_places=1
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("减负工时预算")
        verbose_name_plural = _("减负工时预算")

    def __str__(self) -> str:
        return f"{self.division_id}: {self.hours_per_month} h"


class BurdenOffice(models.Model):
    """A unit designated as the burden-reduction office (基层减负办) of a division: its
    managers review gateway proposals within that division."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="division_id", unit="unit_id")

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+"
    )
    division = models.ForeignKey(
        "orgs.Division", verbose_name=_("负责地区"), on_delete=models.PROTECT, related_name="+"
    )
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("基层减负办")
        verbose_name_plural = _("基层减负办")
        constraints = [
            models.UniqueConstraint(fields=["unit", "division"], name="burden_office_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.division_id}"


class DictionaryVersion(models.Model):
    """A regulator's edited copy of the data dictionary; the newest one is in force."""

    data = models.JSONField()
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("数据字典版本")
        verbose_name_plural = _("数据字典版本")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.note}"
