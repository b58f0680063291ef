"""Apps, their platform identities, filing applications and the review workflow (R-01..R-14).

The JSON columns (``Application.sections``, ``missing_items``) are validated by the pydantic
models in :mod:`govapp.registry.schemas` whenever a service writes them.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class AppKind(models.TextChoices):
    APP = "app", _("移动应用（APP）")
    MINI_PROGRAM = "mini_program", _("小程序")
    QUICK_APP = "quick_app", _("快应用")


class AppStatus(models.TextChoices):
    UNFILED = "unfiled", _("未备案")
    FILED = "filed", _("已备案")
    REVOKED = "revoked", _("已撤销备案")
    SHUTDOWN_NOTICE = "shutdown_notice", _("已公告关停")
    OFFLINE = "offline", _("已下线待注销")
    DEREGISTERED = "deregistered", _("已注销")


class App(models.Model):
    """A government app (R-01): one standalone app, mini-program or quick app of one unit."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="hosting_unit__scope_code", unit="hosting_unit_id"
    )

    name = models.CharField(_("应用名称"), max_length=128)
    kind = models.CharField(_("应用类型"), max_length=16, choices=AppKind.choices)
    public_facing = models.BooleanField(
        _("面向企业和群众"),
        default=False,
        help_text=_("参照本办法管理的面向企业和群众的应用（R-04）"),
    )
    hosting_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="apps"
    )
    target_users = models.TextField(_("服务对象"), blank=True)
    target_levels = models.JSONField(_("使用层级"), default=list, blank=True)
    description = models.TextField(_("功能简介"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=AppStatus.choices,
        default=AppStatus.UNFILED,
        db_index=True,
    )
    filing_number = models.CharField(
        _("备案编号"), max_length=64, unique=True, null=True, blank=True
    )
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    shutdown_date = models.DateField(_("公告关停日期"), null=True, blank=True)
    shutdown_notice = models.TextField(_("关停公告"), blank=True)
    offline_at = models.DateTimeField(_("下线报告时间"), null=True, blank=True)
    deregistered_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("替代应用"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text=_("关停注销后，用户应改用的应用（退出或整合时指定）"),
    )
    filed_sections = models.JSONField(
        _("已备案材料"), default=dict, blank=True, help_text="sections of the last approved filing"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("政务应用")
        verbose_name_plural = _("政务应用")
        indexes = [
            models.Index(fields=["hosting_unit", "status"]),
            # The sort orders of the lists (issue 16): by name, public registry by filing date.
            models.Index(fields=["name", "id"], name="app_name_id_scale"),
            models.Index(fields=["-filed_at", "id"], name="app_filed_at_id_scale"),
            # A unit's (or a region's units') apps read from the index alone: the provincial
            # lists and the search by unit name join through it (issue 16).
            models.Index(fields=["hosting_unit", "id"], name="app_unit_id_scale"),
            # and the other way: an app's unit by the app's id, for the lists of applications,
            # findings and orders that reach a province through their app
            models.Index(fields=["id", "hosting_unit"], name="app_id_unit_scale"),
        ]

    def __str__(self) -> str:
        return self.name


class Platform(models.TextChoices):
    ANDROID = "android", _("安卓")
    IOS = "ios", _("iOS")
    HARMONY = "harmony", _("鸿蒙")
    WECHAT = "wechat", _("微信小程序")
    ALIPAY = "alipay", _("支付宝小程序")
    DINGTALK = "dingtalk", _("钉钉小程序")
    BAIDU = "baidu", _("百度小程序")
    DOUYIN = "douyin", _("抖音小程序")
    QUICKAPP = "quickapp", _("快应用")
    OTHER = "other", _("其他")


MINI_PROGRAM_PLATFORMS = {
    Platform.WECHAT,
    Platform.ALIPAY,
    Platform.DINGTALK,
    Platform.BAIDU,
    Platform.DOUYIN,
    Platform.OTHER,
}
APP_PLATFORMS = {Platform.ANDROID, Platform.IOS, Platform.HARMONY}


class PlatformIdentity(models.Model):
    """How the app is known on one platform: package name, bundle id, mini-program appid or
    quick-app package, plus the signing certificate's fingerprints (lowercase hex)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="identities")
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    identifier = models.CharField(
        _("包名/Bundle ID/小程序 AppID"),
        max_length=255,
        help_text=_("安卓包名、iOS Bundle ID、鸿蒙包名、小程序 AppID 或快应用包名"),
    )
    host_platform = models.CharField(_("宿主平台"), max_length=64, blank=True)
    cert_sha256 = models.CharField(_("签名证书 SHA-256"), max_length=64, blank=True, db_index=True)
    cert_sha1 = models.CharField(_("签名证书 SHA-1"), max_length=40, blank=True)
    cert_md5 = models.CharField(_("签名证书 MD5"), max_length=32, blank=True)
    live = models.BooleanField(_("有效备案"), default=False, db_index=True)

    class Meta:
        ordering = ["platform", "identifier"]
        verbose_name = _("平台标识")
        verbose_name_plural = _("平台标识")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "identifier"],
                condition=Q(live=True),
                name="identity_unique_among_live_filings",
            )
        ]
        indexes = [models.Index(fields=["identifier"])]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.identifier}"


class ApplicationKind(models.TextChoices):
    NEW = "new", _("首次备案")
    CHANGE = "change", _("变更备案")
    DEREGISTER = "deregister", _("注销备案")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("省级完整性审核中")
    RETURNED = "returned", _("已退回补正")
    FORWARDED = "forwarded", _("国家网信办审核检测中")
    FEEDBACK = "feedback", _("待补正反馈")
    ABANDONED = "abandoned", _("视为放弃")
    FILED = "filed", _("已备案")
    REJECTED = "rejected", _("不予备案")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATES = {
    ApplicationState.DRAFT,
    ApplicationState.SUBMITTED,
    ApplicationState.RETURNED,
    ApplicationState.FORWARDED,
    ApplicationState.FEEDBACK,
}
CLOSED_STATES = {
    ApplicationState.ABANDONED,
    ApplicationState.FILED,
    ApplicationState.REJECTED,
    ApplicationState.WITHDRAWN,
}


class Holder(models.TextChoices):
    UNIT = "unit", _("主办单位")
    PROVINCE = "province", _("省级网信部门")
    CAC = "cac", _("国家网信办")


class ExceptionDecision(models.TextChoices):
    NONE = "", _("未申请")
    REQUESTED = "requested", _("待决定")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")


class Application(models.Model):
    """One filing application: new, change or deregistration, with the six sections (R-08)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )
    # Lists read a page's ids first, then its rows by id (core.pagination): a row carries the
    # filing form, and the review queue's region filter would otherwise read every queued row
    # of the country in full before keeping a province's (issue 16).
    list_read_by_key: ClassVar[bool] = True

    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField(
        _("申请类型"), max_length=16, choices=ApplicationKind.choices, default=ApplicationKind.NEW
    )
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    sections = models.JSONField(_("申请材料"), default=dict, blank=True)
    base_sections = models.JSONField(
        _("变更前已备案材料"),
        default=dict,
        blank=True,
        help_text="for change filings: the filed version",
    )
    pledge_accepted = models.BooleanField(_("已签署真实性承诺"), default=False)
    pledge_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    deadline = models.DateField(_("办理期限"), null=True, blank=True, db_index=True)
    deadline_provisional = models.BooleanField(_("期限待节假日安排确认"), default=False)
    deadline_working_days = models.PositiveSmallIntegerField(default=0)
    deadline_start = models.DateField(null=True, blank=True)
    deadline_extended_reason = models.TextField(_("延期理由"), blank=True)
    holder = models.CharField(
        _("当前办理方"), max_length=16, choices=Holder.choices, default=Holder.UNIT
    )
    missing_items = models.JSONField(_("需补正事项"), default=list, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # R-13 change filing / R-14 deregistration
    change_description = models.TextField(_("变更内容"), blank=True)
    planned_date = models.DateField(_("计划实施日期"), null=True, blank=True)
    # units below county level need a regulator-approved exception
    exception_reason = models.TextField(_("县级以下单位建设理由"), blank=True)
    exception_decision = models.CharField(
        _("例外决定"), max_length=16, choices=ExceptionDecision.choices, blank=True, default=""
    )
    exception_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    exception_decided_at = models.DateTimeField(null=True, blank=True)
    exception_note = models.TextField(_("例外决定说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    # R-10 technical testing: the compliance side pushes its report here (see
    # services.application_testing_put); the CAC's approval reads it.
    testing = models.JSONField(_("技术检测情况"), default=dict, blank=True)
    # the sections as they were at the last submission, to show what changed on resubmission
    submitted_sections = models.JSONField(default=dict, blank=True)
    # province review: which provincial bodies signed off in the current round
    province_signoffs = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("备案申请")
        verbose_name_plural = _("备案申请")
        indexes = [
            models.Index(fields=["state", "holder", "deadline"]),
            models.Index(fields=["updated_at", "id"], name="application_updated_scale"),
            # The review queue's "exception requested" branch of its OR (a partial index lets
            # PostgreSQL combine both branches with a bitmap OR instead of scanning the table).
            models.Index(
                fields=["exception_decision"],
                condition=Q(exception_decision="requested"),
                name="application_exc_req_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app.name} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ApplicationEvent(models.Model):
    """One row of an application's timeline."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="application__app__hosting_unit__scope_code",
        unit="application__app__hosting_unit_id",
    )

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32, blank=True)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    holder = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    # structured detail: missing-item lists and what is new on them, section changes between
    # submissions, the testing gaps an override approved past
    data = models.JSONField(default=dict, blank=True)
    deadline = models.DateField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_state} -> {self.to_state}"


class Attachment(models.Model):
    """A file of an application, stored once under MEDIA_ROOT by its SHA-256; never served
    inline or executed (downloads are attachments with a neutral content type)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="application__app__hosting_unit__scope_code",
        unit="application__app__hosting_unit_id",
    )

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    section = models.CharField(_("所属材料"), max_length=32)
    name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["section", "created_at", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name

    @property
    def storage_name(self) -> str:
        return f"registry/{self.sha256[:2]}/{self.sha256}"


class ShutdownOrder(models.Model):
    """A regulator's order that an app shut down by a deadline (R-14, R-25, R-26), followed
    through the public notice and the offline report to deregistration."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="app__hosting_unit__scope_code", unit="app__hosting_unit_id"
    )

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="shutdown_orders")
    reason = models.TextField(_("关停理由"))
    deadline = models.DateField(_("关停期限"), db_index=True)
    successor = models.ForeignKey(
        App,
        verbose_name=_("替代应用"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        verbose_name = _("关停通知")
        verbose_name_plural = _("关停通知")

    def __str__(self) -> str:
        return f"{self.app} · {self.deadline}"


class FilingNumberCounter(models.Model):
    """The last sequence number issued per counter key (see services.filing_number_issue)."""

    key = models.CharField(max_length=128, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("备案编号计数器")
        verbose_name_plural = _("备案编号计数器")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Notification(models.Model):
    """An in-app message to one person about a transition that concerns them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text[:40]


# ==========================================================================================
# Legacy inventory — part B's section: LegacyInventoryItem is added below this line.
# ==========================================================================================
# --- Legacy inventory (R-15) ---
# Apps live before the Measures (2026-01-25) had to be filed by 2026-07-25.  The known
# inventory is imported from CSV/XLSX (govapp.registry.legacy) and matched to filings.


class LegacyImport(models.Model):
    """One imported inventory file (all rows or none)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_pk")

    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    matched = models.PositiveIntegerField(_("已匹配备案"), default=0)
    scope_code = models.CharField(
        max_length=12,
        blank=True,
        db_index=True,
        help_text="importer's jurisdiction ('' = national)",
    )
    unit_pk = models.BigIntegerField(null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("存量应用导入")
        verbose_name_plural = _("存量应用导入")

    def __str__(self) -> str:
        return self.file_name


class LegacyMatch(models.TextChoices):
    NONE = "", _("未匹配")
    IDENTIFIER = "identifier", _("按包名/标识")
    NAME_UNIT = "name_unit", _("按名称和主办单位")


class LegacyInventoryItem(models.Model):
    """One app known to be live before 2026-01-25, and the filing it was matched to."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="hosting_unit_id")

    source = models.ForeignKey(
        LegacyImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    line = models.PositiveIntegerField(_("原文件行号"), default=0)
    name = models.CharField(_("应用名称"), max_length=128)
    normalised_name = models.CharField(max_length=128, db_index=True)
    kind = models.CharField(_("应用类型"), max_length=16, choices=AppKind.choices)
    unit_name = models.CharField(_("主办单位"), max_length=128)
    hosting_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("主办单位（系统内）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legacy_items",
    )
    division = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("所在区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_code = models.CharField(max_length=12, db_index=True)
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices, blank=True)
    identifier = models.CharField(_("包名/标识"), max_length=255, blank=True, db_index=True)
    launched_on = models.DateField(_("上线日期"), null=True, blank=True)
    retired = models.BooleanField(_("已停用"), default=False)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    app = models.ForeignKey(
        App,
        verbose_name=_("匹配的应用"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legacy_items",
    )
    match_method = models.CharField(
        _("匹配方式"), max_length=16, choices=LegacyMatch.choices, blank=True, default=""
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scope_code", "unit_name", "name", "pk"]
        verbose_name = _("存量应用")
        verbose_name_plural = _("存量应用")
        constraints = [
            models.UniqueConstraint(
                fields=["scope_code", "unit_name", "normalised_name", "kind"],
                name="legacy_item_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit_name}）"


class RegistryVersion(models.Model):
    """One row (id=1). Bumped on every change the public can see; cached public answers are
    keyed by it, so every web process sees a change at once, whatever cache backend it uses."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "registry version"

    def __str__(self) -> str:
        return str(self.version)
