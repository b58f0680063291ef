"""Apps of the overlap tests: filed, with declared features."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from govapp.orgs.models import Unit
from govapp.registry.models import App, AppKind, AppStatus
from govapp.registry.services.filing_numbers import filing_number_issue


def filed_app(
    unit: Unit, name: str, features: list[str], kind: str = AppKind.APP, users: str = "群众"
) -> App:
    with transaction.atomic():
        return _filed_app(unit, name, features, kind, users)


def _filed_app(unit: Unit, name: str, features: list[str], kind: str, users: str) -> App:
    app = App.objects.create(
        name=name,
        kind=kind,
        hosting_unit=unit,
        target_users=users,
        description=f"{name}：" + "、".join(features),
        status=AppStatus.FILED,
        filed_at=timezone.now(),
        filed_sections={"features": [{"name": f} for f in features]},
    )
    app.filing_number = filing_number_issue(app=app)
    app.save(update_fields=["filing_number"])
    return app


CITYMGMT = ["占道经营巡查", "违法建设巡查", "渣土车监管", "执法全过程记录"]
CITYMGMT_2 = ["违建发现处置", "占道经营取证", "市容环境巡查", "渣土运输监管"]
MEDINS = ["医保电子凭证", "异地就医备案", "门诊慢特病申办"]
