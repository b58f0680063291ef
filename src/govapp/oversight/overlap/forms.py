"""Forms of every overlap page write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.oversight.overlap.models import CaseState, Decision, Relation

USERS_CHOICES = [
    ("", _("不限")),
    ("public", _("群众")),
    ("business", _("企业")),
    ("staff", _("机关工作人员")),
    ("grassroots", _("基层工作人员")),
]


class CheckForm(forms.Form):
    name = forms.CharField(label=_("拟建应用名称"), max_length=128)
    features = forms.CharField(
        label=_("主要功能（每行一项，或用顿号分隔）"), widget=forms.Textarea(attrs={"rows": 5})
    )
    users = forms.ChoiceField(label=_("服务对象"), choices=USERS_CHOICES, required=False)
    description = forms.CharField(
        label=_("建设内容简述"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.TypedChoiceField(label=_("建设单位"), coerce=int)
    division = forms.CharField(
        label=_("地区代码（不填则为建设单位所在地区）"), max_length=6, required=False
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = units

    def clean_features(self) -> list[str]:
        raw = self.cleaned_data["features"]
        return [f.strip() for f in re.split(r"[\n、，,；;]+", raw) if f.strip()]

    def clean_division(self) -> str:
        d: str = self.cleaned_data["division"].strip()
        if d and not re.fullmatch(r"\d{2}(\d{2}){0,2}", d):
            raise forms.ValidationError(_("请填写 2、4 或 6 位行政区划代码。"))
        return d


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("认定"),
        choices=[(Decision.CONSOLIDATE, _("整合")), (Decision.DISTINCT, _("认定为不重复"))],
    )
    reason = forms.CharField(
        label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseForm(forms.Form):
    staying = forms.TypedChoiceField(label=_("保留应用"), coerce=int)
    working_days = forms.IntegerField(
        label=_("迁移期限（工作日）"), min_value=1, max_value=250, initial=60
    )
    note = forms.CharField(
        label=_("整合要求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, apps: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staying = self.fields["staying"]
        assert isinstance(staying, forms.ChoiceField)
        staying.choices = apps


class GroupFilterForm(forms.Form):
    """Which groups the overlap page lists (GET)."""

    relation = forms.ChoiceField(label=_("关系"), required=False, choices=Relation.choices)
    decision = forms.ChoiceField(
        label=_("认定"), required=False, choices=[("", _("全部")), *Decision.choices]
    )


class CaseFilterForm(forms.Form):
    """Which consolidation cases the case list shows (GET)."""

    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *CaseState.choices]
    )
