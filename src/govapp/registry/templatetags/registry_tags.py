from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def err(errors: dict[str, str] | None, key: str) -> str:
    """The error message for a dotted field path (``errors|err:"basic.app_name"``)."""
    return (errors or {}).get(key, "")


@register.simple_tag
def ferr(errors: dict[str, str] | None, prefix: str, index: int, field: str) -> str:
    return (errors or {}).get(f"{prefix}.{index}.{field}", "")


@register.filter
def attr(obj: Any, name: str) -> Any:
    return getattr(obj, name, "") if obj is not None else ""


@register.filter
def files_of(by_section: dict[str, list[Any]] | None, key: str) -> list[Any]:
    """The attachments uploaded to one section (``attachments_by_section|files_of:"basic"``)."""
    return (by_section or {}).get(key, [])
