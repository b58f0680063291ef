"""Pydantic models of the JSON stored in ``Application.sections`` (R-08, R-09).

A draft may be incomplete: every field has a default, and :func:`completeness_errors` lists
what is still missing before submission, each message naming the field and what is needed.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SensitiveKind = Literal[
    "", "clock_in", "ranking", "online_duration", "photo_upload", "location_track"
]
SENSITIVE_KINDS: dict[str, Any] = {
    "": _l("无"),
    "clock_in": _l("打卡签到"),
    "ranking": _l("积分排名"),
    "online_duration": _l("在线时长统计"),
    "photo_upload": _l("强制上传工作照片/视频"),
    "location_track": _l("位置轨迹"),
}
SCENARIOS: dict[str, Any] = {
    "": _l("无"),
    "security": _l("安保"),
    "emergency": _l("应急"),
    "other": _l("其他特殊场景"),
}
MLPS_LEVELS = ["", "1", "2", "3", "4", "5", "none"]
TARGET_LEVELS: dict[str, Any] = {
    "national": _l("国家级"),
    "province": _l("省级"),
    "prefecture": _l("地市级"),
    "county": _l("县级"),
    "township": _l("乡镇（街道）"),
    "village": _l("村（社区）"),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class BasicInfo(_Section):
    app_name: str = ""
    version: str = ""
    target_users: str = ""
    target_levels: list[str] = Field(default_factory=list)
    handler_name: str = ""
    handler_post: str = ""
    handler_phone: str = ""
    handler_email: str = ""

    @field_validator("target_levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return [x for x in v if x in TARGET_LEVELS]


class ProjectApproval(_Section):
    basis: str = ""
    content: str = ""
    result: str = ""
    document_no: str = ""


class Feature(_Section):
    name: str = ""
    description: str = ""
    reason: str = ""
    basis: str = ""
    grassroots_facing: bool = False
    sensitive_kind: SensitiveKind = ""
    scenario: Literal["", "security", "emergency", "other"] = ""
    scenario_explanation: str = ""


class Acceptance(_Section):
    date: str = ""
    completeness: str = ""
    stability: str = ""
    usability: str = ""
    conclusion: str = ""


class Operations(_Section):
    om_team: str = ""
    om_rules: str = ""
    tech_plan: str = ""
    security_testing: str = ""
    mlps_level: Literal["", "1", "2", "3", "4", "5", "none"] = ""
    mlps_test_date: str = ""
    mlps_institution: str = ""
    security_rules: str = ""


class OtherMaterials(_Section):
    notes: str = ""


class SimilarApp(_Section):
    name: str = ""
    unit: str = ""
    relation: str = ""


class Sections(_Section):
    basic: BasicInfo = Field(default_factory=BasicInfo)
    approval: ProjectApproval = Field(default_factory=ProjectApproval)
    features: list[Feature] = Field(default_factory=list)
    acceptance: Acceptance = Field(default_factory=Acceptance)
    operations: Operations = Field(default_factory=Operations)
    other: OtherMaterials = Field(default_factory=OtherMaterials)
    similar_apps: list[SimilarApp] = Field(default_factory=list)
    no_similar_apps: bool = False

    @field_validator("features")
    @classmethod
    def _drop_empty_features(cls, v: list[Feature]) -> list[Feature]:
        return [f for f in v if any(str(x).strip() for x in f.model_dump().values() if x)]

    @field_validator("similar_apps")
    @classmethod
    def _drop_empty_similar(cls, v: list[SimilarApp]) -> list[SimilarApp]:
        return [s for s in v if s.name or s.unit or s.relation]


SECTION_KEYS = ["basic", "approval", "features", "acceptance", "operations", "other"]


def section_titles() -> dict[str, str]:
    return {
        "basic": _("一、基本信息"),
        "approval": _("二、立项审核情况"),
        "features": _("三、功能设置情况"),
        "acceptance": _("四、上线前验收情况"),
        "operations": _("五、运维和安全保障情况"),
        "other": _("六、其他材料"),
        "similar_apps": _("已在使用的同类应用"),
    }


def parse_sections(data: Any) -> Sections:
    """Validate stored or submitted JSON (raises ``ValueError`` with field names)."""
    try:
        return Sections.model_validate(data or {})
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"])
            parts.append(f"{loc}: {err['msg']}")
        raise ValueError(_("申请材料格式不正确：%(e)s") % {"e": "；".join(parts)}) from exc


_PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def completeness_errors(s: Sections) -> dict[str, str]:  # noqa: C901 (existing; split when next changed)
    """Field path -> what is missing, for every gap that blocks submission."""
    e: dict[str, str] = {}

    def need(path: str, value: str, label: str) -> None:
        if not value.strip():
            e[path] = _("请填写“%(label)s”。") % {"label": label}

    b = s.basic
    need("basic.app_name", b.app_name, _("应用名称"))
    need("basic.version", b.version, _("版本号"))
    need("basic.target_users", b.target_users, _("服务对象"))
    if not b.target_levels:
        e["basic.target_levels"] = _("请至少选择一个使用层级。")
    need("basic.handler_name", b.handler_name, _("经办人姓名"))
    need("basic.handler_post", b.handler_post, _("经办人职务"))
    need("basic.handler_phone", b.handler_phone, _("经办人电话"))
    if b.handler_phone and not _PHONE.match(b.handler_phone):
        e["basic.handler_phone"] = _(
            "“经办人电话”格式不正确，请填写 7 到 20 位数字（可含 +、-、括号）。"
        )
    need("basic.handler_email", b.handler_email, _("经办人电子邮箱"))
    if b.handler_email and not _EMAIL.match(b.handler_email):
        e["basic.handler_email"] = _("“经办人电子邮箱”格式不正确，例如 name@example.gov.cn。")
    a = s.approval
    need("approval.basis", a.basis, _("立项依据"))
    need("approval.content", a.content, _("立项内容"))
    need("approval.result", a.result, _("立项审核结果"))
    if not s.features:
        e["features"] = _("请至少填写一项功能（名称、设置理由和依据）。")
    for i, f in enumerate(s.features):
        n = i + 1
        if not f.name:
            e[f"features.{i}.name"] = _("第 %(n)d 项功能：请填写“功能名称”。") % {"n": n}
        if not f.reason:
            e[f"features.{i}.reason"] = _("第 %(n)d 项功能：请填写“设置理由”。") % {"n": n}
        if not f.basis:
            e[f"features.{i}.basis"] = _("第 %(n)d 项功能：请填写“设置依据”。") % {"n": n}
        if f.sensitive_kind and (not f.scenario or not f.scenario_explanation):
            e[f"features.{i}.scenario_explanation"] = _(
                "第 %(n)d 项功能属于打卡签到、积分排名、在线时长等功能：只有安保、应急等特殊场景才能保留，"
                "请选择特殊场景并单独说明理由（R-09），否则请删除该功能。"
            ) % {"n": n}
    c = s.acceptance
    need("acceptance.completeness", c.completeness, _("功能完整性验收情况"))
    need("acceptance.stability", c.stability, _("稳定性验收情况"))
    need("acceptance.usability", c.usability, _("易用性验收情况"))
    need("acceptance.conclusion", c.conclusion, _("验收结论"))
    if c.date and not _DATE.match(c.date):
        e["acceptance.date"] = _("“验收日期”格式应为 YYYY-MM-DD。")
    o = s.operations
    need("operations.om_team", o.om_team, _("运维团队"))
    need("operations.om_rules", o.om_rules, _("运维制度"))
    need("operations.tech_plan", o.tech_plan, _("技术方案"))
    need("operations.security_testing", o.security_testing, _("安全检测情况"))
    if not o.mlps_level:
        e["operations.mlps_level"] = _(
            "请选择“等保测评级别”（未开展请选择“未开展”并在安全检测情况中说明）。"
        )
    if o.mlps_level and o.mlps_level != "none":
        need("operations.mlps_test_date", o.mlps_test_date, _("等保测评日期"))
    if o.mlps_test_date and not _DATE.match(o.mlps_test_date):
        e["operations.mlps_test_date"] = _("“等保测评日期”格式应为 YYYY-MM-DD。")
    need("operations.security_rules", o.security_rules, _("安全管理制度"))
    if not s.similar_apps and not s.no_similar_apps:
        e["similar_apps"] = _("请填写已在使用的同类应用，或勾选“没有同类应用”。")
    return e
