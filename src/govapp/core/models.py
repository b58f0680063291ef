"""Core data: the hash-chained audit log (R-28) and the working-day calendar (R-12)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import Jurisdiction


class AuditEvent(models.Model):
    """One change.  ``hash`` covers every field below and the previous event's hash, so
    altering, deleting or reordering any row breaks the chain (``govapp audit verify``)."""

    jurisdiction: ClassVar[Jurisdiction] = Jurisdiction(scope="scope_code", unit="unit_pk")

    seq = models.BigIntegerField(_("序号"), unique=True)
    time = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    scope_code = models.CharField(max_length=12, blank=True, db_index=True)
    unit_pk = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # A region's events counted from the index alone (issue 16): the list's region
            # filter is a prefix of scope_code (pattern operators on PostgreSQL, whose
            # collation-aware default cannot serve LIKE '44%'), the list leaves out the
            # reporters' actions and is ordered by seq: its count and deep pages (walked over the
            # ids) need no row.
            models.Index(
                fields=["scope_code", "action", "seq", "id"],
                name="audit_scope_action_scale",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops", "int8_ops"],
            ),
            # The national list (every event but the reporters' own, newest first): its count
            # and its deep pages walk this index alone.
            models.Index(
                fields=["-seq", "id"],
                condition=~models.Q(action__in=["complaint.submit", "complaint.add_information"]),
                name="audit_listing_seq_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """A single row that serialises appends and remembers the chain's tip, so that deleting
    the newest events is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # Events from this sequence number on are chained with HMAC-SHA256 under the audit key
    # (kept outside the database); older ones (written before keying) with plain SHA-256.
    keyed_from_seq = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class CalendarSource(models.TextChoices):
    CHINESE_CALENDAR = "chinese_calendar", _("chinese-calendar 数据包")
    MANUAL = "manual", _("人工录入")
    IMPORT = "import", _("文件导入")


class CalendarYear(models.Model):
    """A year whose official holiday schedule is known.  Years not present are computed
    Monday to Friday and marked provisional."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=32, choices=CalendarSource.choices)
    notice = models.CharField(_("依据文件"), max_length=255, blank=True)
    published_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休息）")
    WORKDAY = "workday", _("调休上班日")


class CalendarDay(models.Model):
    """An exception to Monday-to-Friday: a holiday on a weekday or a worked weekend day."""

    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("节日"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class SharedCounter(models.Model):
    """A counter or one-time marker shared by every web process and host (rate limits, the
    complaint proof-of-work replay set) when the cache is not Redis.  Updated atomically with
    ``UPDATE ... SET value = value + 1``; rows expire and are deleted as new ones are made."""

    key = models.CharField(max_length=200, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("共享计数器")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
