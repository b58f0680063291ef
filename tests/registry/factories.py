"""Helpers for the registry tests: apps and applications built through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from govapp.orgs.models import Unit, UnitKind, User
from govapp.registry.models import App, AppKind, Application, Platform
from govapp.registry.services.applications import (
    application_create,
    application_save_draft,
    application_submit,
)
from govapp.registry.services.apps import app_create, identities_set
from govapp.registry.services.review import application_approve, application_forward
from tests import factories as f

_seq = itertools.count(1)


def complete_sections(name: str = "粤政易") -> dict[str, Any]:
    return {
        "basic": {
            "app_name": name,
            "version": "1.0.0",
            "target_users": "全省公务人员",
            "target_levels": ["province", "prefecture"],
            "handler_name": "张三",
            "handler_post": "科长",
            "handler_phone": "020-12345678",
            "handler_email": "zhangsan@example.gov.cn",
        },
        "approval": {"basis": "粤发〔2025〕1号", "content": "移动办公", "result": "同意立项"},
        "features": [
            {
                "name": "公文流转",
                "description": "收发文",
                "reason": "提高办文效率",
                "basis": "办公厅要求",
                "grassroots_facing": True,
            }
        ],
        "acceptance": {
            "date": "2026-01-10",
            "completeness": "功能完整",
            "stability": "压测通过",
            "usability": "用户测试满意",
            "conclusion": "验收通过",
        },
        "operations": {
            "om_team": "信息中心 5 人",
            "om_rules": "运维管理办法",
            "tech_plan": "云上部署",
            "security_testing": "已完成渗透测试",
            "mlps_level": "3",
            "mlps_test_date": "2026-01-05",
            "mlps_institution": "某测评中心",
            "security_rules": "安全管理制度",
        },
        "other": {"notes": ""},
        "similar_apps": [],
        "no_similar_apps": True,
    }


@dataclass
class World:
    unit: Unit
    member: User
    province: User
    cac: User
    other_province: User


def world(code: str = "440106", central: bool = False) -> World:
    unit = f.unit("11", UnitKind.STATE_COUNCIL_DEPT) if central else f.unit(code)
    return World(
        unit=unit,
        member=f.unit_member(unit),
        province=f.regulator(code[:2] if not central else "44"),
        cac=f.regulator(None),
        other_province=f.regulator("51" if code[:2] != "51" else "44"),
    )


def app(w: World, *, name: str | None = None, package: str | None = None) -> App:
    n = next(_seq)
    a = app_create(
        actor=w.member,
        unit=w.unit,
        name=name or f"测试应用{n}",
        kind=AppKind.APP,
        target_users="公务人员",
        target_levels=["prefecture"],
        description="移动办公",
    )
    identities_set(
        actor=w.member,
        app=a,
        identities=[
            {
                "platform": Platform.ANDROID,
                "identifier": package or f"cn.gov.test.app{n}",
                "cert_sha256": f"{n:064x}",
            }
        ],
    )
    return a


def draft(w: World, **kw: Any) -> Application:
    a = app(w, **kw)
    application = application_create(actor=w.member, app=a)
    return application_save_draft(
        actor=w.member,
        application=application,
        sections=complete_sections(a.name),
        pledge_accepted=True,
    )


def submitted(w: World, **kw: Any) -> Application:
    return application_submit(actor=w.member, application=draft(w, **kw))


def province_forward(w: World, application: Application) -> Application:
    """Both provincial bodies sign off (the joint review, the default), which forwards it."""
    application = application_forward(actor=w.province, application=application)
    if application.state == "submitted":
        gsa = f.gsa_reviewer(application.app.hosting_unit.scope_code[:2])
        application = application_forward(actor=gsa, application=application)
    return application


def forwarded(w: World, **kw: Any) -> Application:
    application = submitted(w, **kw)
    if application.state == "forwarded":
        return application
    return province_forward(w, application)


OVERRIDE = "测试数据：技术检测在系统外完成"


def filed(w: World, **kw: Any) -> Application:
    """Approved with a written override (technical testing is the subject of its own tests)."""
    return application_approve(
        actor=w.cac, application=forwarded(w, **kw), override_reason=OVERRIDE
    )
