"""Django forms for the registry's page writes that are new with issue 15."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.core.calendar import today_shanghai
from govapp.core.permissions import restrict
from govapp.registry.models import App, AppStatus
from govapp.registry.numbers import filing_number_variants


class ShutdownOrderForm(forms.Form):
    """A regulator orders an app shut down (R-14), optionally naming the app users move to."""

    reason = forms.CharField(
        label=_("关停理由和依据"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    deadline = forms.DateField(label=_("关停期限"), widget=forms.DateInput(attrs={"type": "date"}))
    successor = forms.CharField(
        label=_("替代应用的备案编号（可选）"),
        required=False,
        max_length=80,
        help_text=_("用户应改用的已备案应用；留空表示没有替代应用。"),
    )

    def __init__(self, *args: Any, user: Any, app: App, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.app = app
        self.fields["deadline"].widget.attrs["min"] = today_shanghai().isoformat()

    def clean_deadline(self) -> dt.date:
        day: dt.date = self.cleaned_data["deadline"]
        if day < today_shanghai():
            raise forms.ValidationError(_("关停期限不能早于今天。"))
        return day

    def clean_successor(self) -> App | None:
        raw = self.cleaned_data.get("successor") or ""
        if not raw.strip():
            return None
        found = (
            restrict(App.objects.all(), self.user, "view")
            .filter(status=AppStatus.FILED, filing_number__in=filing_number_variants(raw))
            .exclude(pk=self.app.pk)
            .first()
        )
        if found is None:
            raise forms.ValidationError(
                _("没有找到备案编号为“%(n)s”的已备案应用，请核对后重新填写。") % {"n": raw.strip()}
            )
        return found
