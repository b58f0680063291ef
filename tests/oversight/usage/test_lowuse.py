"""Low-use detection with regulator-set criteria shown next to every flag; exemptions;
anonymous ratings shown only from five up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from govapp.complaints.models import AppComplaintKey
from govapp.core.calendar import today_shanghai
from govapp.oversight.usage import services
from govapp.oversight.usage.models import Criteria, LowUseFlag, Rating
from tests.oversight.usage import factories as uf

pytestmark = pytest.mark.django_db


def _codes(app) -> list[str]:
    flag = LowUseFlag.objects.filter(app=app).first()
    return [r["code"] for r in flag.reasons] if flag else []


def test_crafted_apps_are_flagged_by_each_criterion():
    w = uf.world()
    last = services.evaluation_month()
    healthy = w.app
    uf.returns(healthy, [(400, 1000)] * 3, last)
    low_ratio = uf.filed_app(w.unit, "比例低")
    uf.returns(low_ratio, [(100, 10_000), (200, 10_000), (300, 10_000)], last)  # 1%, 2%, 3%
    two_low = uf.filed_app(w.unit, "只有两个月低")
    uf.returns(two_low, [(5000, 10_000), (100, 10_000), (100, 10_000)], last)
    few = uf.filed_app(w.unit, "用户太少")
    uf.returns(few, [(30, 40)] * 3, last)
    silent = uf.filed_app(w.unit, "不报送")
    uf.returns(silent, [(500, 1000)], services.month_add(last, -3))
    new = uf.filed_app(w.unit, "新备案", filed_days_ago=10)
    poor = uf.filed_app(w.unit, "评分差")
    uf.returns(poor, [(500, 1000)] * 3, last)
    for _ in range(20):
        Rating.objects.create(app=poor, score=2, month=last)
    services.lowuse_evaluate()
    assert _codes(healthy) == []
    assert _codes(low_ratio) == ["ratio"]
    assert _codes(two_low) == []
    assert _codes(few) == ["few_users"]
    assert _codes(silent) == ["no_return"]
    assert _codes(new) == []
    assert _codes(poor) == ["poor_rating"]


def test_provincial_criteria_override_and_are_shown_next_to_the_flag():
    w = uf.world()
    last = services.evaluation_month()
    uf.returns(w.app, [(80, 1000)] * 3, last)  # 8%
    uf.returns(w.other_app, [(80, 1000)] * 3, last)
    services.criteria_set(scope="44", actor=w.gd, ratio_percent=10, min_active_users=0)
    with pytest.raises(services.UsageNotAllowed):
        services.criteria_set(scope="51", actor=w.gd, ratio_percent=10)
    services.lowuse_evaluate()
    assert _codes(w.app) == ["ratio"]
    assert _codes(w.other_app) == []
    c = Client()
    c.force_login(w.gd)
    page = c.get("/oversight/usage/low-use/").content.decode()
    assert "标准：连续 3 个月低于 10.0%" in page
    assert "8.0%" in page
    assert w.other_app.name not in page


def test_criteria_page_saves_and_reevaluates():
    w = uf.world()
    c = Client()
    c.force_login(w.cac)
    r = c.post(
        "/oversight/usage/criteria/",
        {
            "scope": "",
            "ratio_percent": "4",
            "ratio_months": "2",
            "min_active_users": "10",
            "no_return_months": "3",
            "min_rating": "2.5",
            "min_ratings": "20",
        },
    )
    assert r.status_code == 302
    assert Criteria.objects.get(scope="").ratio_months == 2
    c.force_login(w.member)
    assert c.get("/oversight/usage/criteria/").status_code == 403


def test_exemption_keeps_the_flag_visible_and_out_of_the_candidates():
    w = uf.world()
    last = services.evaluation_month()
    uf.returns(w.app, [(1, 1000)] * 3, last)
    services.lowuse_evaluate()
    with pytest.raises(services.UsageError):
        services.exemption_grant(
            app=w.app, category="flood", reason="短", expires_on=today_shanghai(), actor=w.gd
        )
    with pytest.raises(services.UsageNotAllowed):
        services.exemption_grant(
            app=w.app,
            category="flood",
            reason="汛期才使用的防汛指挥应用",
            expires_on=today_shanghai() + dt.timedelta(days=90),
            actor=w.sc,
        )
    ex = services.exemption_grant(
        app=w.app,
        category="flood",
        reason="汛期才使用的防汛指挥应用",
        expires_on=today_shanghai() + dt.timedelta(days=90),
        actor=w.gd,
    )
    services.lowuse_evaluate()
    flag = LowUseFlag.objects.get(app=w.app)
    assert flag.exempt
    c = Client()
    c.force_login(w.gd)
    page = c.get("/oversight/usage/low-use/").content.decode()
    assert "已豁免" in page and f'value="{w.app.pk}"' not in page
    services.exemption_revoke(exemption=ex, actor=w.gd)
    services.lowuse_evaluate()
    assert not LowUseFlag.objects.get(app=w.app).exempt


def test_rating_from_the_in_app_page_is_redacted_and_shown_only_from_five():
    w = uf.world()
    key = AppComplaintKey.objects.create(app=w.app, key="k" * 20)
    c = Client()
    comment = "我是王小明，电话13912345678，邮箱wang@example.com，身份证110101199003071234，太难用"
    r = c.post(f"/oversight/usage/rate/{key.key}/", {"score": "2", "comment": comment})
    assert r.status_code == 302 and "rated=1" in r["Location"]
    saved = Rating.objects.get()
    for secret in ("王小明", "13912345678", "wang@example.com", "110101199003071234"):
        assert secret not in saved.comment
    assert "太难用" in saved.comment
    c.force_login(w.member)
    page = c.get(f"/oversight/usage/apps/{w.app.pk}/").content.decode()
    assert "评价不足 5 条" in page
    for _ in range(4):
        services.rating_add(app=w.app, score=4)
    page = c.get(f"/oversight/usage/apps/{w.app.pk}/").content.decode()
    assert "3.6" in page and "5 条评价" in page
    assert "太难用" in page


def test_rating_rate_limit_per_address(settings):
    w = uf.world()
    key = AppComplaintKey.objects.create(app=w.app, key="r" * 20)
    c = Client()
    results = [
        c.post(f"/oversight/usage/rate/{key.key}/", {"score": "5"})["Location"] for _ in range(7)
    ]
    assert sum("rated=1" in x for x in results) == 5
    assert Rating.objects.count() == 5


def test_pages_are_complete_in_english():
    w = uf.world()
    c = Client()
    c.force_login(w.gd)
    c.cookies["django_language"] = "en"
    page = c.get("/oversight/usage/low-use/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Low-use apps" in page and "低使用应用" not in page


def _reference(crit, months, rating, last, filed_at):
    """The rules as written in the issue, one app at a time (the first version's code)."""
    window = [services.month_add(last, -i) for i in range(6)]
    out = []
    n = crit["ratio_months"]
    recent = [months.get(m) for m in window[:n]]
    if n and all(r is not None and r[1] > 0 for r in recent):
        ratios = [r[0] / r[1] * 100 for r in recent if r is not None]
        # exact comparison ("below 5 %"), as the database does it in integers
        if all(r[0] * 10000 < r[1] * round(crit["ratio_percent"] * 100) for r in recent):
            out.append({"code": "ratio", "values": [round(x, 2) for x in ratios]})
    latest = months.get(last)
    if latest is not None and latest[0] < crit["min_active_users"]:
        out.append({"code": "few_users", "values": [latest[0]]})
    k = crit["no_return_months"]
    if k:
        started = services.month_add(last, -(k - 1))
        if filed_at.date() < started and all(months.get(m) is None for m in window[:k]):
            out.append({"code": "no_return", "values": [k]})
    if rating is not None:
        avg, count = rating
        if count >= crit["min_ratings"] and avg < crit["min_rating"]:
            out.append({"code": "poor_rating", "values": [round(avg, 2), count]})
    return out


def test_set_based_evaluation_matches_the_rules_app_by_app():
    """Random apps in two provinces (one with its own criteria), gaps, exact boundaries
    (5 % and 10 % on the dot), new apps and ratings: the set-based evaluation flags exactly
    what the rules say, app by app, with the same figures."""
    import random

    from govapp.oversight.usage.models import MonthlyReturn, Source

    rng = random.Random(7)
    w = uf.world()
    last = services.evaluation_month()
    services.criteria_set(
        scope="44", actor=w.cac, ratio_percent=10, ratio_months=2, min_active_users=20
    )
    national = services.criteria_dict(Criteria(scope=""))
    gd = services.criteria_dict(Criteria.objects.get(scope="44"))
    expected = {}
    rows = []
    for i in range(160):
        unit = w.unit if i % 2 else w.other_unit
        app = uf.filed_app(unit, f"随机{i}", filed_days_ago=rng.choice([10, 45, 400]))
        months = {}
        for back in range(5):
            if rng.random() < 0.25:
                continue
            intended = rng.choice([100, 1000, 2000])
            active = rng.choice(
                [intended // 20, intended // 10, intended // 50, intended // 2, 5, 0]
            )
            m = services.month_add(last, -back)
            months[m] = (active, intended)
            rows.append(
                MonthlyReturn(
                    app=app,
                    month=m,
                    active_users=active,
                    intended_users=intended,
                    source=Source.DEMO,
                )
            )
        rating = None
        if rng.random() < 0.2:
            scores = [rng.choice([1, 2, 3, 5]) for _ in range(rng.choice([5, 20, 25]))]
            Rating.objects.bulk_create([Rating(app=app, score=s, month=last) for s in scores])
            rating = (sum(scores) / len(scores), len(scores))
        crit = gd if unit == w.unit else national
        found = _reference(crit, months, rating, last, app.filed_at)
        if found:
            expected[app.pk] = found
    MonthlyReturn.objects.bulk_create(rows)
    for app in (w.app, w.other_app):  # the world's own apps, no returns
        crit = gd if app.hosting_unit == w.unit else national
        found = _reference(crit, {}, None, last, app.filed_at)
        if found:
            expected[app.pk] = found
    flagged = services.lowuse_evaluate()
    got = {f.app_id: f.reasons for f in LowUseFlag.objects.all()}
    assert got == expected
    assert flagged == len(expected)
    assert {"ratio", "few_users", "no_return", "poor_rating"} <= {
        r["code"] for found in expected.values() for r in found
    }


def test_large_figures_do_not_overflow_the_ratio_test():
    """A national app: 3 million intended users, 90,000 active (3 %) - the scaled figures
    exceed a 32-bit integer on PostgreSQL."""
    w = uf.world()
    last = services.evaluation_month()
    uf.returns(w.app, [(90_000, 3_000_000)] * 3, last)
    uf.returns(w.other_app, [(2_000_000, 3_000_000)] * 3, last)
    services.lowuse_evaluate()
    assert _codes(w.app) == ["ratio"]
    assert LowUseFlag.objects.get(app=w.app).reasons[0]["values"] == [3.0, 3.0, 3.0]
    assert _codes(w.other_app) == []
