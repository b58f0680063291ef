"""Burden accounting against the hand computation written in docs/oversight-ledger.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from govapp.oversight.ledger import selectors
from govapp.oversight.ledger.burden import burden_of, q
from tests.oversight.ledger import factories as lf


def test_formula_by_hand() -> None:
    b = burden_of(
        frequency="quarterly", minutes_per_field=3, fields=4, units=100, duplicated_fields=2
    )
    # (1/3) x 3 min x 4 fields / 60 = 0.0667 h per village; x 100 villages = 6.67 h; the two
    # duplicated fields: (1/3) x 3 x 2 / 60 x 100 = 3.33 h
    assert q(b.per_unit_hours, "0.0001") == Decimal("0.0667")
    assert q(b.total_hours) == Decimal("6.67")
    assert q(b.duplicated_hours) == Decimal("3.33")
    assert burden_of(
        frequency="daily", minutes_per_field=1, fields=3, units=20
    ).total_hours == Decimal("21.75")
    assert burden_of(
        frequency="yearly", minutes_per_field=6, fields=10, units=12
    ).total_hours == Decimal(1)


@pytest.mark.django_db
def test_a_county_recomputed_by_hand() -> None:
    w = lf.world()
    start = dt.date(2026, 1, 1)
    a = lf.listed(
        w,
        "残疾人两项补贴发放台账",
        ["姓名", "身份证号码", "残疾类别", "补贴金额", "填报日期"],
        frequency="monthly",
        minutes_per_field=2,
        units_targeted=100,
        starts_on=start,
    )
    b = lf.listed(
        w,
        "持证残疾人信息台账",
        ["残疾人姓名", "公民身份号码", "就业状况", "辅具需求"],
        unit=w.dept2,
        actor=w.member2,
        frequency="quarterly",
        minutes_per_field=3,
        units_targeted=100,
        starts_on=start,
    )
    c = lf.listed(
        w,
        "网格巡查日报",
        ["巡查时间", "巡查人员", "发现问题"],
        frequency="daily",
        minutes_per_field=1,
        units_targeted=20,
        target_level="grid",
        starts_on=start,
    )
    report = selectors.burden_report(w.reviewer, prefix=w.county, today=dt.date(2026, 11, 30))
    rows = {r.demand.pk: r for r in report.rows}
    assert q(rows[a.pk].total) == Decimal("16.67") and rows[a.pk].duplicated == []
    assert q(rows[b.pk].total) == Decimal("6.67")
    assert [(label, src.pk) for label, src, _l in rows[b.pk].duplicated] == [
        ("残疾人姓名", a.pk),
        ("公民身份号码", a.pk),
    ]
    assert q(rows[b.pk].duplicated_hours) == Decimal("3.33")
    assert q(rows[c.pk].total) == Decimal("21.75")
    assert q(report.total) == Decimal("45.08")  # 16.667 + 6.667 + 21.75
    assert q(report.duplicated) == Decimal("3.33")
    assert [r.demand.pk for r in report.rows] == [c.pk, a.pk, b.pk]  # heaviest first
    depts = {name: total for name, total, _d in report.by_department}
    assert q(depts[w.dept2.name]) == Decimal("6.67")
    assert report.trend[-1] == ("2026-11", report.total)
    assert report.trend[0][0] == "2025-12" and report.trend[0][1] == 0
