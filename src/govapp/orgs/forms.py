"""Django forms for every page write of accounts and units (issue 9 item 3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.orgs.models import Role


class LoginForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    password = forms.CharField(required=False, strip=False)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("username") or not data.get("password"):
            raise forms.ValidationError(_("请输入用户名和密码。"))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(required=False, max_length=64)

    def clean_name(self) -> str:
        return str(self.cleaned_data.get("name") or "").strip() or "api"


class UserNewForm(forms.Form):
    """A manager creates an account in one of the units they manage (the view checks the
    password rules and the free username, the service the rest)."""

    unit = forms.IntegerField(required=False)
    username = forms.CharField(required=False, max_length=150)
    password = forms.CharField(required=False, strip=False)
    display_name = forms.CharField(required=False, max_length=64)
    email = forms.EmailField(required=False)


USER_ACTIONS = (
    "grant",
    "revoke",
    "activate",
    "deactivate",
    "unlock",
    "reset_totp",
    "reset_password",
)


class UserActForm(forms.Form):
    """A manager's action on an account: grant or revoke a role, (de)activate, unlock, reset."""

    action = forms.ChoiceField(choices=[(a, a) for a in USER_ACTIONS], required=False)
    role = forms.ChoiceField(choices=Role.choices, required=False)
    division = forms.CharField(required=False, max_length=12)
    grant = forms.IntegerField(required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(required=False, strip=False)
    new_password = forms.CharField(required=False, strip=False)
    new_password2 = forms.CharField(required=False, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password2"):
            raise forms.ValidationError(_("两次输入的新密码不一致。"))
        return data


class CodeForm(forms.Form):
    """A six-digit code of the authenticator app, or a recovery code (``ABCDE-FGHJK``)."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=32,
        strip=True,
        error_messages={"required": _("请输入验证码。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )
