"""Helpers for the public-registry, legacy-inventory and demo tests (part B).

Apps in a given state are written straight to the database here (a factory), so these tests
do not depend on walking the whole review workflow.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from django.utils import timezone

from govapp.orgs.models import Unit, UnitKind
from govapp.registry.models import App, AppKind, AppStatus, Platform, PlatformIdentity
from tests import factories as f

_seq = itertools.count(1)


def cert(seed: str) -> dict[str, str]:
    """Fingerprints of a made-up certificate."""
    raw = seed.encode()
    return {
        "cert_sha256": hashlib.sha256(raw).hexdigest(),
        "cert_sha1": hashlib.sha1(raw, usedforsecurity=False).hexdigest(),
        "cert_md5": hashlib.md5(raw, usedforsecurity=False).hexdigest(),
    }


def app(
    *,
    unit: Unit | None = None,
    status: str = AppStatus.FILED,
    name: str | None = None,
    package: str | None = None,
    cert_seed: str | None = None,
    kind: str = AppKind.APP,
    platform: str = Platform.ANDROID,
    **kw: Any,
) -> App:
    n = next(_seq)
    unit = unit or f.unit("440106")
    has_number = status != AppStatus.UNFILED
    obj = App.objects.create(
        name=name or f"测试政务应用{n}",
        kind=kind,
        hosting_unit=unit,
        status=status,
        filing_number=kw.pop("filing_number", f"测试备{n:06d}号" if has_number else None),
        filed_at=timezone.now() if has_number else None,
        description=kw.pop("description", "内部功能说明：值班排班"),
        **kw,
    )
    if package is not None or platform:
        PlatformIdentity.objects.create(
            app=obj,
            platform=platform,
            identifier=package or f"cn.gov.test.app{n}",
            live=status not in {AppStatus.UNFILED, AppStatus.REVOKED, AppStatus.DEREGISTERED},
            **(
                cert(cert_seed or f"cert{n}")
                if platform in {Platform.ANDROID, Platform.HARMONY}
                else {}
            ),
        )
    return obj


def central_unit() -> Unit:
    return f.unit("11", UnitKind.STATE_COUNCIL_DEPT)
