"""Forms of the reports pages (generate a report, schedule one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.reports.models import PeriodKind


class GenerateForm(forms.Form):
    scope_code = forms.ChoiceField(label=_("范围"), required=False)
    period_kind = forms.ChoiceField(label=_("周期"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("年份"), min_value=2026, max_value=2100)
    number = forms.IntegerField(
        label=_("月份或季度"), min_value=1, max_value=12, help_text=_("月报填 1–12，季报填 1–4")
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope_code"].choices = scopes  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period_kind") == PeriodKind.QUARTER and (data.get("number") or 0) > 4:
            self.add_error("number", _("季报的季度应为 1–4。"))
        return data


class ScheduleForm(forms.Form):
    scope_code = forms.ChoiceField(label=_("范围"), required=False)
    period_kind = forms.ChoiceField(label=_("周期"), choices=PeriodKind.choices)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope_code"].choices = scopes  # type: ignore[attr-defined]
