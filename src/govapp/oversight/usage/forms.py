"""Django forms for every page write of usage oversight."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.core.calendar import today_shanghai
from govapp.oversight.usage.models import ExemptionCategory, Stage
from govapp.registry.models import App


class MonthField(forms.CharField):
    def clean(self, value: Any) -> dt.date:
        text = str(super().clean(value) or "").strip()
        try:
            return dt.datetime.strptime(text[:7], "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，例如 2026-10。")) from exc


class ReturnForm(forms.Form):
    month = MonthField(
        label=_("月份"), widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-10"})
    )
    active_users = forms.IntegerField(label=_("月活跃用户数"), min_value=0)
    intended_users = forms.IntegerField(
        label=_("服务对象人数"),
        min_value=1,
        help_text=_("该应用所服务人群的规模（例如全市网格员人数）"),
    )
    sessions = forms.IntegerField(label=_("使用次数"), min_value=0, required=False, initial=0)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV 或 XLSX 文件"))


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("实用性评分"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见建议（可选）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("请勿填写姓名、电话、身份证号等个人信息；提交前会自动删除。"),
    )


class CriteriaForm(forms.Form):
    ratio_percent = forms.DecimalField(
        label=_("活跃用户占服务对象比例低于（%）"), min_value=0, max_value=100, decimal_places=2
    )
    ratio_months = forms.IntegerField(label=_("连续月数"), min_value=1, max_value=12)
    min_active_users = forms.IntegerField(label=_("月活跃用户少于"), min_value=0)
    no_return_months = forms.IntegerField(label=_("未报送月数达到"), min_value=1, max_value=12)
    min_rating = forms.DecimalField(
        label=_("实用性评分低于"), min_value=0, max_value=5, decimal_places=2
    )
    min_ratings = forms.IntegerField(label=_("且评价数至少"), min_value=5)


class ExemptionForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=ExemptionCategory.choices)
    reason = forms.CharField(
        label=_("理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        help_text=_("为什么该应用按设计就很少使用（例如汛期、火险期或突发事件时才使用）"),
    )
    expires_on = forms.DateField(
        label=_("有效期至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_expires_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["expires_on"]
        if value <= today_shanghai():
            raise forms.ValidationError(_("有效期应晚于今天。"))
        return value


class OpenCasesForm(forms.Form):
    apps = forms.ModelMultipleChoiceField(
        label=_("应用"), queryset=App.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    working_days = forms.IntegerField(
        label=_("期限（工作日）"), min_value=5, max_value=120, initial=20
    )
    reason = forms.CharField(
        label=_("退出理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("使用率长期偏低，依据《办法》应在期限内关停注销或说明理由。"),
    )

    def __init__(self, *args: Any, apps: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["apps"].queryset = apps  # type: ignore[attr-defined]


class AppealForm(forms.Form):
    appeal = forms.CharField(
        label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 4}), min_length=10
    )
    evidence = forms.FileField(label=_("证据材料（可选）"), required=False)


class DecideForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("决定"),
        choices=[("1", _("申诉成立，撤销退出要求")), ("0", _("申诉不成立，重新限期退出"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("决定理由"), widget=forms.Textarea(attrs={"rows": 3}))
    working_days = forms.IntegerField(
        label=_("新的期限（工作日）"), min_value=5, max_value=120, required=False
    )


class RetireForm(forms.Form):
    shutdown_date = forms.DateField(
        label=_("关停日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    notice = forms.CharField(
        label=_("关停公告"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("告知用户关停日期和今后改用的渠道"),
    )
    successor = forms.CharField(
        label=_("替代应用的备案编号"),
        required=False,
        max_length=64,
        help_text=_("用户今后应改用的已备案应用（可为其他单位的应用）；没有可留空"),
    )

    def clean_successor(self) -> App | None:
        number = self.cleaned_data.get("successor", "").strip()
        if not number:
            return None
        app = App.objects.filter(filing_number=number, status="filed").first()
        if app is None:
            raise forms.ValidationError(_("没有找到该备案编号的已备案应用。"))
        return app


class LowUseFilterForm(forms.Form):
    """Which flags the low-use list shows (GET)."""

    show = forms.ChoiceField(
        label=_("显示"),
        required=False,
        choices=[
            ("", _("全部")),
            ("candidates", _("退出候选")),
            ("in_case", _("退出处置中")),
            ("exempt", _("已豁免")),
        ],
    )


class CaseFilterForm(forms.Form):
    """Which retirement cases the pipeline lists (GET)."""

    stage = forms.ChoiceField(
        label=_("阶段"), required=False, choices=[("", _("全部")), *Stage.choices]
    )
    overdue = forms.BooleanField(label=_("只看已逾期"), required=False)
