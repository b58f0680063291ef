"""Helpers for the compliance tests: apps written straight to the database (tests.public
factories), package scans with made-up facts, and regulators/units around them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from govapp.orgs.models import Unit, User
from govapp.registry.models import App, AppStatus
from govapp.scans.models import PackageScan, ScanStatus
from tests import factories as f
from tests.compliance.rules.helpers import scan as scan_result
from tests.public import factories as pf

_seq = itertools.count(1)


@dataclass
class W:
    unit: Unit
    member: User
    province: User
    cac: User
    other_province: User
    other_member: User


def world(code: str = "440106") -> W:
    unit = f.unit(code)
    other_unit = f.unit("510104")
    return W(
        unit=unit,
        member=f.unit_member(unit),
        province=f.regulator(code[:2]),
        cac=f.regulator(None),
        other_province=f.regulator("51" if code[:2] != "51" else "44"),
        other_member=f.unit_member(other_unit),
    )


def app(
    w: W | None = None, *, unit: Unit | None = None, status: str = AppStatus.FILED, **kw: Any
) -> App:
    return pf.app(unit=unit or (w.unit if w else None), status=status, **kw)


def package_scan(app: App, *, created_at: Any = None, **scan_kw: Any) -> PackageScan:
    identity = app.identities.first()
    scan_kw.setdefault("package", identity.identifier if identity else "cn.gov.test")
    if identity is not None and identity.cert_sha256:
        scan_kw.setdefault("cert", identity.cert_sha256)
    result = scan_result(**scan_kw)
    n = next(_seq)
    return PackageScan.objects.create(
        hosting_unit=app.hosting_unit,
        app=app,
        file_name=f"pkg{n}.apk",
        sha256=f"{n:064x}",
        size=1,
        status=ScanStatus.DONE,
        facts=result.to_json_dict(),
        kind=scan_kw.get("kind", "apk"),
        package=scan_kw["package"],
        created_at=created_at or timezone.now(),
    )


CLOCK_IN = {"keywords": (("上班打卡", "clock_in"),), "caps": ("location",)}
ADS = {"sdks": (("pangle", "advertising"),)}
