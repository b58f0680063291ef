"""Django forms for every page write of the registry (issue 9 item 3): each view binds one,
the form validates and cleans, and the view hands the cleaned values to the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.forms import RowsField, row_count
from govapp.core.permissions import restrict
from govapp.registry.models import App, AppKind, ApplicationKind, AppStatus
from govapp.registry.numbers import filing_number_variants
from govapp.registry.schemas import SCENARIOS, SENSITIVE_KINDS, TARGET_LEVELS


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

    def __init__(self, *args: Any, user: Actor, app: App, **kwargs: Any) -> None:
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


# --- apps ------------------------------------------------------------------------------------

# What a unit may register at the door: the app kinds, and the two kinds that are not apps and
# are told where they belong instead (the service explains).
KIND_CHOICES_AT_DOOR = [
    *AppKind.choices,
    ("public_account", _("政务公众账号（微信公众号、微博等）")),
    ("work_group", _("工作群组（微信群、钉钉群等）")),
]


class AppCreateForm(forms.Form):
    """A hosting unit registers an app (the service checks the name and the kind)."""

    unit = forms.CharField(required=False)
    name = forms.CharField(required=False, max_length=128)
    kind = forms.ChoiceField(choices=[("", ""), *KIND_CHOICES_AT_DOOR], required=False)
    public_facing = forms.BooleanField(required=False)
    target_users = forms.CharField(required=False, max_length=500)
    target_levels = forms.MultipleChoiceField(choices=list(TARGET_LEVELS.items()), required=False)
    description = forms.CharField(required=False)

    def kept(self) -> dict[str, Any]:
        """What the person typed, to show again on the page (valid or not)."""
        d = self.data
        return {
            "unit": str(d.get("unit", "")),
            "name": str(d.get("name", "")).strip(),
            "kind": str(d.get("kind", "")),
            "public_facing": d.get("public_facing") == "on",
            "target_users": str(d.get("target_users", "")).strip(),
            "target_levels": d.getlist("target_levels") if hasattr(d, "getlist") else [],
            "description": str(d.get("description", "")).strip(),
        }


IDENTITY_KEYS = ("platform", "identifier", "host_platform", "cert_sha256", "cert_sha1", "cert_md5")


class IdentitiesForm(forms.Form):
    """The app's platform identities, one row each (rows without an identifier are dropped)."""

    identities = RowsField(prefix="id", count_name="rows", keys=IDENTITY_KEYS)

    def clean_identities(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.cleaned_data["identities"]
        return [r for r in rows if r["identifier"]]


class ApplyForm(forms.Form):
    """Start a filing, change or deregistration application for an app."""

    kind = forms.ChoiceField(choices=ApplicationKind.choices, required=False)
    change_description = forms.CharField(required=False)
    planned_date = forms.DateField(label=_("计划变更日期"), required=False)

    def clean_kind(self) -> str:
        return str(self.cleaned_data.get("kind") or ApplicationKind.NEW)


class ShutdownNoticeForm(forms.Form):
    """The hosting unit announces that it will shut the app down."""

    shutdown_date = forms.DateField(
        label=_("关停日期"),
        error_messages={
            "required": _("请填写关停日期（YYYY-MM-DD）。"),
            "invalid": _("请填写关停日期（YYYY-MM-DD）。"),
        },
    )
    confirm = forms.BooleanField(
        error_messages={"required": _("请勾选“确认公告关停”后再提交。")},
    )
    notice = forms.CharField(required=False)

    field_order = ["confirm", "shutdown_date", "notice"]


class OfflineReportForm(forms.Form):
    report = forms.CharField(required=False)


class AttachmentUploadForm(forms.Form):
    section = forms.CharField(required=False)
    file = forms.FileField(required=False)

    def clean_section(self) -> str:
        return str(self.cleaned_data.get("section") or "other")


# --- the application form ----------------------------------------------------------------------

FEATURE_KEYS = (
    "name",
    "description",
    "reason",
    "basis",
    "sensitive_kind",
    "scenario",
    "scenario_explanation",
)
MLPS_LEVELS = {"", "1", "2", "3", "4", "5", "none"}


def sections_from_data(data: Any) -> dict[str, Any]:
    """The six material sections (R-08) as the application form sends them, cleaned of values
    outside their choice lists; the service validates what is missing."""

    def g(key: str) -> str:
        return str(data.get(key, "")).strip()

    features = []
    for i in range(row_count(data.get("feature_rows"))):
        p = f"features-{i}-"
        features.append(
            {
                "name": g(p + "name"),
                "description": g(p + "description"),
                "reason": g(p + "reason"),
                "basis": g(p + "basis"),
                "grassroots_facing": data.get(p + "grassroots_facing") == "on",
                "sensitive_kind": g(p + "sensitive_kind")
                if g(p + "sensitive_kind") in SENSITIVE_KINDS
                else "",
                "scenario": g(p + "scenario") if g(p + "scenario") in SCENARIOS else "",
                "scenario_explanation": g(p + "scenario_explanation"),
            }
        )
    similar = []
    for i in range(row_count(data.get("similar_rows"))):
        p = f"similar-{i}-"
        similar.append(
            {"name": g(p + "name"), "unit": g(p + "unit"), "relation": g(p + "relation")}
        )
    mlps = g("operations.mlps_level")
    levels = data.getlist("basic.target_levels") if hasattr(data, "getlist") else []
    return {
        "basic": {
            k: g(f"basic.{k}")
            for k in (
                "app_name",
                "version",
                "target_users",
                "handler_name",
                "handler_post",
                "handler_phone",
                "handler_email",
            )
        }
        | {"target_levels": [x for x in levels if x in TARGET_LEVELS]},
        "approval": {
            k: g(f"approval.{k}")
            for k in (
                "basis",
                "content",
                "result",
                "document_no",
                "overlap_check",
                "overlap_reason",
            )
        },
        "features": features,
        "acceptance": {
            k: g(f"acceptance.{k}")
            for k in ("date", "completeness", "stability", "usability", "conclusion")
        },
        "operations": {
            k: g(f"operations.{k}")
            for k in (
                "om_team",
                "om_rules",
                "tech_plan",
                "security_testing",
                "mlps_test_date",
                "mlps_institution",
                "security_rules",
            )
        }
        | {"mlps_level": mlps if mlps in MLPS_LEVELS else ""},
        "other": {"notes": g("other.notes")},
        "similar_apps": similar,
        "no_similar_apps": data.get("no_similar_apps") == "on",
    }


class ApplicationDraftForm(forms.Form):
    """The application form: the sections, the pledge, the exception request, the change
    details, the version the person started from, and what to do after saving (``intent``)."""

    version = forms.IntegerField(required=False)
    pledge_accepted = forms.BooleanField(required=False)
    exception_reason = forms.CharField(required=False, strip=False)
    change_description = forms.CharField(required=False, strip=False)
    planned_date = forms.DateField(label=_("计划变更日期"), required=False)
    intent = forms.CharField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["version"] = data.get("version") or 0
        data["intent"] = data.get("intent") or "save"
        # a field the page did not show is left as it is (None), not emptied
        for name in ("exception_reason", "change_description"):
            if name not in self.data:
                data[name] = None
        data["sections"] = sections_from_data(self.data)
        return data


# --- review actions ----------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip(" -·•\t") for line in (text or "").splitlines() if line.strip(" -·•\t")]


class ApplicationActForm(forms.Form):
    """Every review button on the application page; each action reads the fields it needs."""

    version = forms.IntegerField(required=False)
    confirm = forms.BooleanField(required=False)
    note = forms.CharField(required=False, strip=False)
    reason = forms.CharField(required=False, strip=False)
    missing_items = forms.CharField(required=False)
    late_reason = forms.CharField(required=False, strip=False)
    new_deadline = forms.DateField(
        label=_("预计完成日期"),
        required=False,
        error_messages={"invalid": _("请填写预计完成日期（YYYY-MM-DD）。")},
    )
    override_reason = forms.CharField(required=False, strip=False)
    decision = forms.ChoiceField(
        choices=[("approve", _("批准例外")), ("refuse", _("不予批准"))], required=False
    )

    def clean_missing_items(self) -> list[str]:
        return _lines(self.cleaned_data.get("missing_items") or "")
