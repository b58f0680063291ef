"""Login, lockout, logout, units and tokens pages; a Guangdong reviewer cannot reach Sichuan."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from govapp.core.models import AuditEvent
from govapp.orgs.models import ApiToken, UnitKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str = f.PASSWORD) -> object:
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_page_is_chinese_by_default(client: Client) -> None:
    resp = client.get(reverse("login"))
    assert resp.status_code == 200
    assert "用户名" in resp.content.decode()
    assert 'lang="zh-CN"' in resp.content.decode()


def test_login_and_logout(client: Client) -> None:
    u = f.regulator("44", username="gd")
    resp = _login(client, "gd")
    assert resp.status_code == 302  # type: ignore[attr-defined]
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "工作台" in home.content.decode()
    assert client.get(reverse("logout")).status_code == 405  # logout is POST only (CSRF)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
    actions = list(
        AuditEvent.objects.filter(object_id=str(u.pk), action__startswith="user.log")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["user.login", "user.logout"]


def test_wrong_password_then_lockout(client: Client, settings: object) -> None:
    f.regulator("44", username="gd")
    for _ in range(4):
        resp = _login(client, "gd", "wrong")
        assert resp.status_code == 400  # type: ignore[attr-defined]
        assert "不正确" in resp.content.decode()  # type: ignore[attr-defined]
    resp = _login(client, "gd", "wrong")
    assert "暂停登录" in resp.content.decode()  # type: ignore[attr-defined]
    # Even the right password is refused while locked.
    resp = _login(client, "gd")
    assert resp.status_code == 400  # type: ignore[attr-defined]
    assert "暂停登录" in resp.content.decode()  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="user.lockout").count() == 1


def test_open_redirect_is_refused(client: Client) -> None:
    f.regulator(username="cac1")
    resp = client.post(
        reverse("login"),
        {"username": "cac1", "password": f.PASSWORD, "next": "https://evil.example/"},
    )
    assert resp["Location"] == reverse("home")


def test_guangdong_reviewer_cannot_see_sichuan_unit(client: Client) -> None:
    gz = f.unit("440106", name="广州单位")
    cd = f.unit("510104", name="成都单位")
    f.regulator("44", username="gd")
    _login(client, "gd")
    listing = client.get(reverse("orgs:units")).content.decode()
    assert "广州单位" in listing
    assert "成都单位" not in listing
    assert client.get(reverse("orgs:unit", args=[gz.pk])).status_code == 200
    assert client.get(reverse("orgs:unit", args=[cd.pk])).status_code == 404


def test_unit_cannot_see_another_unit(client: Client) -> None:
    gz = f.unit("440106", name="广州单位")
    other = f.unit("440106", name="另一个单位")
    f.unit_member(gz, username="gzu")
    _login(client, "gzu")
    assert client.get(reverse("orgs:unit", args=[other.pk])).status_code == 404
    assert "另一个单位" not in client.get(reverse("orgs:units")).content.decode()


def test_audit_log_filtered_by_jurisdiction(client: Client) -> None:
    f.unit("440106", name="广州单位")
    f.unit("510104", name="成都单位")
    f.regulator("44", username="gd")
    _login(client, "gd")
    page = client.get(reverse("audit:list")).content.decode()
    assert "广州单位" in page
    assert "成都单位" not in page
    sc_event = AuditEvent.objects.get(object_repr="成都单位")
    assert client.get(reverse("audit:detail", args=[sc_event.seq])).status_code == 404
    gd_event = AuditEvent.objects.get(object_repr="广州单位")
    assert client.get(reverse("audit:detail", args=[gd_event.seq])).status_code == 200


def test_audit_log_filters(client: Client) -> None:
    f.unit("440106", name="广州单位")
    f.regulator(username="cacx")
    _login(client, "cacx")
    page = client.get(reverse("audit:list"), {"action": "grant."}).content.decode()
    rows = page[page.index("<tbody>") :]
    # rows read in words (the codes stay in the filter's option values and the details line)
    assert "授权 · 新建" in rows
    assert "单位 · 新建" not in rows
    # the filter takes labels: the action is chosen by its name
    assert '<option value="unit.create" >单位 · 新建</option>' in page
    page = client.get(reverse("audit:list"), {"actor": "nobody"}).content.decode()
    assert "没有符合条件的审计事件" in page


def test_units_cannot_read_the_audit_log(client: Client) -> None:
    gz = f.unit("440106")
    f.unit_member(gz, username="gzu")
    _login(client, "gzu")
    assert client.get(reverse("audit:list")).status_code == 403


def test_tokens_page_issue_and_revoke(client: Client) -> None:
    f.regulator(username="tok")
    _login(client, "tok")
    resp = client.post(reverse("orgs:tokens"), {"name": "脚本"})
    raw = resp.context["new_token"]
    assert raw.startswith("gva_")
    token = ApiToken.objects.get()
    assert token.key_hash != raw and raw not in token.key_hash
    client.post(reverse("orgs:token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_calendar_only_national_regulator_may_edit(client: Client) -> None:
    f.regulator("44", username="gd")
    _login(client, "gd")
    resp = client.post(reverse("core:calendar"), {"year": "2027", "schedule": "2027-01-01,休,元旦"})
    assert resp.status_code == 403


def test_calendar_entry_by_regulator(client: Client) -> None:
    f.regulator(username="cacy")
    _login(client, "cacy")
    resp = client.post(
        reverse("core:calendar"),
        {"year": "2027", "schedule": "2027-01-01,休,元旦\n2027-02-06,班,春节", "notice": "通知"},
    )
    assert resp.status_code == 302
    page = client.get(reverse("core:calendar"), {"year": "2027"}).content.decode()
    assert "2027-02-06" in page
    bad = client.post(reverse("core:calendar"), {"year": "2027", "schedule": "2027-02-30,休"})
    assert "第 1 行" in bad.content.decode()


def test_language_switch_to_english(client: Client) -> None:
    resp = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert resp.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page


def test_central_unit_not_visible_to_beijing_reviewer(client: Client) -> None:
    dept = f.unit("110102", UnitKind.STATE_COUNCIL_DEPT, name="某部")
    f.regulator("11", username="bj")
    _login(client, "bj")
    assert client.get(reverse("orgs:unit", args=[dept.pk])).status_code == 404


def test_national_regulator_creates_user_and_grants(client: Client) -> None:
    f.regulator(username="boss")
    gz = f.unit("440106", name="广州单位")
    f.division("44")
    _login(client, "boss")
    resp = client.post(
        reverse("orgs:user-new"),
        {
            "unit": gz.pk,
            "username": "newbie",
            "password": "long-enough-pass",
            "display_name": "新人",
        },
    )
    assert resp.status_code == 302
    newbie = f.User.objects.get(username="newbie")
    client.post(reverse("orgs:user", args=[newbie.pk]), {"action": "grant", "role": "unit_filer"})
    client.post(
        reverse("orgs:user", args=[newbie.pk]),
        {"action": "grant", "role": "provincial_cac_reviewer", "division": "44"},
    )
    roles = {g.role for g in f.grants_of(newbie)}
    assert roles == {"unit_filer", "provincial_cac_reviewer"}
    bad = client.post(
        reverse("orgs:user", args=[newbie.pk]),
        {"action": "grant", "role": "provincial_cac_reviewer", "division": "99"},
        follow=True,
    )
    assert "区划代码" in bad.content.decode()
    client.post(reverse("orgs:user", args=[newbie.pk]), {"action": "deactivate"})
    newbie.refresh_from_db()
    assert not newbie.is_active
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"user.create", "grant.create", "user.deactivate"} <= actions


def test_unit_manager_manages_only_own_unit_roles(client: Client) -> None:
    gz = f.unit("440106", name="广州单位")
    cd = f.unit("510104", name="成都单位")
    f.unit_member(gz, username="mgr")
    colleague = f.user(unit_obj=gz, username="colleague")
    stranger = f.user(unit_obj=cd, username="stranger")
    _login(client, "mgr")
    page = client.get(reverse("orgs:user-new")).content.decode()
    assert "广州单位" in page and "成都单位" not in page
    client.post(
        reverse("orgs:user", args=[colleague.pk]), {"action": "grant", "role": "unit_filer"}
    )
    assert {g.role for g in f.grants_of(colleague)} == {"unit_filer"}
    resp = client.post(
        reverse("orgs:user", args=[colleague.pk]),
        {"action": "grant", "role": "national_regulator"},
    )
    assert resp.status_code == 403
    assert client.get(reverse("orgs:user", args=[stranger.pk])).status_code == 404
    assert (
        client.post(reverse("orgs:user", args=[stranger.pk]), {"action": "deactivate"}).status_code
        == 404
    )


def test_reviewer_cannot_create_accounts(client: Client) -> None:
    f.regulator("44", username="gd")
    _login(client, "gd")
    assert client.get(reverse("orgs:user-new")).status_code == 403
