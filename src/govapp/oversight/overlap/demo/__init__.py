"""Demo data of the overlap area: duplicate apps in Guangdong and Sichuan for gd-cac, sc-cac and
cac to decide on, an IT-project approval authority for Guangzhou (``gz-approval``), and one
overlap run. ``gz-unit`` checks a proposal at /oversight/overlap/check/. Idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from govapp.core.demo import demo_table
from govapp.orgs.models import Division, Role, Unit, User
from govapp.orgs.services import grant_create, unit_create, user_create
from govapp.oversight.overlap.services import overlap_run_execute
from govapp.registry.models import App, AppStatus

SENTINEL = "广州天河城管执法通"
PASSWORD = "govapp-demo"  # noqa: S105 - demo accounts only (ARCHITECTURE.md)

# apps.json {name, unit, division, kind, users, features}: groups of look-alike apps that the
# overlap run must find, and look-alikes by name that it must not group (the first is SENTINEL)
APPS: list[dict[str, Any]] = demo_table(__name__, "apps")


def _division_code(code: str) -> str:
    """440000 -> 44, 440100 -> 4401, 440106 -> 440106 (the divisions table's codes)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _unit(name: str, code: str) -> Unit:
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        division = Division.objects.get(code=_division_code(code))
        unit = unit_create(actor=None, name=name, kind="admin_organ", division=division)
    return unit


@transaction.atomic
def demo_overlap_load() -> dict[str, int]:
    if App.objects.filter(name=SENTINEL).exists():
        return {"apps": 0, "groups": 0}
    from govapp.registry.services.filing_numbers import filing_number_issue

    now = timezone.now()
    created = 0
    for row in APPS:
        name, users, features = row["name"], row["users"], row["features"]
        unit = _unit(row["unit"], row["division"])
        app = App.objects.create(
            name=name,
            kind=row["kind"],
            hosting_unit=unit,
            public_facing=users == "群众",
            target_users=users,
            description=f"{name}：" + "、".join(features) + "。",
            status=AppStatus.FILED,
            filed_at=now,
            filed_sections={"features": [{"name": f} for f in features]},
        )
        app.filing_number = filing_number_issue(app=app)
        app.save(update_fields=["filing_number"])
        created += 1
    if not User.objects.filter(username="gz-approval").exists():
        gz = Unit.objects.filter(name="广州市政务服务和数据管理局").first()
        user = user_create(
            actor=None,
            username="gz-approval",
            password=PASSWORD,
            display_name="广州市信息化项目审批员",
            unit=gz,
        )
        grant_create(
            actor=None,
            user=user,
            role=Role.PROJECT_APPROVAL_AUTHORITY,
            division=Division.objects.get(code="4401"),
        )
    run = overlap_run_execute(actor=None)
    return {"apps": created, "groups": run.duplicate_count}
