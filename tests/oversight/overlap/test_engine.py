"""The overlap engine: jurisdiction rules, platform editions, look-alikes, classes, the CLI."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from govapp.oversight.overlap import engine

SAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "overlap-sample"


def rec(i, name, division, unit, features, kind="android", users="public"):
    return {
        "id": i,
        "name": name,
        "kind": kind,
        "division": division,
        "unit": unit,
        "users": users,
        "description": "",
        "features": features,
    }


CITY = ["占道经营巡查", "违法建设巡查", "渣土车监管", "执法全过程记录"]
CITY2 = ["违建发现处置", "占道经营取证", "市容环境巡查", "渣土运输监管"]


def dup_pairs(groups):
    return {
        tuple(sorted(p))
        for g in groups
        if g.relation == "duplicate"
        for p in itertools.combinations(g.ids, 2)
    }


def test_same_city_same_function_is_a_duplicate_with_reasons():
    groups = engine.find_groups(
        [
            rec("a", "天河城管通", "440106", "广州市天河区城市管理局", CITY),
            rec("b", "越秀掌上城管", "440104", "广州市越秀区城市管理局", CITY2),
        ]
    )
    dup = [g for g in groups if g.relation == "duplicate"]
    assert [sorted(g.ids) for g in dup] == [["a", "b"]]
    assert 0 < dup[0].score <= 1
    assert any("城市管理执法" in r for r in dup[0].reasons)
    assert any("占道经营" in r for r in dup[0].reasons)


def test_two_cities_are_not_duplicates_but_the_province_joins_them():
    a = rec("a", "广州城管通", "440100", "广州市城市管理局", CITY)
    b = rec("b", "佛山城管通", "440600", "佛山市城市管理局", CITY2)
    assert dup_pairs(engine.find_groups([a, b])) == set()
    p = rec("p", "广东智慧城管", "440000", "广东省住房和城乡建设厅", CITY)
    assert dup_pairs(engine.find_groups([a, b, p])) == {("a", "b"), ("a", "p"), ("b", "p")}


def test_other_province_is_not_a_duplicate():
    groups = engine.find_groups(
        [
            rec("a", "广州城管通", "440100", "广州市城市管理局", CITY),
            rec("b", "成都城管通", "510100", "成都市城市管理局", CITY),
        ]
    )
    assert dup_pairs(groups) == set()


def test_editions_are_same_app_never_duplicates():
    groups = engine.find_groups(
        [
            rec("a", "成都医保通", "510100", "成都市医疗保障局", ["医保电子凭证", "异地就医备案"]),
            rec(
                "b",
                "成都医保通",
                "510100",
                "成都市医疗保障局",
                ["异地就医备案", "医保电子凭证"],
                kind="ios",
            ),
            rec(
                "c",
                "成都医保通小程序",
                "510100",
                "成都市医疗保障局",
                ["医保电子凭证"],
                kind="wechat-miniprogram",
            ),
            rec(
                "d",
                "武侯智慧医保",
                "510107",
                "成都市武侯区医疗保障局",
                ["电子医保凭证", "跨省就医备案"],
            ),
        ]
    )
    same = [g for g in groups if g.relation == "same_app"]
    assert [sorted(g.ids) for g in same] == [["a", "b", "c"]]
    pairs = dup_pairs(groups)
    assert ("a", "d") in pairs and ("b", "d") in pairs and ("c", "d") in pairs
    assert not pairs & {("a", "b"), ("a", "c"), ("b", "c")}


def test_look_alike_names_with_other_functions_are_not_duplicates():
    groups = engine.find_groups(
        [
            rec("a", "哈尔滨城管通", "230100", "哈尔滨市城市管理局", CITY, users="staff"),
            rec(
                "b",
                "哈尔滨城管志愿通",
                "230100",
                "哈尔滨市城市管理局",
                ["城管体验日报名", "市容劝导", "志愿积分兑换"],
            ),
            rec(
                "c",
                "哈尔滨医保通",
                "230100",
                "哈尔滨市医疗保障局",
                ["医保电子凭证", "异地就医备案"],
            ),
            rec(
                "d",
                "哈尔滨社保通",
                "230100",
                "哈尔滨市人力资源和社会保障局",
                ["社保卡申领", "失业金申领", "就业登记"],
            ),
        ]
    )
    assert dup_pairs(groups) == set()


def test_jurisdiction_rules():
    assert engine.same_jurisdiction("440106", "440104")
    assert engine.same_jurisdiction("440000", "440606")
    assert not engine.same_jurisdiction("440100", "440600")
    assert not engine.same_jurisdiction("440100", "510100")
    assert engine.same_jurisdiction("120104", "120116")  # a municipality is one city
    assert not engine.same_jurisdiction("469001", "469002")  # counties under the province


def test_taxonomy_classifies_every_app_of_the_sample():
    if not (SAMPLE / "apps.jsonl").exists():
        pytest.skip("shared sample not available")
    records = engine.read_jsonl((SAMPLE / "apps.jsonl").open(encoding="utf-8"))
    classes = [engine.classify(r) for r in records]
    assert sum(c.code is not None for c in classes) == len(records)
    fns = engine.taxonomy()
    assert {c.code for c in classes} <= set(fns)
    assert all(f.category in engine.categories() for f in fns.values())


def test_cli_contract_on_the_sample(tmp_path):
    if not (SAMPLE / "apps.jsonl").exists():
        pytest.skip("shared sample not available")
    out = io.StringIO()
    call_command("overlap", "--json", "--input", str(SAMPLE / "apps.jsonl"), stdout=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert lines and all(set(x) == {"ids", "relation", "score", "reasons"} for x in lines)
    assert all(x["relation"] in {"duplicate", "same_app"} and 0 <= x["score"] <= 1 for x in lines)
    labels = json.loads((SAMPLE / "labels.json").read_text(encoding="utf-8"))
    gold = {
        tuple(sorted(p)) for g in labels["duplicate_groups"] for p in itertools.combinations(g, 2)
    }
    pred = {
        tuple(sorted(p))
        for x in lines
        if x["relation"] == "duplicate"
        for p in itertools.combinations(x["ids"], 2)
    }
    tp = len(pred & gold)
    assert tp / len(pred) >= 0.95 and tp / len(gold) >= 0.92
    hard = {tuple(sorted(h[:2])) for h in labels["hard_negative_pairs"]}
    assert len(pred & hard) <= 3


def test_cli_rejects_a_broken_line(tmp_path):
    bad = tmp_path / "apps.jsonl"
    bad.write_text('{"id": "a", "name": "x"}\nnot json\n', encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="line 2"):
        call_command("overlap", "--json", "--input", str(bad), stdout=io.StringIO())


def test_check_ranks_the_same_function_first_and_respects_the_region():
    index = engine.Index(
        [
            rec("a", "天河城管通", "440106", "广州市天河区城市管理局", CITY),
            rec("b", "广州医保", "440100", "广州市医疗保障局", ["医保电子凭证", "异地就医备案"]),
            rec("c", "成都城管通", "510100", "成都市城市管理局", CITY),
        ]
    )
    proposal = {
        "id": "p",
        "name": "海珠城管执法",
        "division": "440105",
        "unit": "广州市海珠区城市管理局",
        "features": ["渣土车监管", "违法建设巡查", "沿街商铺巡查"],
    }
    matches = index.check(proposal)
    assert matches[0].id == "a" and matches[0].same_function
    assert matches[0].could_be_module  # the proposal adds a feature the existing app lacks
    assert "c" not in {m.id for m in matches}  # another province
    anywhere = index.check({**proposal, "division": ""})
    assert {"a", "c"} <= {m.id for m in anywhere}
