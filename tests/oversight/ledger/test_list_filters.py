"""The ledger list's filters that the dashboard links to: in force this period, a datum asked
again (the burden page's rule), the reader's own jurisdiction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from govapp.core.calendar import today_shanghai
from govapp.oversight.ledger import selectors
from govapp.oversight.ledger.models import Demand
from tests.oversight.ledger import factories as lf

pytestmark = pytest.mark.django_db


def test_duplicated_condition_is_the_burden_pages_rule() -> None:
    """Real demands through the gateway, classified by the shipped dictionary: the demands
    selected are exactly those the burden report finds duplicated fields in, whichever part
    of the ledger they are picked from."""
    w = lf.world()
    city = lf.world("4401")  # the city above the county: its demands count as the area's
    lf.listed(city, "全市残疾人两项补贴台账", ["姓名", "身份证号码"])
    a = lf.listed(w, "残疾人两项补贴发放台账", ["姓名", "身份证号码", "补贴金额"])
    b = lf.listed(
        w, "持证残疾人信息台账", ["残疾人姓名", "就业状况"], unit=w.dept2, actor=w.member2
    )
    c = lf.listed(w, "网格巡查日报", ["巡查时间", "巡查人员", "发现问题"])
    other = lf.world("510121")
    d = lf.listed(other, "金堂县低保名册", ["姓名", "联系电话"])  # another province: not a repeat
    report = selectors.burden_report(w.reviewer, today=today_shanghai())
    by_report = {r.demand.pk for r in report.rows if r.duplicated}
    by_condition = selectors.duplicated_ids(Demand.objects.all())
    assert by_condition == by_report
    assert {a.pk, b.pk} <= by_condition  # name and ID number asked by the city first
    assert c.pk not in by_condition and d.pk not in by_condition
    county = Demand.objects.filter(scope_code=w.county)
    assert selectors.duplicated_ids(county) == by_report & set(county.values_list("pk", flat=True))
    assert selectors.duplicated_ids(Demand.objects.filter(pk=c.pk)) == set()


def test_active_area_and_duplicated_filters_on_the_list() -> None:
    w = lf.world()
    today = today_shanghai()
    a = lf.listed(w, "残疾人两项补贴发放台账", ["姓名", "身份证号码"])
    b = lf.listed(w, "持证残疾人信息台账", ["残疾人姓名"], unit=w.dept2, actor=w.member2)
    ended = lf.listed(w, "旧台账", ["家庭住址"], ends_on=today - dt.timedelta(days=1))
    lf.listed(w, "明年台账", ["身份证号码"], starts_on=today + dt.timedelta(days=30))
    other = lf.world("510121")
    elsewhere = lf.listed(other, "金堂县低保名册", ["姓名"])

    def rows(user: object, **params: str) -> set[int]:
        client = Client()
        client.force_login(user)  # type: ignore[arg-type]
        resp = client.get(reverse("ledger:list"), params)
        assert resp.status_code == 200
        return {d.pk for d in resp.context["page"].object_list}

    # the public ledger shows every listed demand; "本辖区" keeps the reviewer's own
    assert elsewhere.pk in rows(w.reviewer, status="listed")
    assert rows(w.reviewer, area="1", active="1") == {a.pk, b.pk}
    assert ended.pk not in rows(w.reviewer, area="1", active="1")
    assert rows(w.reviewer, area="1", active="1", duplicated="1") == {b.pk}
    assert rows(w.member2, area="1") == {b.pk}  # a unit's jurisdiction: its own demands
    assert rows(other.reviewer, area="1", active="1") == {elsewhere.pk}
    # a value the form refuses is left out, never an error page
    assert rows(w.reviewer, area="1", active="1", division="x'--") == {a.pk, b.pk}
