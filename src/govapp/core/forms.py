"""Page input through Django forms (issue 9 item 3): small shared pieces.

Every write from a page binds a form to the request (:func:`bind`), asks it to validate and
clean, and hands the cleaned values to the service. A service's refusal goes back onto the form
(``core.errors.add_to_form``) or, for buttons that redirect, into page messages
(:func:`form_messages`). Choices come from the models' ``TextChoices`` or the schemas' tables,
never from copies in a view.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

F = TypeVar("F", bound=forms.BaseForm)

MAX_FORM_ROWS = 200


def bind(request: HttpRequest, form_class: type[F], **kwargs: Any) -> F:
    """The form bound to a POST (with its files), or unbound on any other method."""
    if request.method == "POST":
        return form_class(request.POST, request.FILES or None, **kwargs)
    return form_class(**kwargs)


def pressed(request: HttpRequest, name: str = "action") -> str:
    """Which submit button of a page with several forms was pressed (its value, or "" when it
    was not): the one raw POST value a view reads, and only to choose which form to bind.
    Everything handed to a service comes from a form's ``cleaned_data``."""
    if request.method != "POST":
        return ""
    return str(request.POST.get(name, "")) if name in request.POST else ""


def was_pressed(request: HttpRequest, name: str) -> bool:
    """Whether the submit button ``name`` was pressed (see :func:`pressed`)."""
    return request.method == "POST" and name in request.POST


def form_messages(request: HttpRequest, form: forms.BaseForm) -> None:
    """Show a form's errors as page messages ("label: what is wrong"), for actions that
    redirect back to the page they came from."""
    for name, errors in form.errors.items():
        field = form.fields.get(name) if name != "__all__" else None
        label = str(field.label) if field is not None and field.label else ""
        for text in errors:
            messages.error(request, f"{label}：{text}" if label else str(text))


def first_errors(form: forms.BaseForm) -> dict[str, str]:
    """Field name -> its first error, for templates that show one line beside each field."""
    return {name: str(errors[0]) for name, errors in form.errors.items() if errors}


def row_count(value: Any) -> int:
    """The number of repeated rows a form says it sends: a malformed or absurd count is not a
    server error (and cannot make a loop run for minutes)."""
    text = str(value or "0").strip()
    return min(int(text), MAX_FORM_ROWS) if text.isascii() and text.isdigit() else 0


class RowsField(forms.Field):
    """Repeated rows sent as ``<prefix>-<i>-<key>`` with a ``<count_name>`` count; cleans to a
    list of dicts of stripped strings (booleans for ``flags``)."""

    def __init__(
        self,
        *,
        prefix: str,
        count_name: str,
        keys: tuple[str, ...],
        flags: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.prefix = prefix
        self.count_name = count_name
        self.keys = keys
        self.flags = flags
        self.widget = RowsWidget(self)


class RowsWidget(forms.Widget):
    def __init__(self, field: RowsField) -> None:
        super().__init__()
        self.field = field

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, Any]]:
        f = self.field
        rows = []
        for i in range(row_count(data.get(f.count_name))):
            p = f"{f.prefix}-{i}-"
            row: dict[str, Any] = {k: str(data.get(p + k, "")).strip() for k in f.keys}
            row |= {k: data.get(p + k) == "on" for k in f.flags}
            rows.append(row)
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class CalendarYearForm(forms.Form):
    """A national regulator enters (or deletes) a year's holiday schedule, typed or as CSV."""

    action = forms.ChoiceField(choices=[("save", "save"), ("delete", "delete")], required=False)
    year = forms.IntegerField(
        error_messages={"required": _("请填写年份。"), "invalid": _("请填写年份。")}
    )
    schedule = forms.CharField(required=False, strip=False)
    notice = forms.CharField(required=False)
    file = forms.FileField(required=False)

    def clean_action(self) -> str:
        return str(self.cleaned_data.get("action") or "save")

    def clean_notice(self) -> str:
        return str(self.cleaned_data.get("notice") or "").strip()[:255]
