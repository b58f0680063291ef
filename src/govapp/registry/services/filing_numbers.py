"""Filing numbers (R-11): one counter row per prefix and year, locked while incremented."""

from __future__ import annotations

import logging

from govapp.core.calendar import today_shanghai
from govapp.registry.models import (
    App,
    ApplicationState,
    FilingNumberCounter,
)
from govapp.registry.services.base import (
    setting,
)

S = ApplicationState
log = logging.getLogger(__name__)


class _Slot:
    def __format__(self, spec: str) -> str:
        return "#"


PROVINCE_PREFIX = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip


def filing_number_issue(*, app: App) -> str:
    """The next filing number for ``app`` (call inside a transaction).

    The counter key is the format rendered without the sequence, so each distinct prefix/year
    has its own counter; the row is locked (SELECT ... FOR UPDATE) while it is incremented, and
    a number once issued is never issued again (revoked or deregistered apps keep theirs)."""
    fmt = setting("GOVAPP_FILING_NUMBER_FORMAT")
    scope = app.hosting_unit.scope_code
    ctx = {
        "prefix": "国" if scope == "central" else PROVINCE_PREFIX.get(scope[:2], scope[:2]),
        "province": "00" if scope == "central" else scope[:2],
        "year": today_shanghai().year,
    }
    key = fmt.format(seq=_Slot(), **ctx)[:128]
    FilingNumberCounter.objects.get_or_create(key=key)
    counter = FilingNumberCounter.objects.select_for_update().get(key=key)
    counter.last += 1
    counter.save(update_fields=["last"])
    return str(fmt.format(seq=counter.last, **ctx))
