"""Forms of the ledger's pages (every page write goes through one)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from govapp.orgs.models import Division, Unit
from govapp.oversight.ledger.models import (
    Demand,
    DemandStatus,
    Frequency,
    ProposalState,
    TargetLevel,
)
from govapp.oversight.ledger.services import FieldSpec, parse_field_lines
from govapp.registry.models import App


class DemandForm(forms.Form):
    title = forms.CharField(label=_("事项名称"), max_length=200)
    division = forms.CharField(
        label=_("填报地区（区划代码）"), max_length=12, help_text=_("如 440113（番禺区）")
    )
    basis = forms.CharField(
        label=_("法律或政策依据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    target_level = forms.ChoiceField(label=_("填报对象"), choices=TargetLevel.choices)
    units_targeted = forms.IntegerField(
        label=_("填报单位数"), min_value=1, max_value=100000, initial=1
    )
    frequency = forms.ChoiceField(
        label=_("填报频次"), choices=Frequency.choices, initial=Frequency.MONTHLY
    )
    minutes_per_field = forms.DecimalField(
        label=_("每项每次填报分钟数"),
        min_value=Decimal("0.1"),
        max_value=Decimal(600),
        initial=2,
        decimal_places=2,
    )
    fields_text = forms.CharField(
        label=_("填报字段"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一个字段；可在“|”后写数据类型，如：身份证号码 | id_number"),
    )
    app = forms.ModelChoiceField(label=_("承载应用"), queryset=App.objects.none(), required=False)
    starts_on = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, unit: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unit is not None:
            self.fields["app"].queryset = App.objects.filter(hosting_unit=unit)  # type: ignore[attr-defined]
            if not self.is_bound and "division" not in self.initial:
                self.initial["division"] = unit.division_id

    def clean_division(self) -> Division:
        code = self.cleaned_data["division"].strip()
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise ValidationError(_("没有这个区划代码。"))
        return division

    def clean_fields_text(self) -> list[FieldSpec]:
        return parse_field_lines(self.cleaned_data["fields_text"])

    @classmethod
    def initial_of(cls, demand: Demand) -> dict[str, Any]:
        return {
            "title": demand.title,
            "division": demand.division_id,
            "basis": demand.basis,
            "target_level": demand.target_level,
            "units_targeted": demand.units_targeted,
            "frequency": demand.frequency,
            "minutes_per_field": demand.minutes_per_field,
            "fields_text": "\n".join(
                f.label if f.type == "text" else f"{f.label} | {f.type}"
                for f in demand.fields.all()
            ),
            "app": demand.app_id,
            "starts_on": demand.starts_on,
            "ends_on": demand.ends_on,
        }


class ProposeForm(forms.Form):
    reason = forms.CharField(
        label=_("申请理由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审查结论"),
        choices=[
            (ProposalState.APPROVED, _("同意列入清单")),
            (ProposalState.SENT_BACK, _("退回：复用已有数据（最多报一次）")),
            (ProposalState.REFUSED, _("不予同意")),
        ],
        widget=forms.RadioSelect,
    )
    reuse_source = forms.ModelChoiceField(
        label=_("应复用的已有事项"), queryset=Demand.objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, candidates: list[Demand] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [d.pk for d in candidates or []]
        field = self.fields["reuse_source"]
        field.queryset = Demand.objects.filter(pk__in=ids)  # type: ignore[attr-defined]
        field.label_from_instance = lambda d: f"{d.ledger_number} {d.title}（{d.department_name}）"  # type: ignore[attr-defined]


class BudgetForm(forms.Form):
    division = forms.CharField(label=_("区划代码"), max_length=12)
    hours_per_month = forms.DecimalField(
        label=_("每月填报总工时上限（小时，留空则取消）"),
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=1,
    )

    def clean_division(self) -> Division:
        division = Division.objects.filter(code=self.cleaned_data["division"].strip()).first()
        if division is None:
            raise ValidationError(_("没有这个区划代码。"))
        return division


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV 或 XLSX 文件（上限 5 MB）"))


class DictionaryForm(forms.Form):
    file = forms.FileField(label=_("数据字典 JSON 文件"))
    note = forms.CharField(label=_("修订说明"), max_length=200)

    def clean_file(self) -> dict[str, Any]:
        f = self.cleaned_data["file"]
        if f.size and f.size > 2 * 1024 * 1024:
            raise ValidationError(_("文件过大（上限 2 MB）。"))
        try:
            data = json.loads(f.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(_("不是有效的 JSON 文件：%(e)s") % {"e": exc}) from exc
        if not isinstance(data, dict):
            raise ValidationError(_("数据字典应为 JSON 对象。"))
        return data


class CheckForm(forms.Form):
    number = forms.CharField(label=_("清单编号"), max_length=32)


class DemandFilterForm(forms.Form):
    """The filters of the ledger list (GET)."""

    q = forms.CharField(label=_("名称、编号或部门"), required=False, max_length=64)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *DemandStatus.choices]
    )
    division = forms.RegexField(
        label=_("区划代码"),
        required=False,
        regex=r"^\d{2,12}$",
        max_length=12,
        widget=forms.TextInput(attrs={"placeholder": "440113", "size": 8}),
    )
    mine = forms.BooleanField(label=_("只看本单位"), required=False)
    area = forms.BooleanField(label=_("只看本辖区"), required=False)
    active = forms.BooleanField(label=_("本期有效"), required=False)
    duplicated = forms.BooleanField(label=_("含重复索要的数据"), required=False)

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out, never an error page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v}
