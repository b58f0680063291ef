"""Demo data of the burden ledger (demo only): two counties, 番禺区 (440113, Guangzhou) and
金堂县 (510121, Chengdu), with the demands their departments place on villages and communities,
some asking for data another demand already collects; proposals waiting at the gateway so every
demo account has something to look at or review.

Idempotent: nothing is added when the demo departments already have demands.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from govapp.orgs.models import Division, Unit, UnitKind, User
from govapp.oversight.ledger import services
from govapp.oversight.ledger.models import BurdenBudget, Demand, ProposalState
from govapp.oversight.ledger.services import FieldSpec, parse_field_lines
from govapp.registry.models import App

# (county, department, title, target, units, frequency, minutes, fields)
LISTED = [
    (
        "440113",
        "番禺区民政局",
        "残疾人两项补贴发放台账",
        "community",
        275,
        "monthly",
        "1.5",
        "序号、姓名、公民身份号码、残疾类别、残疾等级、补贴类别、月补贴标准（元）、银行账号、填报人、填报日期",
    ),
    (
        "440113",
        "番禺区民政局",
        "社区社会救助情况月报",
        "community",
        275,
        "monthly",
        "3",
        "社区名称、低保户数、低保人数、特困人员数、临时救助人次、填报人、填报日期",
    ),
    (
        "440113",
        "番禺区卫生健康局",
        "流动人口基本公共卫生服务登记表",
        "community",
        275,
        "quarterly",
        "2",
        "姓名、居民身份证号码、性别、出生日期、户籍地址、现居住地址、联系电话（手机）、是否建立健康档案、填表人",
    ),
    (
        "440113",
        "番禺区人民政府办公室",
        "村（社区）基本情况一览表",
        "community",
        275,
        "yearly",
        "4",
        "社区名称、常住人口数、户籍人口数、党员人数、户数（户籍）、办公场所面积（平方米）、填报日期",
    ),
    (
        "440113",
        "中共番禺区委政法委员会",
        "网格流动人口信息采集表",
        "community",
        275,
        "monthly",
        "2",
        "网格名称、姓名、身份证号码、户口所在地、居住地址、手机号、所属网格员、是否重点关注、填报人",
    ),
    (
        "510121",
        "金堂县民政局",
        "特困供养人员花名册",
        "village",
        201,
        "quarterly",
        "2",
        "序号、村居名称、本人姓名、身份证号码、性别（男/女）、出生日期、供养方式（集中/分散）、生活能否自理、照料护理人、居住地址、填报时间",
    ),
    (
        "510121",
        "金堂县人力资源和社会保障局",
        "特困人员居民养老保险代缴名单",
        "village",
        201,
        "yearly",
        "2",
        "村民小组、姓名、证件号码（身份证）、生日、是否参加养老保险、代缴金额（元）、经办人",
    ),
    (
        "510121",
        "金堂县农业农村局",
        "村级基础数据统计表",
        "village",
        201,
        "quarterly",
        "3",
        "村名、常住人口数、户籍人口数、60周岁以上老年人数、低保户数、退役军人人数、填表人电话",
    ),
    (
        "510121",
        "金堂县卫生健康局",
        "特困供养人员家庭医生签约服务台账",
        "village",
        201,
        "quarterly",
        "2",
        "序号、姓名、证件号码(居民身份证)、生日、签约医生、签约服务包类型、填报日期",
    ),
]
# LISTED rows carried by the demo hosting unit's app (a city platform carrying district forms)
CARRIED_BY_APP = {4, 6}
# (county, department or None = the demo hosting unit, title, target, units, frequency, minutes,
#  fields, state): drafts proposed at the gateway (pending) or already sent back.
PROPOSED = [
    (
        "440113",
        "番禺区残疾人联合会",
        "持证残疾人基本信息台账（季报）",
        "community",
        275,
        "quarterly",
        "2",
        "姓名、身份证号码、残疾人证号、残疾类别、残疾等级（一至四级）、居住地址、监护人联系电话、填报人",
        "pending",
    ),
    (
        "440113",
        None,
        "社区常住人口及救助对象月报（“穗好办”基层填报）",
        "community",
        275,
        "monthly",
        "2",
        "社区名称、常住人口、户籍人口数量、低保户（户）、低保人口（人）、填报时间",
        "sent_back",
    ),
    (
        "510121",
        "金堂县退役军人事务局",
        "村级退役军人服务站工作情况统计表",
        "village",
        201,
        "quarterly",
        "2",
        "村名、辖区退役军人数、帮扶援助人次、服务站工作人员数、统计人",
        "pending",
    ),
    (
        "510121",
        None,
        "特困人员生活照料情况登记表（蓉易办）",
        "village",
        201,
        "monthly",
        "2",
        "姓名、居民身份证号码、出生年月日、生活能否自理、委托照料人、联系电话、备注",
        "pending",
    ),
]


def _dept(name: str, code: str) -> Unit:
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        unit = Unit.objects.create(
            name=name, kind=UnitKind.ADMIN_ORGAN, division=Division.objects.get(code=code)
        )
    return unit


def _host(code: str) -> tuple[Unit | None, App | None]:
    username = "gz-unit" if code.startswith("44") else "cd-unit"
    user = User.objects.filter(username=username).select_related("unit").first()
    if user is None or user.unit is None:
        return None, None
    return user.unit, App.objects.filter(hosting_unit=user.unit).order_by("pk").first()


@transaction.atomic
def demo_ledger_load() -> dict[str, Any]:
    if Demand.objects.filter(unit__name="番禺区民政局").exists():
        return {"demands": 0}
    reviewers = {
        "44": User.objects.filter(username="gd-cac").first(),
        "51": User.objects.filter(username="sc-cac").first(),
    }
    # 番禺区 keeps its grassroots reporting under 300 hours a month (the listed demands
    # already take about 286): the pending 残联 demand would push it over, and the gateway warns.
    BurdenBudget.objects.get_or_create(
        division=Division.objects.get(code="440113"), defaults={"hours_per_month": Decimal(300)}
    )
    created = 0
    for n, (code, dept, title, target, units, freq, minutes, fields) in enumerate(LISTED):
        unit = _dept(dept, code)
        carried = _host(code)[1] if n in CARRIED_BY_APP else None
        d = services.demand_create(
            unit=unit,
            division=Division.objects.get(code=code),
            title=title,
            fields=parse_field_lines(fields),
            frequency=freq,
            target_level=target,
            units_targeted=units,
            minutes_per_field=Decimal(minutes),
            basis="",
            app=carried,
            starts_on=dt.date(2026, 1 + 2 * (n % 5), 1),
            actor=None,
        )
        p = services.demand_propose(demand=d, actor=None)
        services.proposal_decide(
            proposal=p, decision=ProposalState.APPROVED, reason="", actor=reviewers[code[:2]]
        )
        created += 1
    for code, dept_name, title, target, units, freq, minutes, fields, state in PROPOSED:
        app = None
        if dept_name is None:
            host, app = _host(code)
            if host is None:
                continue
            unit = host
        else:
            unit = _dept(dept_name, code)
        d = services.demand_create(
            unit=unit,
            division=Division.objects.get(code=code),
            title=title,
            fields=[FieldSpec(s.label, s.type) for s in parse_field_lines(fields)],
            frequency=freq,
            target_level=target,
            units_targeted=units,
            minutes_per_field=Decimal(minutes),
            app=app,
            actor=None,
        )
        p = services.demand_propose(demand=d, reason="", actor=None)
        if state == "sent_back":
            source = Demand.objects.filter(title="社区社会救助情况月报").first()
            services.proposal_decide(
                proposal=p,
                decision=ProposalState.SENT_BACK,
                reason="低保户数、低保人数已由区民政局月报采集，常住人口和户籍人口已由区政府办基本情况表采集，请共享获取。",
                reuse_source=source,
                actor=reviewers[code[:2]],
            )
        created += 1
    return {"demands": created}
