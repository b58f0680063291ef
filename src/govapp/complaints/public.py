"""What a receipt holder sees: their report, replies to them and the outcome (never internal
notes, the handler's name or the unit's explanation)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from govapp.complaints.models import Author, Complaint, Status


def complaint_public_view(c: Complaint) -> dict[str, Any]:
    outcome = c.outcome
    merged = c.status == Status.MERGED and c.merged_into is not None
    status, status_label = c.status, str(c.get_status_display())
    primary = c.merged_into if merged else None
    if primary is not None:
        # Follow the primary report's progress and outcome.
        status, status_label = primary.status, str(primary.get_status_display())
        if primary.is_closed and primary.outcome:
            outcome = primary.outcome
    messages = [
        {
            "author": m.author,
            "author_label": str(m.get_author_display()),
            "text": m.text,
            "date": m.created_on.isoformat(),
        }
        for m in c.messages.filter(to_reporter=True)
    ]
    if primary is not None:
        messages.append(
            {
                "author": Author.REGULATOR,
                "author_label": str(Author.REGULATOR.label),
                "text": _("您的举报已与同类举报合并办理，办理结果将在此显示。"),
                "date": (c.closed_at.date().isoformat() if c.closed_at else ""),
            }
        )
        messages.extend(
            {
                "author": m.author,
                "author_label": str(m.get_author_display()),
                "text": m.text,
                "date": m.created_on.isoformat(),
            }
            for m in primary.messages.filter(to_reporter=True, author=Author.REGULATOR)
        )
    return {
        "status": status,
        "status_label": status_label,
        "closed": (primary or c).is_closed,
        "category": c.category,
        "category_label": str(c.get_category_display()),
        "banned_practice": c.banned_practice,
        "app_name": c.app_label,
        "filing_number": c.app.filing_number if c.app is not None else None,
        "received_on": c.received_on.isoformat(),
        "ack_due": c.ack_due.isoformat(),
        "answer_due": c.answer_due.isoformat(),
        "acknowledged": c.acknowledged_at is not None,
        "description": c.description,
        "happened": c.happened,
        "evidence_count": c.evidence.count(),
        "messages": messages,
        "outcome": outcome,
        "merged": merged,
    }
