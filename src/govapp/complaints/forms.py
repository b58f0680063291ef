"""Django forms for every page write of the complaint channel (issue 9 item 3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# the fields of the public report form, kept as typed when the report is refused
REPORT_FIELDS = (
    "app_query",
    "filing_number",
    "category",
    "banned_practice",
    "description",
    "happened",
)


class ReportForm(forms.Form):
    """A public report (the service validates category, description and evidence)."""

    app_query = forms.CharField(required=False, max_length=200)
    filing_number = forms.CharField(required=False, max_length=80)
    category = forms.CharField(required=False, max_length=40)
    banned_practice = forms.CharField(required=False, max_length=40)
    description = forms.CharField(required=False)
    happened = forms.CharField(required=False, max_length=200)
    pow = forms.CharField(required=False, max_length=200)

    def kept(self) -> dict[str, str]:
        return {k: str(self.data.get(k, "")).strip() for k in REPORT_FIELDS}


class FollowForm(forms.Form):
    """Look a report up with its receipt and, optionally, add information to it."""

    receipt = forms.CharField(required=False, max_length=64)
    action = forms.CharField(required=False, max_length=16)
    text = forms.CharField(required=False, strip=False)


MANAGE_ACTIONS = ("ack", "reply", "note", "dismiss", "merge", "finding", "explain", "answer")
MANAGE_TEXTS = ("text", "reason", "into", "note", "outcome", "redacted")


class ManageForm(forms.Form):
    """A regulator's action on one report; each action reads the fields it needs."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in MANAGE_ACTIONS],
        error_messages={
            "required": _("未知操作，请刷新页面后重试。"),
            "invalid_choice": _("未知操作，请刷新页面后重试。"),
        },
    )
    confirm = forms.BooleanField(required=False)
    confirm_redacted = forms.BooleanField(required=False)
    text = forms.CharField(required=False, strip=False)
    reason = forms.CharField(required=False, strip=False)
    into = forms.CharField(required=False, max_length=40)
    note = forms.CharField(required=False, strip=False)
    outcome = forms.CharField(required=False, strip=False)
    redacted = forms.CharField(required=False, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in {"dismiss", "merge", "answer"} and not data.get("confirm"):
            raise forms.ValidationError(_("请勾选确认后再提交（此操作会结束办理）。"))
        return data

    def kept(self) -> dict[str, str]:
        return {k: str(self.data.get(k, "")) for k in MANAGE_TEXTS}


class UnitKeyForm(forms.Form):
    """A unit opens the in-app complaint page of one of its apps, or sets which web pages
    may embed it (``frame_ancestors`` sent, even empty, means "set the origins")."""

    app = forms.IntegerField(required=False, min_value=1)
    frame_ancestors = forms.CharField(required=False, strip=False)

    def clean_app(self) -> int:
        return int(self.cleaned_data.get("app") or 0)

    def sets_origins(self) -> bool:
        return "frame_ancestors" in self.data


class ExplanationForm(forms.Form):
    response = forms.CharField(required=False, strip=False)
