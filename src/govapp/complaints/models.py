"""Anonymous complaints about government apps (R-24, R-33).

Nothing here identifies a reporter: no address, user agent, session, account or original file
name is stored, reporter-side dates are kept to the day, and the receipt is kept only as a
keyed hash (see docs/complaints.md for exactly what is and is not kept).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class Category(models.TextChoices):
    FORCED_USE = "forced_use", _("强制使用")
    EXCESSIVE_RECORDS = "excessive_records", _("过度留痕")
    RANKING_ABUSE = "ranking_abuse", _("滥用排名")
    DUPLICATE_REPORTING = "duplicate_reporting", _("多头填报")
    ZOMBIE_APP = "zombie_app", _("空壳/僵尸")
    OTHER = "other", _("其他")


class BannedPractice(models.TextChoices):
    """The five prohibited practices of Art. 16 (R-19..R-23)."""

    UNKNOWN = "", _("不清楚 / 不适用")
    R19 = "R-19", _("随意或重复要求基层填表报数交材料")
    R20 = "R-20", _("强制打卡签到、积分排名、统计在线时长")
    R21 = "R-21", _("强制下载、考核通报安装使用率、强制定期登录")
    R22 = "R-22", _("以应用作为日常考核和网上督查的主要手段，以点赞、转发、学习时长等作考核")
    R23 = "R-23", _("利用应用开展经营性活动（如广告）")


class Channel(models.TextChoices):
    WEB = "web", _("网上举报页面")
    API = "api", _("接口")
    IN_APP = "in_app", _("应用内投诉入口")


class Status(models.TextChoices):
    RECEIVED = "received", _("已收到，待受理")
    ACKNOWLEDGED = "acknowledged", _("已受理")
    EXPLANATION_REQUESTED = "explanation_requested", _("已要求主办单位说明")
    EXPLANATION_RECEIVED = "explanation_received", _("主办单位已说明")
    FINDING_OPENED = "finding_opened", _("已立案核查")
    ANSWERED = "answered", _("已办结")
    DISMISSED = "dismissed", _("不予受理")
    MERGED = "merged", _("已与同类举报合并办理")


CLOSED_STATUSES = frozenset({Status.ANSWERED, Status.DISMISSED, Status.MERGED})


class Complaint(models.Model):
    """One report.  Routed to the regulator above the app's hosting unit (R-33); the hosting
    unit never reads it (only a redacted copy the regulator writes, see ExplanationRequest).

    Jurisdiction: ``scope_code`` is the hosting unit's scope (so the provincial office of that
    province and the national regulator see it); ``routed_to`` is the regulator unit.  Readers
    are filtered with the ``review`` action, which unit roles do not hold.
    """

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="routed_to_id")

    app = models.ForeignKey(
        "registry.App",
        verbose_name=_("所涉应用"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    app_name_given = models.CharField(
        _("举报人填写的应用名称"), max_length=128, blank=True, help_text=_("未能对应到已备案应用时")
    )
    hosting_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_code = models.CharField(max_length=12, blank=True, db_index=True)
    routed_to = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("受理监管部门"),
        on_delete=models.PROTECT,
        related_name="complaints_received",
    )
    channel = models.CharField(_("来源"), max_length=8, choices=Channel.choices)
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    banned_practice = models.CharField(
        _("涉及的禁止行为"), max_length=8, choices=BannedPractice.choices, blank=True
    )
    description = models.TextField(_("举报内容"))
    happened = models.CharField(_("发生时间"), max_length=64, blank=True)
    receipt_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    # Reporter-side time is kept to the day only (no exact submission time).
    received_on = models.DateField(_("收到日期"), db_index=True)
    ack_due = models.DateField(_("受理期限"))
    ack_due_provisional = models.BooleanField(default=False)
    answer_due = models.DateField(_("答复期限"), db_index=True)
    answer_due_provisional = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome = models.TextField(_("处理结果"), blank=True)
    dismiss_reason = models.TextField(_("不予受理理由"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    finding_ref = models.CharField(_("核查问题编号"), max_length=64, blank=True)
    finding_note = models.TextField(_("立案核查说明"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        indexes = [
            models.Index(fields=["scope_code", "status"]),
            models.Index(fields=["received_on", "id"], name="complaint_received_id_scale"),
        ]

    def __str__(self) -> str:
        return f"JB-{self.pk}"

    @property
    def reference(self) -> str:
        return f"JB-{self.pk:06d}" if self.pk else "JB-?"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def app_label(self) -> str:
        if self.app_id is not None and self.app is not None:
            return self.app.name
        return self.app_name_given


class Author(models.TextChoices):
    REPORTER = "reporter", _("举报人")
    REGULATOR = "regulator", _("监管部门")


class Message(models.Model):
    """A reporter's additional information, a regulator's reply to the reporter, or an
    internal note (``to_reporter`` false)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="complaint__scope_code", unit="complaint__routed_to_id"
    )

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=12, choices=Author.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"))
    to_reporter = models.BooleanField(_("答复举报人"), default=True)
    created_on = models.DateField(_("日期"))
    created_at = models.DateTimeField(
        null=True, blank=True, help_text="staff messages only; reporter messages keep the day"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("举报往来")
        verbose_name_plural = _("举报往来")

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.pk}"


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("图片（已去除元数据）")
    PDF = "pdf", _("PDF（原样保存）")


class Evidence(models.Model):
    """An evidence file.  Images are re-encoded from their pixels (no EXIF, GPS, device or
    colour-profile data survives); PDFs are stored as uploaded.  The original file name is not
    kept."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="complaint__scope_code", unit="complaint__routed_to_id"
    )

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=8, choices=EvidenceKind.choices)
    file = models.FileField(upload_to="complaints/evidence/", max_length=200)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_on = models.DateField()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")

    def __str__(self) -> str:
        return f"{self.complaint_id}:{self.kind}:{self.pk}"


class ExplanationState(models.TextChoices):
    OPEN = "open", _("待主办单位说明")
    ANSWERED = "answered", _("已说明")
    WITHDRAWN = "withdrawn", _("已撤回")


class ExplanationRequest(models.Model):
    """What the hosting unit sees: only ``redacted_text``, written and approved by the
    regulator.  The unit's views never follow ``complaint``."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="hosting_unit__scope_code", unit="hosting_unit_id"
    )

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="explanation_requests"
    )
    app = models.ForeignKey("registry.App", on_delete=models.PROTECT, related_name="+")
    hosting_unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    redacted_text = models.TextField(_("经脱敏的问题描述"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    due = models.DateField(_("说明期限"))
    due_provisional = models.BooleanField(default=False)
    state = models.CharField(
        max_length=12, choices=ExplanationState.choices, default=ExplanationState.OPEN
    )
    response = models.TextField(_("主办单位说明"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("情况说明要求")
        verbose_name_plural = _("情况说明要求")

    def __str__(self) -> str:
        return f"SM-{self.pk}"

    @property
    def reference(self) -> str:
        return f"SM-{self.pk:06d}" if self.pk else "SM-?"


class AppComplaintKey(models.Model):
    """The per-app key of the in-app complaint service (R-24): /complaints/app/<key>/."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.OneToOneField(
        "registry.App", on_delete=models.CASCADE, related_name="complaint_key"
    )
    key = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Origins (https://host[:port], one per line) whose pages may show the complaint page in
    # a frame; none: only govapp itself (Content-Security-Policy frame-ancestors).
    frame_ancestors = models.TextField(_("允许嵌入的网页来源"), blank=True)

    class Meta:
        verbose_name = _("应用投诉入口")
        verbose_name_plural = _("应用投诉入口")

    def __str__(self) -> str:
        return f"{self.app_id}:{self.key[:6]}…"
