"""Forms of the campaign pages: every write from a page goes through one of these."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.orgs.models import Unit, User
from govapp.oversight.campaigns.evidence import Check
from govapp.oversight.campaigns.models import AnswerValue, TaskKind, TaskState
from govapp.registry.models import App, AppKind

ANSWER_CHOICES = [("", _("未回答")), *AnswerValue.choices]


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("专项名称"), max_length=200)
    working_days = forms.IntegerField(
        label=_("期限（工作日）"), min_value=1, max_value=120, initial=20
    )
    regions = forms.CharField(
        label=_("地区（行政区划代码，逗号分隔；留空为全部辖区）"), required=False, max_length=500
    )
    kinds = forms.MultipleChoiceField(
        label=_("应用类型（不选为全部）"),
        choices=AppKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grassroots_only = forms.BooleanField(label=_("仅面向基层的应用"), required=False)

    def clean_regions(self) -> list[str]:
        raw = self.cleaned_data.get("regions") or ""
        codes = [c.strip() for c in raw.replace("，", ",").split(",") if c.strip()]
        bad = [c for c in codes if not c.isdigit() or len(c) not in (2, 4, 6)]
        if bad:
            raise forms.ValidationError(
                _("行政区划代码应为 2、4 或 6 位数字：%(c)s") % {"c": "、".join(bad)}
            )
        return codes


class ProvincePlanForm(forms.Form):
    internal_deadline = forms.DateField(
        label=_("省内截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    questions = forms.CharField(
        label=_("本省补充问题（每行一个，以“是否”提问，回答“是”表示存在问题）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def question_lines(self) -> list[str]:
        return [
            t.strip() for t in (self.cleaned_data.get("questions") or "").splitlines() if t.strip()
        ]


class EvaluatorAssignForm(forms.Form):
    evaluator = forms.ModelChoiceField(label=_("评估人员"), queryset=User.objects.none())
    apps = forms.ModelMultipleChoiceField(
        label=_("评估的应用"),
        queryset=App.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, evaluators: Any, apps: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators  # type: ignore[attr-defined]
        self.fields["apps"].queryset = apps  # type: ignore[attr-defined]


class UsingUnitForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("使用单位"), queryset=Unit.objects.none())
    note = forms.CharField(label=_("使用情况"), required=False, max_length=200)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    """One radio group and one explanation per question of a task (fields q<id>, e<id>, f<id>)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, checks: list[Check], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = checks
        for c in checks:
            qid = c.question.pk
            self.fields[f"q{qid}"] = forms.ChoiceField(
                label=c.text, choices=ANSWER_CHOICES, required=False, widget=forms.RadioSelect
            )
            self.fields[f"e{qid}"] = forms.CharField(
                label=_("说明"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"f{qid}"] = forms.FileField(label=_("附件"), required=False)
            if c.answer is not None and not self.is_bound:
                self.initial[f"q{qid}"] = c.answer.value
                self.initial[f"e{qid}"] = c.answer.explanation

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            c.question.pk: (
                self.cleaned_data.get(f"q{c.question.pk}") or "",
                self.cleaned_data.get(f"e{c.question.pk}") or "",
            )
            for c in self.checks
        }

    def attachments(self) -> dict[int, Any]:
        return {
            c.question.pk: f
            for c in self.checks
            if (f := self.cleaned_data.get(f"f{c.question.pk}")) is not None
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "check": c,
                "value": self[f"q{c.question.pk}"],
                "explanation": self[f"e{c.question.pk}"],
                "file": self[f"f{c.question.pk}"],
            }
            for c in self.checks
        ]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("通过")), ("return", _("退回"))])
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, checks: list[Check], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = checks
        for c in checks:
            qid = c.question.pk
            self.fields[f"c{qid}"] = forms.BooleanField(
                label=_("核实存在问题"),
                required=False,
                initial=c.admits_problem or c.contradiction,
            )
            self.fields[f"n{qid}"] = forms.CharField(
                label=_("说明"), required=False, max_length=2000
            )

    def confirmed(self) -> list[int]:
        return [c.question.pk for c in self.checks if self.cleaned_data.get(f"c{c.question.pk}")]

    def notes(self) -> dict[int, str]:
        return {
            c.question.pk: self.cleaned_data.get(f"n{c.question.pk}") or "" for c in self.checks
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"check": c, "confirm": self[f"c{c.question.pk}"], "note": self[f"n{c.question.pk}"]}
            for c in self.checks
        ]


class TaskFilterForm(forms.Form):
    """Which tasks a campaign's page lists (GET)."""

    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *TaskKind.choices]
    )
    progress = forms.ChoiceField(
        label=_("进度"),
        required=False,
        choices=[("", _("全部")), ("todo", _("未完成自查")), ("done", _("已完成自查"))],
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *TaskState.choices]
    )
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out, never an error page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v}
