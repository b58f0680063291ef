"""Page input of the accounts pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
