"""The one refusal model (core.errors): sentences listed once, Django's validation converted,
form errors placed beside their fields or on top."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from govapp.core.errors import InvalidInput, add_to_form, invalid_input


def test_messages_lists_every_sentence_once():
    exc = InvalidInput("请选择月报或季报。", {"period_kind": "请选择月报或季报。"})
    assert exc.messages == ["请选择月报或季报。"]
    exc = InvalidInput("第 2 行：x", {"schedule.2": "第 2 行：x", "schedule.5": "第 5 行：y"})
    assert exc.messages == ["第 2 行：x", "第 5 行：y"]
    assert exc.as_json() == {"detail": "第 2 行：x", "errors": exc.errors}


def test_invalid_input_keeps_each_message_under_its_field():
    exc = invalid_input(ValidationError({"name": ["a", "b"], "__all__": ["c"]}))
    assert exc.errors == {"name": "a", "name.2": "b", "__all__": "c"}
    assert exc.message == "a"
    assert exc.messages == ["a", "b", "c"]
    plain = invalid_input(ValidationError(["too short", "too common"]), "new_password")
    assert plain.errors == {"new_password": "too short", "new_password.2": "too common"}


class _Form(forms.Form):
    year = forms.IntegerField()


def test_add_to_form_shows_errors_without_a_field_on_top():
    form = _Form({"year": "2027"})
    assert form.is_valid()
    add_to_form(
        form, InvalidInput("年份超出范围。", {"year": "年份超出范围。", "schedule.3": "第 3 行"})
    )
    assert form.errors["year"] == ["年份超出范围。"]
    assert form.non_field_errors() == ["年份超出范围。", "第 3 行"]
