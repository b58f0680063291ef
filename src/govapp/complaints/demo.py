"""Demo data: a complaint key for every filed app and a few sample reports (demo only).

Idempotent: sample reports are added only when there are none.
"""

from __future__ import annotations

from typing import Any

from govapp.complaints import services
from govapp.complaints.models import Channel, Complaint
from govapp.orgs.models import User
from govapp.registry.models import App, AppStatus

SAMPLES = [
    ("44", "forced_use", "R-20", "要求每天上午九点前在应用内打卡签到，未打卡的按村通报排名。"),
    ("51", "duplicate_reporting", "R-19", "同一份走访台账每周要在三个应用里分别填报一次。"),
    ("central", "zombie_app", "", "应用已经很久没有更新，很多功能打不开，但仍要求下载安装。"),
]


def demo_complaints_load() -> dict[str, Any]:
    keys = services.app_complaint_keys_ensure_all()
    created = 0
    if not Complaint.objects.exists():
        filed = App.objects.filter(status=AppStatus.FILED).select_related("hosting_unit")
        for scope, category, practice, text in SAMPLES:
            app = next((a for a in filed if a.hosting_unit.scope_code.startswith(scope)), None)
            if app is None:
                continue
            res = services.complaint_submit(
                app=app,
                category=category,
                banned_practice=practice,
                description=text,
                happened="2026年",
                channel=Channel.WEB,
            )
            created += 1
            gd = User.objects.filter(username="gd-cac").first()
            if scope == "44" and gd is not None:
                services.complaint_acknowledge(complaint=res.complaint, actor=gd)
    return {"complaint_keys": keys, "complaints_created": created}
