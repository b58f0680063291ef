"""Administrative divisions, units, users, roles and grants (R-05, R-06)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class DivisionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    PREFECTURE = 2, _("地级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级")


class Division(models.Model):
    """One node of China's administrative tree; level and parent derive from the code."""

    code = models.CharField(_("区划代码"), max_length=9, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    province_code = models.CharField(max_length=2, db_index=True)
    is_functional_zone = models.BooleanField(
        _("统计用功能区"),
        default=False,
        help_text=_("开发区等统计用功能区，并非 GB/T 2260 行政区划"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def statistical_code(self) -> str:
        """The 12-digit statistical code (zero-padded)."""
        return self.code.ljust(12, "0")


class UnitKind(models.TextChoices):
    ADMIN_ORGAN = "admin_organ", _("行政机关")
    MASS_ORG = "mass_org", _("群团组织")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    STATE_COUNCIL_DEPT = "state_council_dept", _("国务院部门")
    CAC = "cac", _("国家网信办")
    PROVINCIAL_CAC = "provincial_cac", _("省级网信部门")
    PROVINCIAL_GSA = "provincial_gsa", _("省级政务服务管理部门")


REGULATOR_KINDS = {UnitKind.CAC, UnitKind.PROVINCIAL_CAC, UnitKind.PROVINCIAL_GSA}


class Unit(models.Model):
    """An organisation: a hosting unit, a regulator or a State Council department."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="id")

    name = models.CharField(_("单位名称"), max_length=128)
    kind = models.CharField(_("单位类型"), max_length=32, choices=UnitKind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    scope_code = models.CharField(
        max_length=12,
        db_index=True,
        editable=False,
        help_text="Division code for local units, 'central' for central ones: the key of "
        "jurisdiction checks.",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["scope_code", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=["name", "division"], name="unit_name_division_unique")
        ]
        indexes = [models.Index(fields=["scope_code", "name", "id"], name="unit_list_order_scale")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.scope_code = self.compute_scope_code()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_central(self) -> bool:
        return self.kind in {UnitKind.STATE_COUNCIL_DEPT, UnitKind.CAC}

    @property
    def level(self) -> int:
        """0 for central units, else the division level (1 province .. 4 township)."""
        return 0 if self.is_central else int(self.division.level)

    def compute_scope_code(self) -> str:
        return "central" if self.is_central else self.division_id


class User(AbstractUser):
    """A person who logs in.  Roles come from grants, never from flags on the user."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="unit__scope_code", unit="unit_id")

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    failed_logins = models.PositiveIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"), default=False, help_text=_("管理员重置密码后为真")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    NATIONAL_REGULATOR = "national_regulator", _("国家监管人员")
    PROVINCIAL_CAC_REVIEWER = "provincial_cac_reviewer", _("省级网信审核人员")
    PROVINCIAL_GSA_REVIEWER = "provincial_gsa_reviewer", _("省级政务服务审核人员")
    UNIT_MANAGER = "unit_manager", _("主办单位管理员")
    UNIT_FILER = "unit_filer", _("主办单位填报人员")
    AUDITOR = "auditor", _("审计人员（只读）")
    PROJECT_APPROVAL_AUTHORITY = "project_approval_authority", _("信息化项目审批人员")
    EVALUATOR = "evaluator", _("第三方评估人员")


REGULATOR_ROLES = {
    Role.NATIONAL_REGULATOR,
    Role.PROVINCIAL_CAC_REVIEWER,
    Role.PROVINCIAL_GSA_REVIEWER,
}
UNIT_ROLES = {Role.UNIT_MANAGER, Role.UNIT_FILER}


class Grant(models.Model):
    """Gives a user a role over a unit (unit roles) or a jurisdiction (regulators, auditors).

    A jurisdiction grant with no division is national.
    """

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(
        scope="user__unit__scope_code", unit="user__unit_id"
    )

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("管辖区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("留空表示全国"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit", "division"], name="grant_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.unit or self.division or _("全国")
        return f"{self.user} · {self.get_role_display()} · {where}"

    @property
    def scope_prefix(self) -> str | None:
        """Jurisdiction prefix this grant covers: None = national."""
        return self.division_id if self.division_id else None


class ApiToken(models.Model):
    """A revocable API token; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64, default="api")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RecoveryCode(models.Model):
    """A single-use recovery code for the TOTP second factor (lost phone).  Only a keyed hash
    is stored (HMAC-SHA256 with the secret key); the codes are shown once, at enrolment."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("两步验证恢复码")
        verbose_name_plural = _("两步验证恢复码")

    def __str__(self) -> str:
        return f"{self.user} · {self.pk}"
