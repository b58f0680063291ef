"""Demo data: a complaint key for every filed app and a few sample reports (demo only).

Idempotent: sample reports are added only when there are none.
"""

from __future__ import annotations

from typing import Any

from govapp.complaints import services
from govapp.complaints.models import Channel, Complaint
from govapp.core.demo import demo_table
from govapp.orgs.models import User
from govapp.registry.models import App, AppStatus

# sample reports {scope, category, banned_practice, description}, filed against the first filed
# app of the scope (province code or "central")
SAMPLES: list[dict[str, str]] = demo_table(__name__, "complaints")


def demo_complaints_load() -> dict[str, Any]:
    keys = services.app_complaint_keys_ensure_all()
    created = 0
    if not Complaint.objects.exists():
        filed = App.objects.filter(status=AppStatus.FILED).select_related("hosting_unit")
        for sample in SAMPLES:
            scope = sample["scope"]
            app = next((a for a in filed if a.hosting_unit.scope_code.startswith(scope)), None)
            if app is None:
                continue
            res = services.complaint_submit(
                app=app,
                category=sample["category"],
                banned_practice=sample["banned_practice"],
                description=sample["description"],
                happened="2026年",
                channel=Channel.WEB,
            )
            created += 1
            gd = User.objects.filter(username="gd-cac").first()
            if scope == "44" and gd is not None:
                services.complaint_acknowledge(complaint=res.complaint, actor=gd)
    return {"complaint_keys": keys, "complaints_created": created}
