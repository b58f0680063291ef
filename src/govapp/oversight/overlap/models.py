"""Overlap runs and their groups, the regulators' decisions, proposal checks (R-16) and
consolidation cases (R-26)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class Relation(models.TextChoices):
    DUPLICATE = "duplicate", _("重复应用")
    SAME_APP = "same_app", _("同一应用的多平台版本")


class Decision(models.TextChoices):
    OPEN = "open", _("待决定")
    CONSOLIDATE = "consolidate", _("整合")
    DISTINCT = "distinct", _("认定为不重复")


class OverlapRun(models.Model):
    """One run of the engine over the database's apps (filed and in filing)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="owner_unit_id")

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    app_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    same_app_count = models.PositiveIntegerField(default=0)
    function_counts = models.JSONField(default=dict, blank=True)  # {division: {function: n}}
    scope_code = models.CharField(max_length=12, default="", blank=True)  # "" = national
    owner_unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("重复检测批次")

    def __str__(self) -> str:
        return f"overlap run {self.pk}"


class OverlapGroup(models.Model):
    """A group the engine found, in the consolidation jurisdiction ``scope_code`` (a city's
    4-digit code, a province's 2-digit code, or a county code)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="owner_unit_id")

    run = models.ForeignKey(OverlapRun, on_delete=models.CASCADE, related_name="groups")
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices)
    score = models.FloatField(_("相似度"))
    function = models.CharField(_("功能"), max_length=48, blank=True)
    reasons = models.JSONField(_("依据"), default=list)
    signature = models.CharField(max_length=255, db_index=True)  # sorted app ids
    scope_code = models.CharField(max_length=12, db_index=True)
    owner_unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    apps = models.ManyToManyField("registry.App", related_name="overlap_groups")

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("重复应用组")

    def __str__(self) -> str:
        return f"overlap group {self.pk}"

    def as_json(self) -> dict[str, Any]:
        return {
            "ids": sorted(str(a.pk) for a in self.apps.all()),
            "relation": self.relation,
            "score": round(self.score, 4),
            "reasons": self.reasons,
        }


class GroupDecision(models.Model):
    """A regulator's decision on a set of apps; later runs find it by the same signature."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="owner_unit_id")

    signature = models.CharField(max_length=255, db_index=True)
    scope_code = models.CharField(max_length=12, db_index=True)
    owner_unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(_("决定"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("重复应用认定")

    def __str__(self) -> str:
        return f"{self.decision} {self.signature}"


class ProposalCheck(models.Model):
    """'Check before you build' (R-16): a proposed app and the existing apps that do its job."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="unit__scope_code", unit="unit_id")

    number = models.CharField(_("核查编号"), max_length=32, unique=True)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("建设单位"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("拟建应用名称"), max_length=128)
    features = models.JSONField(_("主要功能"), default=list)
    users = models.CharField(_("服务对象"), max_length=16, blank=True)
    description = models.TextField(_("建设内容"), blank=True)
    division = models.CharField(_("地区"), max_length=6, blank=True)
    function = models.CharField(_("功能分类"), max_length=48, blank=True)
    matches = models.JSONField(_("核查结果"), default=list)
    strong_match = models.BooleanField(_("存在高度重复"), default=False)
    warnings = models.JSONField(_("提示"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("建设前重复核查")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class CaseState(models.TextChoices):
    OPEN = "open", _("整合中")
    ESCALATED = "escalated", _("已逾期督办")
    DONE = "done", _("已完成")


class ConsolidationCase(models.Model):
    """R-26: the apps of a group merge into the one that stays."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="owner_unit_id")

    group = models.ForeignKey(OverlapGroup, on_delete=models.PROTECT, related_name="cases")
    staying = models.ForeignKey(
        "registry.App", verbose_name=_("保留应用"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=CaseState.choices, default=CaseState.OPEN
    )
    scope_code = models.CharField(max_length=12, db_index=True)
    owner_unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("整合案件")

    def __str__(self) -> str:
        return f"consolidation case {self.pk}"


class CaseItem(models.Model):
    """One merged app: users and data moved by the deadline, then shutdown notice, offline report
    and deregistration through the registry."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="case__scope_code", unit="app__hosting_unit_id"
    )

    case = models.ForeignKey(ConsolidationCase, on_delete=models.CASCADE, related_name="items")
    app = models.ForeignKey(
        "registry.App", verbose_name=_("并入应用"), on_delete=models.PROTECT, related_name="+"
    )
    working_days = models.PositiveIntegerField(_("迁移期限（工作日）"))
    deadline = models.DateField(_("迁移截止日期"))
    escalated_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("整合事项")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.app_id}"
