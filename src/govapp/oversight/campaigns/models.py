"""Self-inspection campaigns (R-29), external evaluation and the units that use an app (R-05).

A regulator launches a :class:`Campaign` over its jurisdiction with a versioned
:class:`Checklist`; every app in scope gets one :class:`InspectionTask` for its hosting unit and
one for each unit that uses it (:class:`AppUsingUnit`); evaluators assigned by the regulator get
an external task for the same app. A national campaign can carry a :class:`ProvincePlan` per
province: extra questions and an earlier internal deadline.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class ProblemClass(models.TextChoices):
    FORCED_USE = "forced_use", _("强制使用")
    EXCESSIVE_RECORDS = "excessive_records", _("过度留痕")
    RANKING_ABUSE = "ranking_abuse", _("滥用排名")
    DUPLICATE_REPORTING = "duplicate_reporting", _("多头填报")
    PROFIT = "profit", _("违规营利")
    ZOMBIE = "zombie", _("僵尸应用")
    COMPLAINT_FUNCTION = "complaint_function", _("投诉建议入口")
    SECURITY = "security", _("安全责任")
    OTHER = "other", _("其他")


class Audience(models.TextChoices):
    HOST = "host", _("主办单位")
    USER = "user", _("使用单位")


class Checklist(models.Model):
    """A versioned checklist: a new version is a new row; a campaign keeps the version it used."""

    name = models.CharField(_("清单名称"), max_length=128)
    version = models.PositiveIntegerField(_("版本"))
    source = models.TextField(_("依据"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("自查清单")
        verbose_name_plural = _("自查清单")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="checklist_name_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Question(models.Model):
    """One question. ``problem_if`` is the answer that admits a problem ("yes" for "does the app
    demand clock-ins?", "no" for "is there a complaint entry?"); ``rules``, ``complaints`` and
    ``facts`` name the evidence govapp compares the answer with."""

    checklist = models.ForeignKey(
        Checklist, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    # a province's own question on a national campaign (ProvincePlan); checklist is then empty
    plan = models.ForeignKey(
        "ProvincePlan", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    code = models.CharField(_("编号"), max_length=16)
    audience = models.CharField(
        _("对象"), max_length=8, choices=Audience.choices, default=Audience.HOST
    )
    problem_class = models.CharField(
        _("问题类别"), max_length=24, choices=ProblemClass.choices, default=ProblemClass.OTHER
    )
    requirement = models.CharField(_("条款"), max_length=8, blank=True)
    text = models.TextField(_("问题"))
    text_en = models.TextField(blank=True)
    problem_if = models.CharField(max_length=3, default="yes")
    rules = models.JSONField(default=list, blank=True)
    complaints = models.JSONField(default=list, blank=True)
    facts = models.JSONField(default=list, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("自查问题")
        verbose_name_plural = _("自查问题")

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"

    def text_for(self, language: str | None) -> str:
        return self.text_en if (language or "").startswith("en") and self.text_en else self.text


class CampaignState(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(models.Model):
    """A self-inspection campaign of one regulator over (part of) its jurisdiction."""

    # national campaigns have scope_code "" and are visible to every regulator (see selectors)
    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="owner_unit_id")

    title = models.CharField(_("专项名称"), max_length=200)
    owner_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    scope_code = models.CharField(_("范围"), max_length=12, blank=True, db_index=True)
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="campaigns")
    regions = models.JSONField(_("地区"), default=list, blank=True)  # division code prefixes
    kinds = models.JSONField(_("应用类型"), default=list, blank=True)
    grassroots_only = models.BooleanField(_("仅面向基层的应用"), default=False)
    working_days = models.PositiveIntegerField(_("期限（工作日）"))
    deadline = models.DateField(_("截止日期"))
    state = models.CharField(
        _("状态"), max_length=8, choices=CampaignState.choices, default=CampaignState.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("自查专项")
        verbose_name_plural = _("自查专项")

    def __str__(self) -> str:
        return self.title

    @property
    def is_national(self) -> bool:
        return self.scope_code == ""


class ProvincePlan(models.Model):
    """A province's part of a national campaign: its own questions and internal deadline."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="plans")
    province_code = models.CharField(max_length=2)
    internal_deadline = models.DateField(_("省内截止日期"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["province_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "province_code"], name="provinceplan_one_per_province"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.province_code}"


class AppUsingUnit(models.Model):
    """A unit that uses an app besides its hosting unit (R-05: it is accountable too)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="using_units")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("使用情况"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["app_id", "unit__name"]
        verbose_name = _("使用单位")
        verbose_name_plural = _("使用单位")
        constraints = [models.UniqueConstraint(fields=["app", "unit"], name="appusingunit_unique")]

    def __str__(self) -> str:
        return f"{self.app_id}:{self.unit_id}"


class TaskKind(models.TextChoices):
    HOST = "host", _("主办单位自查")
    USER = "user", _("使用单位自查")
    EXTERNAL = "external", _("第三方评估")


class TaskState(models.TextChoices):
    PENDING = "pending", _("待填报")
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


OPEN_TASK_STATES = (TaskState.PENDING, TaskState.DRAFT, TaskState.RETURNED)


class InspectionTask(models.Model):
    """One app's self-inspection by one unit (host or user), or its external evaluation."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="unit_id"
    )

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=TaskKind.choices)
    unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_tasks",
    )
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=TaskState.choices,
        default=TaskState.PENDING,
        db_index=True,
    )
    due = models.DateField(_("截止日期"))
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("自查任务")
        verbose_name_plural = _("自查任务")
        indexes = [models.Index(fields=["campaign", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "app", "kind", "unit"],
                condition=~models.Q(kind="external"),
                name="inspectiontask_one_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.app_id}:{self.kind}"


class AnswerValue(models.TextChoices):
    YES = "yes", _("是")
    NO = "no", _("否")
    NA = "na", _("不适用")


class Answer(models.Model):
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(_("回答"), max_length=3, choices=AnswerValue.choices, blank=True)
    explanation = models.TextField(_("说明"), blank=True)
    attachment = models.FileField(_("附件"), upload_to="campaigns/%Y/%m/", blank=True)
    # the reviewer's decision on this answer: a problem confirmed (even if the unit denied it)
    confirmed_problem = models.BooleanField(_("核实存在问题"), default=False)
    reviewer_note = models.TextField(_("审核说明"), blank=True)

    class Meta:
        ordering = ["question__order", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "question"], name="answer_one_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.question_id}={self.value}"

    @property
    def admits_problem(self) -> bool:
        return bool(self.value) and self.value == self.question.problem_if
