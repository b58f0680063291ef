"""The duplicate-field matcher (pure Python): the sample and held-out sets, look-alike traps,
wordings the dictionary never lists, and the JSON Lines contract of the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govapp.oversight.ledger.matcher import (
    Demand,
    Dictionary,
    Matcher,
    normalise,
    read_jsonl,
)

HERE = Path(__file__).parent
SAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "overlap-sample"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


def _score(matcher: Matcher, demands_path: Path, labels_path: Path) -> dict[str, float]:
    demands = list(read_jsonl(demands_path.read_text(encoding="utf-8").splitlines()))
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    gold = {tuple(sorted([(a, fa), (b, fb)])) for a, fa, b, fb in labels["duplicate_fields"]}
    traps = {tuple(sorted([(a, fa), (b, fb)])) for a, fa, b, fb, _r in labels["trap_pairs"]}
    pred = {tuple(sorted([p.a, p.b])) for p in matcher.duplicates(demands, threshold=0.5)}
    tp = len(pred & gold)
    return {
        "precision": tp / len(pred) if pred else 0.0,
        "recall": tp / len(gold) if gold else 0.0,
        "traps": len(pred & traps),
    }


def test_sample_set_meets_the_targets(matcher: Matcher) -> None:
    if not (SAMPLE / "demands.jsonl").exists():
        pytest.skip("../shared/data/overlap-sample not available")
    s = _score(matcher, SAMPLE / "demands.jsonl", SAMPLE / "labels.json")
    assert s["precision"] >= 0.9
    assert s["recall"] >= 0.8
    assert s["traps"] == 0


def test_heldout_set_meets_the_targets(matcher: Matcher) -> None:
    s = _score(matcher, HERE / "heldout" / "demands.jsonl", HERE / "heldout" / "labels.json")
    assert s["precision"] >= 0.9
    assert s["recall"] >= 0.8
    assert s["traps"] == 0


def _pairs(matcher: Matcher, *demands: Demand) -> set[tuple[str, str]]:
    return {(p.a[1], p.b[1]) for p in matcher.duplicates(demands)}


def _roster(id_: str, title: str, fields: list[str], county: str = "510121") -> Demand:
    return Demand(id=id_, title=title, division=county, target="village", fields=fields)


def test_id_number_wordings_never_listed_still_match(matcher: Matcher) -> None:
    a = _roster("A", "残疾人基本信息台账", ["姓名", "公民身份号码", "备注"])
    b = _roster("B", "重度残疾人护理补贴发放名单", ["对象姓名", "身份证件号码（18位）", "填表人"])
    c = _roster("C", "残疾人康复服务登记表", ["残疾人姓名", "身分证号码"])  # a typing variant
    pairs = _pairs(matcher, a, b, c)
    assert ("公民身份号码", "身份证件号码（18位）") in pairs
    assert ("公民身份号码", "身分证号码") in pairs
    assert ("姓名", "残疾人姓名") in pairs


def test_other_county_or_other_population_is_not_a_duplicate(matcher: Matcher) -> None:
    a = _roster("A", "残疾人基本信息台账", ["姓名", "身份证号码"])
    b = _roster("B", "残疾人基本信息台账", ["姓名", "身份证号码"], county="440113")
    c = _roster("C", "退役军人信息采集表", ["姓名", "身份证号码"])
    d = _roster("D", "80周岁以上高龄老人津贴名册", ["姓名", "身份证号码"])
    e = _roster("E", "独居老人关爱台账", ["姓名", "身份证号码"])
    assert _pairs(matcher, a, b, c, d, e) == set()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("户籍人口数", "常住人口数"),
        ("低保户数", "低保人数"),
        ("低保户（户）", "低保人口（人）"),
        ("60周岁以上老年人数", "65岁及以上老年人数"),
        ("党员人数", "村民代表人数"),
        ("村两委人数", "村民代表人数"),
        ("户数（户籍）", "户籍人口数"),
        ("本月新增低保户数", "低保户数"),
    ],
)
def test_aggregate_look_alikes_are_kept_apart(matcher: Matcher, left: str, right: str) -> None:
    a = Demand(id="A", title="村级基础数据表", division="510121", target="village", fields=[left])
    b = Demand(id="B", title="村级民政统计表", division="510121", target="village", fields=[right])
    assert _pairs(matcher, a, b) == set()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("常住人口数", "实有常住人口"),
        ("低保户数", "享受低保家庭户数"),
        ("低保人数", "低保人口（人）"),
        ("60周岁以上老年人数", "60岁及以上人口数"),
        ("持证残疾人数", "残疾人数（持证）"),
        ("户籍人口数", "户籍总人口（人）"),
    ],
)
def test_aggregate_synonyms_match(matcher: Matcher, left: str, right: str) -> None:
    a = Demand(id="A", title="村级基础数据表", division="510121", target="village", fields=[left])
    b = Demand(id="B", title="村级民政统计表", division="510121", target="village", fields=[right])
    assert _pairs(matcher, a, b) == {(left, right)}


def test_same_indicator_of_another_kind_of_unit_is_not_a_duplicate(matcher: Matcher) -> None:
    a = Demand(id="A", title="村级数据", division="510121", target="village", fields=["常住人口数"])
    b = Demand(id="B", title="网格数据", division="510121", target="grid", fields=["常住人口数"])
    assert _pairs(matcher, a, b) == set()


def test_dates_and_phones_of_different_people_are_kept_apart(matcher: Matcher) -> None:
    a = _roster("A", "流动人口登记表", ["姓名", "出生日期", "联系电话（手机）", "填报日期"])
    b = _roster("B", "来（离）本地人员登记台账", ["姓名", "登记日期", "填报人联系电话", "出生年月"])
    pairs = _pairs(matcher, a, b)
    assert ("出生日期", "出生年月") in pairs
    assert ("出生日期", "登记日期") not in pairs
    assert not any("填报" in x or "填报" in y for x, y in pairs)
    assert ("联系电话（手机）", "填报人联系电话") not in pairs


def test_household_head_differs_from_member(matcher: Matcher) -> None:
    members = _roster("A", "低保家庭成员基本情况登记表", ["姓名", "身份证号码", "与户主关系"])
    households = _roster("B", "低保金发放清册", ["户主姓名", "户主身份证号码", "保障人数"])
    assert _pairs(matcher, members, households) == set()
    again = _roster("C", "低保户帮扶台账", ["申请人姓名", "户主公民身份号码"])
    assert _pairs(matcher, households, again) == {
        ("户主姓名", "申请人姓名"),
        ("户主身份证号码", "户主公民身份号码"),
    }


def test_bare_phone_on_a_roster_is_the_fillers_when_only_bookkeeping_follows(
    matcher: Matcher,
) -> None:
    a = _roster("A", "灾害信息员队伍信息统计表", ["姓名", "联系电话", "岗位", "备注"])
    b = _roster("B", "灾害信息员花名册", ["姓名", "岗位", "联系电话", "填报日期", "审核人"])
    c = _roster("C", "灾害信息员培训名单", ["姓名", "手机号码"])
    pairs = _pairs(matcher, a, b, c)
    assert ("联系电话", "手机号码") in pairs  # A's is the officer's
    assert not any("联系电话" in x and "联系电话" in y for x, y in pairs)  # B's is the filler's


def test_normalise_splits_notes_and_widths() -> None:
    assert normalise("证件号码（身份证）") == ("证件号码", ["身份证"])
    assert normalise(" “两委”班子成员数 ") == ("两委班子成员数", [])
    assert normalise("性别(男/女)") == ("性别", ["男女"])


def test_an_edited_dictionary_changes_what_matches() -> None:
    data = Dictionary.load().data
    data = json.loads(json.dumps(data))
    for item in data["items"]:
        if item["id"] == "school":
            item["synonyms"].append("读书学校")
    m = Matcher(Dictionary(data))
    a = _roster("A", "留守儿童关爱台账", ["姓名", "就读学校"])
    b = _roster("B", "留守儿童在校情况表", ["学生姓名", "读书学校"])
    assert ("就读学校", "读书学校") in _pairs(m, a, b)
    assert ("就读学校", "读书学校") not in _pairs(Matcher(), a, b)


def test_read_jsonl_names_the_bad_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        list(read_jsonl(['{"id": "A", "fields": []}', "{not json"]))
    with pytest.raises(ValueError, match="line 1: a demand needs an id"):
        list(read_jsonl(['{"fields": []}']))


def test_cli_prints_the_contract(tmp_path: Path) -> None:
    src = tmp_path / "d.jsonl"
    rows = [
        {
            "id": "X1",
            "title": "残疾人台账",
            "department": "民政局",
            "division": "510121",
            "app": None,
            "frequency": "monthly",
            "target": "village",
            "fields": ["姓名", "身份证号码"],
        },
        {
            "id": "X2",
            "title": "重度残疾人名单",
            "department": "医保局",
            "division": "510121",
            "app": None,
            "frequency": "yearly",
            "target": "village",
            "fields": ["对象姓名", "公民身份号码"],
        },
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "govapp.cli", "ledger", "duplicates", "--json", "--input", str(src)],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "GOVAPP_VAR_DIR": str(tmp_path)},
    )
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert {tuple(x["a"]) + tuple(x["b"]) for x in lines} == {
        ("X1", "姓名", "X2", "对象姓名"),
        ("X1", "身份证号码", "X2", "公民身份号码"),
    }
    assert all(0 <= x["score"] <= 1 and x["item"] for x in lines)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "govapp.cli", "ledger", "duplicates", "--json", "--input", str(bad)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "GOVAPP_VAR_DIR": str(tmp_path)},
    )
    assert res.returncode == 2 and "line 1" in res.stderr
