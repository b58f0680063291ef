"""Helpers for the complaint tests: regulators, a hosting unit and filed apps."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from govapp.complaints import privacy, services
from govapp.complaints.models import Channel
from govapp.orgs.models import Unit, UnitKind, User
from govapp.registry.models import App, AppKind, AppStatus
from tests import factories as f

_seq = itertools.count(1)


@dataclass
class World:
    cac_unit: Unit
    gd_office: Unit
    sc_office: Unit
    unit: Unit  # hosting unit in Guangzhou (440106)
    other_unit: Unit  # hosting unit in Chengdu
    central: Unit  # a State Council department
    cac: User
    gd: User
    sc: User
    member: User
    other_member: User
    central_member: User
    auditor: User
    app: App
    central_app: App


def filed_app(unit: Unit, name: str | None = None) -> App:
    n = next(_seq)
    return App.objects.create(
        name=name or f"测试政务应用{n}",
        kind=AppKind.APP,
        hosting_unit=unit,
        status=AppStatus.FILED,
        filing_number=f"粤ICP备TEST{n:05d}号A",
        filed_at=timezone.now(),
    )


def world() -> World:
    cac_unit = f.unit("11", UnitKind.CAC, name="国家互联网信息办公室")
    gd_office = f.unit("44", UnitKind.PROVINCIAL_CAC, name="广东省互联网信息办公室")
    sc_office = f.unit("51", UnitKind.PROVINCIAL_CAC, name="四川省互联网信息办公室")
    unit = f.unit("440106", name="广州市测试局")
    other_unit = f.unit("510104", name="成都市测试中心")
    central = f.unit("11", UnitKind.STATE_COUNCIL_DEPT, name="测试部")
    cac = f.user(f.Role.NATIONAL_REGULATOR, unit_obj=cac_unit)
    gd = f.user(f.Role.PROVINCIAL_CAC_REVIEWER, unit_obj=gd_office, division_code="44")
    sc = f.user(f.Role.PROVINCIAL_CAC_REVIEWER, unit_obj=sc_office, division_code="51")
    return World(
        cac_unit=cac_unit,
        gd_office=gd_office,
        sc_office=sc_office,
        unit=unit,
        other_unit=other_unit,
        central=central,
        cac=cac,
        gd=gd,
        sc=sc,
        member=f.unit_member(unit),
        other_member=f.unit_member(other_unit),
        central_member=f.unit_member(central),
        auditor=f.user(f.Role.AUDITOR, unit_obj=cac_unit),
        app=filed_app(unit, "穗政通测试版"),
        central_app=filed_app(central, "应急测试通"),
    )


def report(app: App | None, **kw: Any) -> services.Submitted:
    data: dict[str, Any] = {
        "category": "forced_use",
        "description": "单位要求每天在应用里打卡三次，不打卡就通报批评。",
        "channel": Channel.WEB,
    }
    data.update(kw)
    return services.complaint_submit(app=app, **data)


GPS_LAT = (23.0, 7.0, 45.12)
GPS_LON = (113.0, 19.0, 33.77)


def jpeg_with_gps(make: str = "TestCam-Maker-XYZ", model: str = "PhoneModel-9931") -> bytes:
    """A JPEG with camera make/model, a date and GPS coordinates in its EXIF (built with
    Pillow's Image.Exif, no piexif)."""
    from PIL import Image

    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = make  # Make
    exif[0x0110] = model  # Model
    exif[0x0132] = "2026:03:02 08:31:07"  # DateTime
    exif[0x0131] = "SecretEditor 1.0"  # Software
    from PIL.TiffImagePlugin import IFDRational

    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = tuple(IFDRational(v) for v in GPS_LAT)
    gps[3] = "E"
    gps[4] = tuple(IFDRational(v) for v in GPS_LON)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def pow_token(client: Any = None) -> str:
    challenge = privacy.pow_challenge()
    return f"{challenge}:{privacy.pow_solve(challenge)}"
