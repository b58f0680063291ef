"""Demo data of the overlap area: duplicate apps in Guangdong and Sichuan for gd-cac, sc-cac and
cac to decide on, an IT-project approval authority for Guangzhou (``gz-approval``), and one
overlap run. ``gz-unit`` checks a proposal at /oversight/overlap/check/. Idempotent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from govapp.orgs.models import Division, Role, Unit, User
from govapp.orgs.services import grant_create, unit_create, user_create
from govapp.oversight.overlap.services import overlap_run_execute
from govapp.registry.models import App, AppKind, AppStatus

SENTINEL = "广州天河城管执法通"
PASSWORD = "govapp-demo"  # noqa: S105 - demo accounts only (ARCHITECTURE.md)

# (name, unit, division, kind, users, features)
APPS = [
    # Guangzhou: three urban-management enforcement apps of one city, a look-alike volunteer app
    (
        SENTINEL,
        "广州市天河区城市管理和综合执法局",
        "440106",
        AppKind.APP,
        "执法人员",
        ["占道经营巡查", "违法建设巡查", "渣土车监管", "执法全过程记录"],
    ),
    (
        "越秀掌上城管",
        "广州市越秀区城市管理和综合执法局",
        "440104",
        AppKind.APP,
        "执法人员",
        ["违建发现处置", "占道经营取证", "市容环境巡查", "案件派遣"],
    ),
    (
        "广州智慧城管",
        "广州市城市管理和综合执法局",
        "440100",
        AppKind.MINI_PROGRAM,
        "执法人员",
        ["渣土运输监管", "户外广告招牌巡查", "违法建设巡查", "执法记录仪视频"],
    ),
    (
        "广州城管志愿者",
        "广州市城市管理和综合执法局",
        "440100",
        AppKind.MINI_PROGRAM,
        "群众",
        ["城管体验日报名", "市容劝导任务", "志愿时长"],
    ),
    # Guangdong: a provincial grid app and a Foshan one (province and its cities)
    (
        "粤平安网格",
        "广东省委政法委员会",
        "440000",
        AppKind.APP,
        "基层网格员",
        ["网格事件上报", "矛盾纠纷排查", "入户走访记录", "网格地图"],
    ),
    (
        "佛山智慧网格",
        "佛山市委政法委员会",
        "440600",
        AppKind.APP,
        "基层网格员",
        ["事件采集上报", "纠纷排查调处", "特殊人群帮扶", "网格电子地图"],
    ),
    # Shenzhen's medical insurance app: same function as Chengdu's below, other province
    (
        "深圳医保服务",
        "深圳市医疗保障局",
        "440300",
        AppKind.MINI_PROGRAM,
        "群众",
        ["医保电子凭证", "异地就医备案", "门诊慢特病申办"],
    ),
    # Chengdu: two medical insurance apps of one city, one app on two platforms
    (
        "成都医保通",
        "成都市医疗保障局",
        "510100",
        AppKind.APP,
        "群众",
        ["医保电子凭证", "异地就医备案", "医保余额查询", "定点医药机构查询"],
    ),
    (
        "武侯智慧医保",
        "成都市武侯区医疗保障局",
        "510107",
        AppKind.MINI_PROGRAM,
        "群众",
        ["电子医保凭证", "跨省就医备案", "慢性病待遇申请"],
    ),
    (
        "成都社保认证",
        "成都市人力资源和社会保障局",
        "510100",
        AppKind.APP,
        "群众",
        ["养老待遇资格认证", "养老金到账查询", "认证到期提醒"],
    ),
    (
        "成都社保认证",
        "成都市人力资源和社会保障局",
        "510100",
        AppKind.MINI_PROGRAM,
        "群众",
        ["养老待遇资格认证", "养老金到账查询", "认证到期提醒"],
    ),
    # Sichuan: provincial and Mianyang volunteer apps
    (
        "四川志愿",
        "共青团四川省委员会",
        "510000",
        AppKind.MINI_PROGRAM,
        "群众",
        ["志愿者注册", "志愿活动报名", "服务时长认证"],
    ),
    (
        "绵阳志愿汇",
        "绵阳市民政局",
        "510700",
        AppKind.APP,
        "群众",
        ["志愿者登记", "活动招募", "志愿时长记录", "积分商城"],
    ),
]


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
    for name, unit_name, code, kind, users, features in APPS:
        unit = _unit(unit_name, code)
        app = App.objects.create(
            name=name,
            kind=kind,
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
