"""Usage figures per app (never per person), low-use criteria and flags, exemptions and
retirement cases (R-25, R-07, R-21, R-24).

Nothing here identifies a device or a person: daily rows hold the count of distinct devices and
of pings of one app on one day (counted in the shared cache, see :mod:`counting`), monthly rows
what the hosting unit reports, ratings are anonymous (score, redacted comment, month).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction

APP_JURISDICTION = Jurisdiction(scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id")


class DailyUsage(models.Model):
    """Distinct devices and pings of one app on one day (Asia/Shanghai), written by close-day."""

    jurisdiction: ClassVar[Jurisdiction] = APP_JURISDICTION

    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="daily_usage")
    date = models.DateField(_("日期"))
    devices = models.PositiveIntegerField(_("设备数"), default=0)
    pings = models.PositiveIntegerField(_("启动次数"), default=0)

    class Meta:
        ordering = ["app", "date"]
        constraints = [models.UniqueConstraint(fields=["app", "date"], name="usage_daily_unique")]
        verbose_name = _("每日使用")
        verbose_name_plural = _("每日使用")

    def __str__(self) -> str:
        return f"{self.app_id} {self.date}: {self.devices}"


class UnfiledUsage(models.Model):
    """Pings for a package that matches no registered app: the aggregate "in use, not filed"
    signal for regulators (R-07).  A package name identifies an app, not a person."""

    package = models.CharField(_("包名"), max_length=255)
    date = models.DateField(_("日期"))
    devices = models.PositiveIntegerField(_("设备数"), default=0)
    pings = models.PositiveIntegerField(_("启动次数"), default=0)

    class Meta:
        ordering = ["-date", "package"]
        constraints = [
            models.UniqueConstraint(fields=["package", "date"], name="usage_unfiled_unique")
        ]
        verbose_name = _("未备案在用信号")
        verbose_name_plural = _("未备案在用信号")

    def __str__(self) -> str:
        return f"{self.package} {self.date}: {self.devices}"


class Source(models.TextChoices):
    FORM = "form", _("页面填报")
    IMPORT = "import", _("文件导入")
    API = "api", _("接口报送")
    DEMO = "demo", _("演示数据")


class MonthlyReturn(models.Model):
    """The hosting unit's monthly usage return; corrections overwrite it and the audit log
    keeps every earlier version."""

    jurisdiction: ClassVar[Jurisdiction] = APP_JURISDICTION

    app = models.ForeignKey(
        "registry.App", on_delete=models.CASCADE, related_name="monthly_returns"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    active_users = models.PositiveIntegerField(_("月活跃用户数"))
    intended_users = models.PositiveIntegerField(_("服务对象人数"))
    sessions = models.PositiveIntegerField(_("使用次数"), default=0)
    functions = models.JSONField(_("主要功能使用次数"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["app", "month"]
        constraints = [models.UniqueConstraint(fields=["app", "month"], name="usage_return_unique")]
        verbose_name = _("月度使用情况")
        verbose_name_plural = _("月度使用情况")

    def __str__(self) -> str:
        return f"{self.app} {self.month:%Y-%m}"


class Rating(models.Model):
    """An anonymous practicality rating from the in-app page: no identity, no time of day."""

    jurisdiction: ClassVar[Jurisdiction] = APP_JURISDICTION

    app = models.ForeignKey("registry.App", on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("实用性评分"))
    comment = models.TextField(_("意见建议"), blank=True)
    month = models.DateField(_("月份"))

    class Meta:
        ordering = ["-month", "-pk"]
        verbose_name = _("实用性评价")
        verbose_name_plural = _("实用性评价")

    def __str__(self) -> str:
        return f"{self.app} {self.score}"


class Criteria(models.Model):
    """Low-use criteria set by a regulator for a scope ("" = national, else a province code);
    the most specific scope applies."""

    scope = models.CharField(_("适用范围"), max_length=12, unique=True, blank=True)
    ratio_percent = models.DecimalField(
        _("活跃用户占服务对象比例低于（%）"), max_digits=5, decimal_places=2, default=5
    )
    ratio_months = models.PositiveSmallIntegerField(_("连续月数"), default=3)
    min_active_users = models.PositiveIntegerField(_("月活跃用户少于"), default=50)
    no_return_months = models.PositiveSmallIntegerField(_("未报送月数达到"), default=2)
    min_rating = models.DecimalField(
        _("实用性评分低于"), max_digits=3, decimal_places=2, default=2.5
    )
    min_ratings = models.PositiveIntegerField(_("且评价数至少"), default=20)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("低使用判定标准")
        verbose_name_plural = _("低使用判定标准")

    def __str__(self) -> str:
        return self.scope or "national"


class LowUseFlag(models.Model):
    """The latest evaluation of one app: why it is flagged, with the criteria applied."""

    jurisdiction: ClassVar[Jurisdiction] = APP_JURISDICTION

    app = models.OneToOneField("registry.App", on_delete=models.CASCADE, related_name="low_use")
    month = models.DateField(_("评估月份"))
    reasons = models.JSONField(_("判定理由"), default=list)
    criteria = models.JSONField(_("适用标准"), default=dict)
    exempt = models.BooleanField(_("已豁免"), default=False)
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["app"]
        verbose_name = _("低使用标记")
        verbose_name_plural = _("低使用标记")

    def __str__(self) -> str:
        return f"{self.app} {self.month:%Y-%m}"


class ExemptionCategory(models.TextChoices):
    EMERGENCY = "emergency", _("应急管理")
    FLOOD = "flood", _("防汛抗旱")
    FOREST_FIRE = "forest_fire", _("森林防火")
    SEASONAL = "seasonal", _("季节性业务")
    OTHER = "other", _("其他")


class Exemption(models.Model):
    """A reasoned exemption from low-use flags for an app used rarely by design."""

    jurisdiction: ClassVar[Jurisdiction] = APP_JURISDICTION

    app = models.ForeignKey(
        "registry.App", on_delete=models.CASCADE, related_name="usage_exemptions"
    )
    category = models.CharField(_("类别"), max_length=16, choices=ExemptionCategory.choices)
    reason = models.TextField(_("理由"))
    expires_on = models.DateField(_("有效期至"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("低使用豁免")
        verbose_name_plural = _("低使用豁免")

    def __str__(self) -> str:
        return f"{self.app} ({self.get_category_display()})"


class CaseState(models.TextChoices):
    OPEN = "open", _("待处置")
    APPEALED = "appealed", _("申诉待决定")
    RETIRING = "retiring", _("关停注销中")
    WITHDRAWN = "withdrawn", _("已撤销（申诉成立）")


class Stage(models.TextChoices):
    """Where a case stands, following the app's own shutdown, offline and deregistration."""

    OPEN = "open", _("待处置")
    APPEALED = "appealed", _("申诉待决定")
    NOTICE = "notice", _("已公告关停")
    OFFLINE = "offline", _("已下线待注销")
    RETIRED = "retired", _("已注销")
    WITHDRAWN = "withdrawn", _("已撤销（申诉成立）")


class RetirementCase(models.Model):
    """A regulator's order to retire a little-used app by a deadline (R-25)."""

    jurisdiction: ClassVar[Jurisdiction] = APP_JURISDICTION

    app = models.ForeignKey(
        "registry.App", on_delete=models.CASCADE, related_name="retirement_cases"
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=CaseState.choices, default=CaseState.OPEN
    )
    reason = models.TextField(_("理由"))
    reasons = models.JSONField(_("低使用判定"), default=list, blank=True)
    working_days = models.PositiveSmallIntegerField(_("期限（工作日）"))
    deadline = models.DateField(_("期限"))
    deadline_provisional = models.BooleanField(default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    appeal = models.TextField(_("申诉理由"), blank=True)
    appeal_evidence = models.FileField(_("申诉证据"), upload_to="usage/appeals/", blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("决定意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(
        "compliance.RectificationOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("退出处置")
        verbose_name_plural = _("退出处置")

    def __str__(self) -> str:
        return f"{self.app} ({self.get_state_display()})"

    @property
    def stage(self) -> str:
        if self.state == CaseState.WITHDRAWN:
            return Stage.WITHDRAWN
        status = self.app.status
        if status == "deregistered":
            return Stage.RETIRED
        if status == "offline":
            return Stage.OFFLINE
        if status == "shutdown_notice":
            return Stage.NOTICE
        if self.state == CaseState.APPEALED:
            return Stage.APPEALED
        return Stage.OPEN

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label)

    @property
    def live(self) -> bool:
        return self.stage in (Stage.OPEN, Stage.APPEALED)


# --- the open day's counting state (only when the shared cache is not Redis) -----------------
#
# With Redis the salt and the per-app sets of device hashes live in Redis.  Otherwise they live
# in these three small tables instead of Django's database cache (whose add and increment cost
# several statements each, and which culls entries when full).  They are the "shared cache" of
# the counting: close-day deletes every row of the days it closes, salt first, in the same
# transaction that counts them; nothing else reads or writes them (see counting.py).  On SQLite
# a ping writes them through the view usage_countingping and its trigger (sqlite_ping.py),
# which are dropped before every migrate and made again after it.


class CountingSalt(models.Model):
    """The random salt of one open day (destroyed by close-day)."""

    day = models.DateField(primary_key=True)
    epoch = models.CharField(max_length=8)
    salt = models.BinaryField()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.epoch}"  # never the salt


class CountingDevice(models.Model):
    """A keyed hash seen for a target on an open day (deleted by close-day)."""

    pk = models.CompositePrimaryKey("day", "target", "hash")
    day = models.DateField()
    target = models.CharField(max_length=255)
    hash = models.CharField(max_length=32)
    epoch = models.CharField(max_length=8)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.target}"  # never the hash


class CountingTally(models.Model):
    """The pings of a target on an open day (deleted by close-day)."""

    pk = models.CompositePrimaryKey("day", "target")
    day = models.DateField()
    target = models.CharField(max_length=255)
    epoch = models.CharField(max_length=8)
    pings = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day} {self.target}: {self.pings}"
