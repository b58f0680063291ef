"""The campaign report as an XLSX workbook (summary by region, problems, non-responders)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from govapp.core.actor import Actor
from govapp.oversight.campaigns import selectors
from govapp.oversight.campaigns.models import Campaign, TaskState

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell(value: Any) -> Any:
    """User text that a spreadsheet would read as a formula is written as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def campaign_workbook(user: Actor, campaign: Campaign) -> bytes:
    level = 2 if campaign.is_national and not selectors.province_of(user) else 4
    rows = selectors.campaign_progress(user, campaign, level=level)
    total = selectors.progress_total(rows)
    classes = selectors.problem_classes()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("汇总")
    ws.append([_cell(campaign.title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [_("截止日期"), campaign.deadline.isoformat(), _("状态"), campaign.get_state_display()]
    )
    ws.append([])
    head = [
        _("地区"),
        _("任务数"),
        _("待审核"),
        _("已通过"),
        _("完成率(%)"),
        _("逾期未报"),
        _("发现问题"),
        _("已整改"),
        *[label for _v, label in classes],
    ]
    ws.append(head)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in [*rows, total]:
        ws.append(
            [
                _cell(r.name),
                r.tasks,
                r.submitted,
                r.accepted,
                round(r.completion, 1),
                r.overdue,
                r.problems,
                r.rectified,
                *[r.by_class.get(v, 0) for v, _label in classes],
            ]
        )
    tasks = selectors.tasks_for(user).filter(campaign=campaign).order_by("app__name")
    problems = wb.create_sheet(_("发现问题"))
    problems.append([_("应用"), _("单位"), _("问题"), _("类别"), _("方式"), _("说明")])
    labels = dict(classes)
    for t in tasks.filter(state=TaskState.ACCEPTED).prefetch_related("answers__question"):
        for a in t.answers.all():
            if a.admits_problem or a.confirmed_problem:
                problems.append(
                    [
                        _cell(t.app.name),
                        _cell(t.unit.name if t.unit else ""),
                        _cell(a.question.text),
                        labels.get(a.question.problem_class, ""),
                        _("审核确认") if a.confirmed_problem else _("单位自查承认"),
                        _cell(a.reviewer_note or a.explanation),
                    ]
                )
    late = wb.create_sheet(_("逾期未报"))
    late.append([_("应用"), _("单位"), _("截止日期"), _("状态")])
    for t in selectors.non_responders(user, campaign):
        late.append(
            [
                _cell(t.app.name),
                _cell(t.unit.name if t.unit else ""),
                t.due.isoformat(),
                t.get_state_display(),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
