"""The overlap section on a registry application's page (core.wiring.APP_SECTIONS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from govapp.oversight.overlap.selectors import approval_flags, check_by_number


def app_overlap_section(request: HttpRequest, *, app: Any, application: Any = None) -> SafeString:
    """For a new filing: the project approval's overlap check and the flags for reviewers."""
    if application is None or getattr(application, "kind", "") != "new":
        return mark_safe("")
    sections = application.sections or {}
    number = str(((sections.get("approval") or {}).get("overlap_check")) or "").strip()
    return render_to_string(
        "overlap/_application_section.html",
        {
            "flags": approval_flags(sections),
            "check": check_by_number(number) if number else None,
        },
        request=request,
    )
