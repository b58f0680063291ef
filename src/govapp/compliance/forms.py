"""Django forms for every page write of the compliance engine (issue 9 item 3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.compliance import services as svc
from govapp.compliance.models import Finding, RectificationOrder
from govapp.core.actor import Actor
from govapp.core.permissions import restrict
from govapp.registry.models import App
from govapp.scans.models import PackageScan, ScanStatus

YES_NO = [("", "—"), ("yes", _("是")), ("no", _("否"))]


class ExemptionRequestForm(forms.Form):
    rule_id = forms.CharField(required=False)
    scenario = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)
    document = forms.FileField(required=False)
    requested_expiry = forms.DateField(label=_("申请有效期至"), required=False)


class ExemptionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("批准")), ("refuse", _("不予批准"))], required=False
    )
    expires_on = forms.DateField(label=_("有效期至"), required=False)
    note = forms.CharField(required=False, strip=False)


class OrderIssueForm(forms.Form):
    """A regulator orders an app's findings rectified within a number of working days."""

    findings = forms.ModelMultipleChoiceField(queryset=Finding.objects.none(), required=False)
    instructions = forms.CharField(required=False, strip=False)
    working_days = forms.IntegerField(label=_("整改期限（工作日）"), required=False)

    def __init__(self, *args: Any, app: App, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = Finding.objects.filter(app=app)  # type: ignore[attr-defined]

    def clean_working_days(self) -> int:
        return int(self.cleaned_data.get("working_days") or 10)


class OrderActForm(forms.Form):
    """The buttons of a rectification order: respond, accept, send back, fail."""

    action = forms.ChoiceField(
        choices=[
            ("respond", _("报送整改情况")),
            ("accept", _("验收通过")),
            ("send_back", _("退回重新整改")),
            ("fail", _("认定整改不合格")),
        ],
        error_messages={
            "required": _("未知的操作，请刷新页面后重试。"),
            "invalid_choice": _("未知的操作，请刷新页面后重试。"),
        },
    )
    note = forms.CharField(required=False, strip=False)
    response = forms.CharField(required=False, strip=False)
    scan = forms.ModelChoiceField(
        label=_("新版本安装包"), queryset=PackageScan.objects.none(), required=False
    )
    force = forms.BooleanField(required=False)
    working_days = forms.IntegerField(
        label=_("退回时的新期限（工作日）"), required=False, min_value=1, max_value=60
    )

    def __init__(self, *args: Any, order: RectificationOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scan"].queryset = PackageScan.objects.filter(  # type: ignore[attr-defined]
            app=order.app, status=ScanStatus.DONE
        )


class PenaltyActForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("revoke", _("撤销备案")), ("drop", _("不予处罚"))], required=False
    )
    confirm = forms.BooleanField(required=False)
    note = forms.CharField(required=False, strip=False)


class SpotCheckDrawForm(forms.Form):
    name = forms.CharField(label=_("名称"), required=False, max_length=128)
    sample_size = forms.IntegerField(label=_("抽样数量"), required=False)
    seed = forms.IntegerField(label=_("随机种子"), required=False, min_value=0)
    forced = forms.BooleanField(required=False)

    def clean_sample_size(self) -> int:
        return int(self.cleaned_data.get("sample_size") or 0)


class SpotCheckRecordForm(forms.Form):
    """What the tester observed on one sampled app: yes, no or not checked per item."""

    note = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in svc.CHECK_FIELDS:
            self.fields[name] = forms.ChoiceField(choices=YES_NO, required=False)

    def checks(self) -> dict[str, bool | None]:
        values = {"yes": True, "no": False}
        return {k: values.get(self.cleaned_data.get(k) or "") for k in svc.CHECK_FIELDS}


class BulletinForm(forms.Form):
    """A regulator publishes a bulletin of resolved rectification cases in their reach."""

    title = forms.CharField(required=False, max_length=200)
    summary = forms.CharField(required=False, strip=False)
    anonymised = forms.BooleanField(required=False)
    orders = forms.ModelMultipleChoiceField(
        queryset=RectificationOrder.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orders"].queryset = restrict(  # type: ignore[attr-defined]
            RectificationOrder.objects.all(), user, "view"
        )

    def kept_orders(self) -> set[int]:
        """The cases ticked before a refusal, to tick them again."""
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return set()
        return {
            int(x) for x in self.data.getlist("orders") if str(x).isascii() and str(x).isdigit()
        }
