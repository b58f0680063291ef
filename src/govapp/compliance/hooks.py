"""Registers compliance navigation items, home panels and the after-scan evaluation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govapp.compliance import testing as _testing  # noqa: F401  (registers its periodic job)
from govapp.core.context_processors import NAV_ITEMS
from govapp.core.demo import DEMO_LOADERS
from govapp.core.permissions import is_regulator
from govapp.core.views import HOME_PANELS
from govapp.registry.services import APP_FILED_HOOKS as REGISTRY_FILED_HOOKS


def _home_panels(request: HttpRequest) -> list[dict[str, Any]]:
    from govapp.compliance import selectors

    user = request.user
    d = selectors.dashboard(user)
    panels = [
        {
            "label": _("待整改的合规问题"),
            "count": d["open"],
            "url": reverse("compliance:findings") + "?status=open",
            "hint": _("其中 %(n)d 件整改通知已逾期") % {"n": d["orders_overdue"]}
            if d["orders_overdue"]
            else "",
            "urgent": d["orders_overdue"] > 0,
        }
    ]
    if is_regulator(user) and d["exemptions_pending"]:
        panels.append(
            {
                "label": _("待审批的豁免申请"),
                "count": d["exemptions_pending"],
                "url": reverse("compliance:exemptions") + "?status=requested",
                "hint": "",
                "urgent": False,
            }
        )
    return panels


def _after_scan(scan: Any) -> None:
    from govapp.compliance.services import scan_evaluate

    scan_evaluate(scan=scan)


def _after_filed(app: Any) -> None:
    """A filed (or re-filed) app is evaluated at once: a revoked penalty case becomes
    "已重新备案" without waiting for the next manual evaluation."""
    from govapp.compliance.services import compliance_evaluate

    compliance_evaluate(app=app, actor=None)


def _demo_compliance() -> Any:
    from govapp.compliance.demo import demo_compliance_load

    return demo_compliance_load()


HOME_PANELS.append(_home_panels)
REGISTRY_FILED_HOOKS.append(_after_filed)
DEMO_LOADERS.append(("compliance", _demo_compliance))
NAV_ITEMS.extend(
    [
        ("compliance:dashboard", gettext_lazy("合规检测"), lambda u: True),
        ("compliance:spotchecks", gettext_lazy("抽查检测"), is_regulator),
    ]
)
try:
    from govapp.compliance.scanning import AFTER_SCAN_HOOKS

    AFTER_SCAN_HOOKS.append(_after_scan)
except ImportError:  # pragma: no cover - the scanning module is optional
    pass
