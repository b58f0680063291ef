"""Generate the project's own labelled overlap cases (independent of the shared sample).

Other provinces (Guangdong, Sichuan, Zhejiang, Hubei, Henan, Yunnan, Chongqing, Beijing, Xinjiang,
Shandong, Guangxi), other names, other feature wordings, and functions the taxonomy does not know.
Labels follow the definitions of ../shared/data/overlap-sample/README.md: duplicates are apps of one
function in one consolidation jurisdiction (one prefecture-level city; a province-level unit and any
unit of its province), connected; platform editions are same_app; same function in other cities or
provinces and look-alike names of other functions are hard negatives.

usage: python benchmarks/data/make_overlap_cases.py OUT_DIR [--seed N] [--apps N]
writes OUT_DIR/apps.jsonl and OUT_DIR/labels.json (the sample's format, scored by its score.py).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import re
from collections import defaultdict
from pathlib import Path

DIV = Path(__file__).resolve().parents[2] / "src" / "govapp" / "orgs" / "data"
PROVINCES = ["44", "51", "33", "42", "41", "53", "50", "11", "65", "37", "45"]
KINDS = ["android", "ios", "harmony", "wechat-miniprogram", "alipay-miniprogram", "quickapp"]
GENERIC = ["我的", "设置", "消息中心", "用户反馈", "在线咨询", "帮助与反馈", "通知公告", "个人中心"]

# function: (unit departments, users, name stems, purpose, concepts: [[wordings...], ...])
F = {
    "medins": (
        ["医疗保障局"],
        "public",
        ["医保", "智慧医保", "医保服务", "医保掌上办"],
        "医保经办服务",
        [
            ["医保电子凭证", "电子医保凭证"],
            ["异地就医备案", "跨省就医备案", "异地就医登记"],
            ["门诊慢特病申办", "慢性病待遇申请", "门特病种申报"],
            ["医保余额查询", "个人账户查询", "医保账户查看"],
            ["定点医药机构查询", "定点医院药店查询"],
            ["医保缴费", "城乡居民医保缴费"],
            ["家庭共济授权", "共济账户绑定"],
            ["医疗费用报销进度", "报销进度查询", "零星报销申请"],
        ],
    ),
    "hrss": (
        ["人力资源和社会保障局"],
        "public",
        ["人社通", "人社服务", "掌上人社", "社保通"],
        "人社业务办理",
        [
            ["社保卡申领", "社会保障卡办理", "社保卡挂失"],
            ["失业保险金申领", "失业金申请"],
            ["就业失业登记", "就业登记办理"],
            ["参保缴费记录查询", "社保缴费明细"],
            ["工伤认定申请", "工伤待遇申请"],
            ["职业技能培训报名", "补贴性培训报名"],
            ["劳动人事争议调解", "劳动仲裁申请"],
        ],
    ),
    "pension": (
        ["人力资源和社会保障局", "社会保险事业管理局"],
        "public",
        ["养老认证", "养老保险", "社保认证", "待遇认证"],
        "养老待遇资格认证",
        [
            ["养老待遇资格认证", "领取资格认证", "刷脸认证"],
            ["养老金到账查询", "养老金发放明细"],
            ["居民养老保险登记", "城乡居民养老参保"],
            ["亲情代认证", "家属协助认证"],
            ["认证到期提醒", "认证时间提醒"],
            ["养老保险缴费档次", "个人缴费记录"],
        ],
    ),
    "eldercare": (
        ["民政局"],
        "public",
        ["养老服务", "智慧养老", "颐养", "居家养老"],
        "居家社区养老服务",
        [
            ["助餐点查询", "老年食堂订餐", "老年助餐"],
            ["上门助浴", "助洁助浴预约"],
            ["高龄补贴申领", "高龄津贴申请"],
            ["养老机构床位查询", "养老院查询"],
            ["居家养老服务预约", "上门服务预约"],
            ["适老化改造申请", "家庭适老化改造"],
            ["一键呼叫", "紧急求助呼叫"],
            ["老年人能力评估", "失能等级评估"],
        ],
    ),
    "grid": (
        ["委政法委员会", "社会治理中心"],
        "grassroots",
        ["网格通", "智慧网格", "网格化管理", "平安网格"],
        "网格化服务管理",
        [
            ["网格事件上报", "事件采集上报"],
            ["矛盾纠纷化解登记", "纠纷排查调处"],
            ["入户走访记录", "走访日志"],
            ["特殊人群帮扶", "重点人群管控"],
            ["网格员考勤", "网格员管理"],
            ["网格地图", "网格电子地图"],
            ["出租屋信息采集", "房屋信息登记"],
        ],
    ),
    "party": (
        ["委组织部", "直属机关工作委员会"],
        "staff",
        ["智慧党建", "党建云", "先锋", "党员之家"],
        "党员教育管理",
        [
            ["党费在线交纳", "党费缴纳"],
            ["组织关系转接", "党组织关系转移"],
            ["三会一课记录", "三会一课管理"],
            ["主题党日", "主题党日活动"],
            ["党员学习积分", "党员在线学习"],
            ["支部建设台账", "支部工作手册"],
            ["发展党员纪实", "党员发展流程"],
        ],
    ),
    "hotline": (
        ["12345政务服务便民热线中心", "政务服务管理局"],
        "staff",
        ["12345", "热线工单", "接诉即办", "诉求办理"],
        "12345热线工单办理",
        [
            ["工单签收", "工单接收"],
            ["工单回复", "办理结果回复"],
            ["申请延期", "工单延期"],
            ["退单申请", "工单退回"],
            ["满意度回访", "群众回访评价"],
            ["热线知识库", "政策知识库查询"],
            ["诉求分析", "工单数据统计"],
        ],
    ),
    "emergency": (
        ["应急管理局", "人民政府办公室"],
        "staff",
        ["应急指挥", "应急值守", "值班", "应急一张图"],
        "应急值守和指挥调度",
        [
            ["值班排班", "值班安排"],
            ["领导带班查询", "带班领导"],
            ["突发事件信息报送", "突发事件接报"],
            ["应急预案库", "预案查询"],
            ["视频调度", "视频会商"],
            ["应急物资查询", "救援队伍查询"],
            ["预警信息发布", "气象预警接收"],
        ],
    ),
    "disaster": (
        ["应急管理局"],
        "grassroots",
        ["灾情报送", "灾害信息员", "防灾减灾", "灾情通"],
        "自然灾害灾情报送",
        [
            ["灾情初报", "灾情快速报送"],
            ["灾情核报", "灾情核定"],
            ["受灾人员统计", "受灾群众登记"],
            ["倒损房屋登记", "房屋倒损统计"],
            ["救灾物资发放", "救灾物资登记"],
            ["转移安置统计", "紧急转移人员登记"],
        ],
    ),
    "safety": (
        ["应急管理局"],
        "staff",
        ["安全生产执法", "安全监管", "安监执法", "执法检查"],
        "安全生产监管执法",
        [
            ["企业安全档案", "生产经营单位档案"],
            ["隐患排查治理", "隐患闭环整改"],
            ["危化品企业监管", "危险化学品检查"],
            ["执法检查计划", "年度执法计划"],
            ["行政处罚文书", "处罚决定书"],
            ["安全检查记录", "检查记录填报"],
            ["整改复查", "复查验收"],
        ],
    ),
    "forestfire": (
        ["林业局", "应急管理局"],
        "grassroots",
        ["护林", "森林防火", "巡山护林", "林火"],
        "森林防火和护林巡护",
        [
            ["护林员巡护轨迹", "巡山轨迹记录"],
            ["火情报告", "火情上报"],
            ["野外用火审批", "野外用火报备"],
            ["进山人员登记", "入山登记"],
            ["森林火险等级", "火险预警"],
            ["扑火队伍查询", "扑火物资查询"],
        ],
    ),
    "market": (
        ["市场监督管理局"],
        "staff",
        ["市监执法", "市场监管", "智慧市监", "双随机"],
        "市场监管检查执法",
        [
            ["双随机抽查", "随机抽查任务"],
            ["特种设备检查", "电梯安全检查"],
            ["食品经营检查", "食品安全检查"],
            ["市场主体档案", "经营主体查询"],
            ["检查结果公示", "抽查结果公开"],
            ["投诉举报处置", "12315投诉处理"],
            ["整改督办", "责令整改"],
        ],
    ),
    "citymgmt": (
        ["城市管理局", "综合行政执法局"],
        "staff",
        ["城管", "智慧城管", "城管执法", "城管e巡"],
        "城市管理执法",
        [
            ["占道经营巡查", "流动摊贩处置"],
            ["违法建设巡查", "违建发现处置"],
            ["渣土运输监管", "渣土车管理"],
            ["户外广告招牌巡查", "广告招牌管理"],
            ["执法记录仪视频", "执法全过程记录"],
            ["案件派遣", "案件流转"],
            ["市容环境巡查", "环境卫生检查"],
        ],
    ),
    "cityvol": (
        ["城市管理局", "综合行政执法局"],
        "public",
        ["城管志愿", "城管开放日", "市容志愿"],
        "市民参与城市管理",
        [
            ["城管体验日报名", "开放日预约"],
            ["市容劝导任务", "文明劝导认领"],
            ["志愿时长", "志愿服务时长"],
            ["随手拍市容问题", "市容问题举报"],
        ],
    ),
    "river": (
        ["河长制办公室", "水利局"],
        "staff",
        ["河长通", "河湖长", "巡河", "智慧河湖"],
        "河湖长制巡河管理",
        [
            ["巡河打卡", "巡河日志"],
            ["河湖问题上报", "四乱问题上报"],
            ["一河一策", "一河一策方案"],
            ["河长名录", "河湖长通讯录"],
            ["水质监测", "断面水质"],
            ["河长公示牌", "公示牌管理"],
        ],
    ),
    "enroll": (
        ["教育局"],
        "public",
        ["招生", "入学", "阳光招生", "义教招生"],
        "义务教育招生入学",
        [
            ["新生入学报名", "网上报名"],
            ["学区划片查询", "招生片区查询"],
            ["派位结果查询", "电脑派位结果"],
            ["积分入学", "入学积分查询"],
            ["转学申请", "转学办理"],
            ["录取查询", "录取结果"],
        ],
    ),
    "homeschool": (
        ["教育局"],
        "public",
        ["家校", "家校通", "家长学堂", "智慧家校"],
        "家校沟通",
        [
            ["作业布置", "作业提交"],
            ["学生请假", "在线请假"],
            ["成绩查询", "学业报告"],
            ["家庭教育课堂", "家庭教育指导"],
            ["成长档案", "学生成长记录"],
            ["班级通知", "班级圈"],
        ],
    ),
    "traffic": (
        ["公安局交通警察支队", "公安局交通警察大队"],
        "public",
        ["交警", "智慧交警", "交警e办", "掌上交警"],
        "交警业务办理",
        [
            ["交通违法处理", "违法查询缴款"],
            ["挪车服务", "一键挪车"],
            ["电动自行车上牌", "电动车登记"],
            ["事故快处", "轻微事故快处快赔"],
            ["驾驶证业务", "驾驶证换证预约"],
            ["学法减分", "学习减分"],
            ["机动车业务预约", "车驾管预约"],
        ],
    ),
    "transit": (
        ["交通运输局"],
        "public",
        ["出行", "智慧交通", "公交", "掌上出行"],
        "公共交通出行服务",
        [
            ["实时公交", "公交到站查询"],
            ["乘车码", "公交乘车码"],
            ["客运购票", "汽车票购买"],
            ["出行规划", "路线规划"],
            ["停车泊位查询", "停车场查询"],
            ["网约车投诉", "出租车投诉"],
        ],
    ),
    "fund": (
        ["住房公积金管理中心"],
        "public",
        ["公积金", "住房公积金", "公积金服务"],
        "住房公积金业务",
        [
            ["公积金提取", "提取办理"],
            ["公积金贷款申请", "贷款进度查询"],
            ["缴存明细", "缴存证明打印"],
            ["转移接续", "异地转移接续"],
            ["还款计划", "提前还款"],
        ],
    ),
    "housing": (
        ["住房和城乡建设局"],
        "public",
        ["住房保障", "安居", "公租房"],
        "保障性住房服务",
        [
            ["公租房申请", "保障房申请"],
            ["轮候查询", "轮候排队"],
            ["租金缴交", "租金缴纳"],
            ["房源查询", "可租房源"],
            ["租赁补贴申请", "住房租赁补贴"],
        ],
    ),
    "veterans": (
        ["退役军人事务局"],
        "public",
        ["老兵之家", "退役军人服务", "双拥", "军人之家"],
        "退役军人服务保障",
        [
            ["优待证申领", "优待证办理"],
            ["光荣牌悬挂", "光荣牌登记"],
            ["抚恤金查询", "优抚金查询"],
            ["就业创业帮扶", "退役军人就业"],
            ["英烈祭扫", "烈士纪念"],
            ["服务站导航", "服务站查询"],
        ],
    ),
    "union": (
        ["总工会"],
        "public",
        ["职工之家", "工会", "智慧工会", "职工e家"],
        "工会会员服务",
        [
            ["入会申请", "会员入会"],
            ["会员普惠", "普惠活动"],
            ["困难职工帮扶", "帮扶救助申请"],
            ["疗休养报名", "职工疗休养"],
            ["技能比武报名", "劳动竞赛报名"],
            ["职工驿站查询", "爱心驿站"],
        ],
    ),
    "volunteer": (
        ["委宣传部", "团委", "民政局"],
        "public",
        ["志愿", "志愿汇", "志愿者之家", "i志愿"],
        "志愿服务",
        [
            ["志愿者注册", "志愿者登记"],
            ["志愿活动报名", "活动招募"],
            ["服务时长认证", "志愿时长记录"],
            ["文明实践站点", "实践阵地导航"],
            ["志愿积分兑换", "积分商城"],
            ["志愿服务证明", "服务证明开具"],
        ],
    ),
    "subsidy": (
        ["农业农村局", "财政局"],
        "grassroots",
        ["惠农补贴", "补贴直达", "惠农服务"],
        "惠农补贴发放",
        [
            ["补贴申报", "补贴申请"],
            ["种植面积核查", "面积核实"],
            ["农机购置补贴", "农机补贴申请"],
            ["一卡通查询", "惠农一卡通"],
            ["补贴公示", "发放公示"],
            ["种粮大户登记", "经营主体登记"],
        ],
    ),
    "poverty": (
        ["农业农村局", "乡村振兴局"],
        "grassroots",
        ["防返贫", "返贫监测", "乡村振兴"],
        "防止返贫动态监测",
        [
            ["监测对象识别", "监测户纳入"],
            ["收入监测", "家庭收入采集"],
            ["风险消除", "风险消除标注"],
            ["帮扶措施登记", "帮扶措施录入"],
            ["入户核查", "入户走访核实"],
            ["部门数据比对", "行业数据预警"],
        ],
    ),
    "stats": (
        ["统计局"],
        "grassroots",
        ["统计直报", "统计报表", "统计云"],
        "统计数据报送",
        [
            ["报表填报", "数据填报"],
            ["数据审核", "数据校验"],
            ["催报提醒", "报送提醒"],
            ["指标解释", "指标口径"],
            ["统计台账", "台账管理"],
        ],
    ),
    "village": (
        ["纪委监委", "农业农村局", "民政局"],
        "grassroots",
        ["阳光村务", "村务公开", "三务公开", "村级监督"],
        "村务公开和监督",
        [
            ["党务公开", "党务信息公开"],
            ["财务收支公开", "村级财务公开"],
            ["三资管理", "集体三资"],
            ["小微权力清单", "村级权力清单"],
            ["惠民资金公示", "惠民补贴公示"],
            ["村民议事", "议事协商"],
        ],
    ),
    "oa": (
        ["人民政府办公室"],
        "staff",
        ["协同办公", "移动办公", "政务协同", "掌上办公"],
        "机关协同办公",
        [
            ["公文流转", "公文签批"],
            ["通讯录", "机关通讯录"],
            ["请休假", "请假审批"],
            ["视频会议", "会议管理"],
            ["督查督办", "督办事项"],
            ["日程安排", "个人日程"],
        ],
    ),
    "portal": (
        ["政务服务和数据管理局", "行政审批局"],
        "public",
        ["掌上办", "政务服务", "通办", "随手办"],
        "一站式政务服务",
        [
            ["事项办理", "在线办事"],
            ["办件查询", "办事进度"],
            ["电子证照", "证照亮证"],
            ["预约取号", "在线预约"],
            ["一件事一次办", "高效办成一件事"],
            ["跨省通办", "异地通办"],
        ],
    ),
    # functions the taxonomy does not know: the engine has to rely on the texts
    "marriage": (
        ["民政局"],
        "public",
        ["婚姻登记", "婚登预约"],
        "婚姻登记预约",
        [
            ["结婚登记预约", "结婚预约"],
            ["离婚登记预约", "离婚冷静期查询"],
            ["婚姻档案查询", "婚姻登记记录查询"],
            ["颁证仪式预约", "颁证服务"],
        ],
    ),
    "blood": (
        ["中心血站", "卫生健康局"],
        "public",
        ["献血", "无偿献血", "热血"],
        "无偿献血服务",
        [
            ["献血预约", "预约献血"],
            ["献血记录查询", "献血证查询"],
            ["用血报销", "用血费用减免"],
            ["献血点导航", "献血屋查询"],
        ],
    ),
    "weather": (
        ["气象局"],
        "public",
        ["气象", "天气", "智慧气象"],
        "气象服务",
        [
            ["天气预报", "逐小时预报"],
            ["气象预警", "灾害性天气预警"],
            ["农业气象", "农事气象"],
            ["雷达图", "卫星云图"],
        ],
    ),
}
# look-alike pairs: names share a stem but the functions differ
LOOKALIKE = [
    ("citymgmt", "cityvol", "城管"),
    ("medins", "hrss", "保"),
    ("pension", "eldercare", "养老"),
    ("fund", "housing", "住房"),
    ("traffic", "transit", "交"),
    ("enroll", "homeschool", "阳光"),
    ("grid", "village", ""),
]


def divisions():
    cities, areas, provinces = defaultdict(list), defaultdict(list), {}
    with open(DIV / "provinces.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            provinces[r["code"]] = r["name"]
    city_names = {}
    with open(DIV / "cities.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            city_names[r["code"]] = r["name"]
            cities[r["provinceCode"]].append(r["code"])
    with open(DIV / "areas.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if 71 <= int(r["code"][4:6]) <= 79:
                continue
            areas[r["cityCode"]].append((r["code"], r["name"]))
    return provinces, cities, city_names, areas


def core(name):
    c = re.sub(r"(壮族自治区|维吾尔自治区|自治区|自治州|自治县|地区|省|市|区|县|旗)$", "", name)
    return c if len(c) >= 2 else name


class World:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.provinces, self.cities, self.city_names, self.areas = divisions()
        self.apps, self.groups, self.editions, self.hard = [], [], [], []
        self.n = 0
        self.used = defaultdict(set)  # function -> set of jurisdiction keys taken

    def place(self, division):
        p = division[:2]
        if division[2:] == "0000":
            return self.provinces[p], core(self.provinces[p])
        if division[4:] == "00" or (
            p in ("11", "12", "31", "50") and division[2:4] == "01" and False
        ):
            name = self.city_names[division[:4]]
            return name, core(name)
        for code, name in self.areas[division[:4]]:
            if code == division:
                city = self.city_names[division[:4]]
                full = (
                    city
                    if city not in ("市辖区", "县") and "直辖" not in city
                    else self.provinces[p]
                ) + name
                return full, core(name)
        raise KeyError(division)

    def city_div(self, p):
        c = self.rng.choice([c for c in self.cities[p] if self.areas[c] and c[2:4] != "90"])
        return c

    def county_div(self, city):
        return self.rng.choice(self.areas[city])[0]

    def key_free(self, fn, division):
        """No other app of fn in this division's jurisdiction (so an extra app is no duplicate)."""
        p, taken = division[:2], self.used[fn]
        if division[2:] == "0000":
            return not any(k.startswith(p) for k in taken)
        city = division[:2] if p in ("11", "12", "31", "50") else division[:4]
        return f"{p}0000" not in taken and not any(k.startswith(city) for k in taken)

    def take(self, fn, division):
        self.used[fn].add(division)

    def make(self, fn, division, name=None, unit=None, kind=None, feats=None):
        depts, users, stems, purpose, concepts = F[fn]
        full, short = self.place(division)
        if division[2:] == "0000" and full.endswith(("市",)) and division[:2] in ("11", "50"):
            pass
        unit = unit or (full + self.rng.choice(depts)).replace("市市", "市")
        if division[2:] == "0000" and not full.endswith("市"):
            unit = unit.replace("局", "厅") if "委" not in unit else unit
        name = name or self.rng.choice(
            [
                short + self.rng.choice(stems),
                self.rng.choice(stems) + short[:2],
                short + self.rng.choice(stems),
            ]
        )
        if feats is None:
            picked = self.rng.sample(concepts, k=min(len(concepts), self.rng.randint(3, 6)))
            feats = [self.rng.choice(c) for c in picked]
            feats += self.rng.sample(GENERIC, k=self.rng.randint(0, 2))
        self.n += 1
        rid = f"C{self.n:05d}"
        desc = self.rng.choice(
            [
                f"{name}由{unit}建设运营，提供{purpose}。功能有{'、'.join(feats[:3])}等。",
                f"为方便办事，{unit}推出“{name}”，可办理{'、'.join(feats[:4])}。",
                f"{name}：{purpose}移动端。支持{'、'.join(feats)}。上线后服务群众和干部{self.rng.randint(2, 90)}万人次。",
            ]
        )
        rec = {
            "id": rid,
            "name": name,
            "kind": kind or self.rng.choice(KINDS),
            "division": division,
            "unit": unit,
            "users": users,
            "description": desc,
            "features": feats,
        }
        self.apps.append(rec)
        self.take(fn, division)
        return rec

    def dup_group(self, fn):
        rng = self.rng
        scope = rng.choice(["city", "city", "province_city", "province_only", "county"])
        for _ in range(30):
            p = rng.choice(PROVINCES)
            if scope == "province_only":
                divs = [f"{p}0000", f"{p}0000"]
            elif scope == "province_city":
                c = self.city_div(p)
                divs = [f"{p}0000", self.county_div(c), c + "00"][: rng.randint(2, 3)]
                if rng.random() < 0.5 and len(self.cities[p]) > 1:
                    divs.append(self.county_div(self.city_div(p)))
            elif scope == "county":
                d = self.county_div(self.city_div(p))
                divs = [d, d]
            else:
                c = self.city_div(p)
                divs = [c + "00", self.county_div(c), self.county_div(c)][: rng.randint(2, 3)]
                if divs[0] == c + "00" and rng.random() < 0.4:
                    divs[0] = self.county_div(c)
            if all(self.key_free(fn, d) for d in set(divs)):
                break
        else:
            return
        depts = F[fn][0]
        ids, names = [], set()
        for x, d in enumerate(divs):
            unit = None
            if divs.count(d) > 1 and x > 0:
                full, _ = self.place(d)
                unit = full + depts[x % len(depts)] if len(depts) > 1 else None
            rec = self.make(fn, d, unit=unit)
            for _ in range(20):
                if all(rec["name"][:2] != n[:2] and rec["name"][-2:] != n[-2:] for n in names):
                    break
                rec["name"] = (
                    rng.choice(["智慧", "掌上", "e", "云"])
                    + rng.choice(F[fn][2])
                    + rng.choice(["通", "e办", "服务", "助手"])
                )
            names.add(rec["name"])
            ids.append(rec["id"])
        self.groups.append(ids)

    def edition_group(self, fn):
        for _ in range(30):
            p = self.rng.choice(PROVINCES)
            d = self.rng.choice(
                [f"{p}0000", self.city_div(p) + "00", self.county_div(self.city_div(p))]
            )
            if self.key_free(fn, d):
                break
        else:
            return
        kinds = self.rng.sample(KINDS, k=self.rng.randint(2, 4))
        first = self.make(fn, d, kind=kinds[0])
        ids = [first["id"]]
        for k in kinds[1:]:
            feats = list(first["features"])
            self.rng.shuffle(feats)
            name = first["name"] + self.rng.choice(["", "", "APP", "小程序" if "mini" in k else ""])
            rec = self.make(fn, d, name=name, unit=first["unit"], kind=k, feats=feats)
            ids.append(rec["id"])
        self.editions.append(ids)
        for a, b in itertools.combinations(ids, 2):
            self.hard.append([a, b, "same_app_multi_platform"])

    def other_region_pair(self, fn):
        """Same function in two cities of one province, or in two provinces: not duplicates."""
        rng = self.rng
        p = rng.choice(PROVINCES)
        if rng.random() < 0.5 and len(self.cities[p]) > 2:
            c1, c2 = rng.sample([c for c in self.cities[p] if self.areas[c] and c[2:4] != "90"], 2)
            d1, d2, why = self.county_div(c1), self.county_div(c2), "same_function_other_prefecture"
        else:
            p2 = rng.choice([q for q in PROVINCES if q != p])
            d1, d2, why = (
                self.county_div(self.city_div(p)),
                self.county_div(self.city_div(p2)),
                "same_function_other_province",
            )
        if not (self.key_free(fn, d1) and self.key_free(fn, d2)) or d1[:4] == d2[:4]:
            return
        a = self.make(fn, d1)
        feats = list(a["features"])
        b = self.make(fn, d2, feats=feats if rng.random() < 0.5 else None)
        self.hard.append([a["id"], b["id"], why])

    def lookalike(self):
        f1, f2, _stem = self.rng.choice(LOOKALIKE)
        p = self.rng.choice(PROVINCES)
        c = self.city_div(p)
        d = c + "00" if self.rng.random() < 0.5 else self.county_div(c)
        if not (self.key_free(f1, d) and self.key_free(f2, d)):
            return
        _, short = self.place(d)
        a = self.make(f1, d, name=short + (F[f1][2][0]))
        b = self.make(f2, d, name=short + (F[f2][2][0]))
        self.hard.append([a["id"], b["id"], "similar_name_different_function"])

    def singleton(self, fn):
        for _ in range(10):
            p = self.rng.choice(PROVINCES)
            d = self.county_div(self.city_div(p))
            if self.key_free(fn, d):
                self.make(fn, d)
                return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--apps", type=int, default=600)
    a = ap.parse_args()
    w = World(a.seed)
    fns = sorted(F)
    while len(w.apps) < a.apps:
        r = w.rng.random()
        fn = w.rng.choice(fns)
        if r < 0.3:
            w.dup_group(fn)
        elif r < 0.42:
            w.edition_group(fn)
        elif r < 0.6:
            w.other_region_pair(fn)
        elif r < 0.72:
            w.lookalike()
        else:
            w.singleton(fn)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "apps.jsonl", "w", encoding="utf-8") as fh:
        for rec in w.apps:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    labels = {
        "meta": {
            "set": "govapp-own",
            "generator": "benchmarks/data/make_overlap_cases.py",
            "seed": a.seed,
            "apps": len(w.apps),
        },
        "duplicate_groups": w.groups,
        "multi_platform_groups": w.editions,
        "hard_negative_pairs": w.hard,
    }
    (out / "labels.json").write_text(
        json.dumps(labels, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(
        f"{len(w.apps)} apps, {len(w.groups)} duplicate groups, {len(w.editions)} edition groups, {len(w.hard)} hard negatives"
    )


if __name__ == "__main__":
    main()
