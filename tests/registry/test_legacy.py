from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from govapp.core.models import AuditEvent
from govapp.registry.legacy.parser import LegacyImportError, normalise_name
from govapp.registry.legacy.selectors import legacy_items, legacy_overdue
from govapp.registry.legacy.services import legacy_import, legacy_rematch
from govapp.registry.models import AppStatus, LegacyInventoryItem, LegacyMatch
from tests import factories as f
from tests.public import factories as pf

pytestmark = pytest.mark.django_db

HEADER = "应用名称,应用类型,主办单位,区划代码,平台,包名或标识,上线日期,状态,备注\n"
AFTER_DEADLINE = dt.date(2026, 8, 1)


def csv_bytes(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture
def gz():
    return f.unit("440106", name="广州市天河区政务服务数据管理局")


@pytest.fixture
def cd():
    return f.unit("510104", name="成都市锦江区网络理政办")


def test_normalise_name():
    assert normalise_name("粤省事 APP") == normalise_name("粤省事") == "粤省事"
    assert normalise_name("ｉ深圳（新版）") == "i深圳新版"
    assert normalise_name("蓉易办小程序") == "蓉易办"


def test_import_csv_creates_items_and_one_audit_event(gz):
    before = AuditEvent.objects.count()
    res = legacy_import(
        data=csv_bytes(
            f"穗好办,APP,{gz.name},440106,安卓,cn.gov.gz.sui,2020-03-01,在用,",
            f"天河通,小程序,{gz.name},440106,微信,wx0001,2021-05-01,,",
        ),
        file_name="inv.csv",
        actor=None,
    )
    assert (res.rows, res.created, res.updated) == (2, 2, 0)
    item = LegacyInventoryItem.objects.get(identifier="cn.gov.gz.sui")
    assert item.hosting_unit == gz and item.scope_code == "440106" and item.line == 2
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-seq").first().action == "legacy.import"


def test_errors_name_line_numbers_and_nothing_is_imported(gz):
    data = csv_bytes(
        f"好应用,APP,{gz.name},440106,,,2020-01-01,,",
        f",APP,{gz.name},440106,,,,,",
        f"坏类型,网站,{gz.name},440106,,,,,",
        f"坏区划,APP,{gz.name},99ab,,,,,",
        f"新应用,APP,{gz.name},440106,,,2026-03-01,,",
        f"好应用,APP,{gz.name},440106,,,,,",
        f"无此区划,APP,{gz.name},449999,,,,,",
    )
    with pytest.raises(LegacyImportError) as exc:
        legacy_import(data=data, file_name="bad.csv", actor=None)
    text = "\n".join(exc.value.errors)
    assert "第 3 行：应用名称为空" in text
    assert "第 4 行：应用类型“网站”无法识别" in text
    assert "第 5 行：区划代码“99ab”格式不正确" in text
    assert "第 6 行：上线日期 2026-03-01 不早于 2026-01-25" in text
    assert "第 7 行：与第 2 行重复" in text
    assert "第 8 行：区划代码 449999 不存在" in text
    assert exc.value.total == 6
    assert LegacyInventoryItem.objects.count() == 0


def test_missing_header_columns():
    with pytest.raises(LegacyImportError) as exc:
        legacy_import(data="名称,类型\nA,APP\n".encode(), file_name="x.csv", actor=None)
    assert "缺少必需的列" in exc.value.errors[0] and "主办单位" in exc.value.errors[0]


def test_xlsx_import_and_gb18030_csv(gz):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["应用名称", "应用类型", "主办单位", "区划代码", "上线日期"])
    ws.append(["表格应用", "APP", gz.name, 440106, dt.datetime(2022, 1, 1)])
    ws.append(["表格小程序", "小程序", gz.name, "440106", None])
    buf = io.BytesIO()
    wb.save(buf)
    res = legacy_import(data=buf.getvalue(), file_name="inv.xlsx", actor=None)
    assert res.created == 2
    assert LegacyInventoryItem.objects.get(name="表格应用").launched_on == dt.date(2022, 1, 1)
    gb = (f"应用名称,应用类型,主办单位,区划代码\n国标应用,APP,{gz.name},440106\n").encode("gb18030")
    assert legacy_import(data=gb, file_name="gb.csv", actor=None).created == 1


def test_xlsx_errors_have_line_numbers(gz):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["应用名称", "应用类型", "主办单位", "区划代码"])
    ws.append(["好", "APP", gz.name, "440106"])
    ws.append(["坏", "网页", gz.name, "440106"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(LegacyImportError) as exc:
        legacy_import(data=buf.getvalue(), file_name="inv.xlsx", actor=None)
    assert exc.value.errors[0].startswith("第 3 行")
    assert LegacyInventoryItem.objects.count() == 0


def test_reimport_updates_instead_of_duplicating(gz):
    legacy_import(
        data=csv_bytes(f"穗好办,APP,{gz.name},440106,,,,,"), file_name="a.csv", actor=None
    )
    res = legacy_import(
        data=csv_bytes(f"穗好办 APP,APP,{gz.name},440106,,,,已停用,"), file_name="b.csv", actor=None
    )
    assert (res.created, res.updated) == (0, 1)
    assert LegacyInventoryItem.objects.get().retired is True


def test_matching_by_identifier_and_by_name_and_unit(gz):
    by_id = pf.app(unit=gz, name="完全不同的名字", package="cn.gov.match.id")
    by_name = pf.app(unit=gz, name="天河办事通", package="cn.gov.other")
    res = legacy_import(
        data=csv_bytes(
            f"旧名称,APP,{gz.name},440106,安卓,cn.gov.match.id,,,",
            f"天河办事通APP,APP,{gz.name},440106,,,,,",
            f"查无此应用,APP,{gz.name},440106,,,,,",
        ),
        file_name="m.csv",
        actor=None,
    )
    assert res.matched == 2
    a = LegacyInventoryItem.objects.get(name="旧名称")
    assert a.app == by_id and a.match_method == LegacyMatch.IDENTIFIER
    b = LegacyInventoryItem.objects.get(name="天河办事通APP")
    assert b.app == by_name and b.match_method == LegacyMatch.NAME_UNIT
    assert LegacyInventoryItem.objects.get(name="查无此应用").app is None


def test_overdue_list_and_rematch_after_filing(gz):
    legacy_import(
        data=csv_bytes(
            f"待备案应用,APP,{gz.name},440106,,cn.gov.later,,,",
            f"已停用应用,APP,{gz.name},440106,,,,已停用,",
        ),
        file_name="o.csv",
        actor=None,
    )
    nat = f.regulator()
    assert [i.name for i in legacy_overdue(user=nat, today=AFTER_DEADLINE)] == ["待备案应用"]
    assert legacy_overdue(user=nat, today=dt.date(2026, 7, 1)).count() == 0
    pf.app(unit=gz, name="新名字", package="cn.gov.later", status=AppStatus.FILED)
    assert legacy_rematch(force=True) == 1
    assert legacy_overdue(user=nat, today=AFTER_DEADLINE).count() == 0
    assert legacy_items(user=nat, state="filed").count() == 1


def test_revoked_filing_counts_as_unfiled(gz):
    pf.app(unit=gz, name="被撤销应用", status=AppStatus.REVOKED)
    legacy_import(
        data=csv_bytes(f"被撤销应用,APP,{gz.name},440106,,,,,"), file_name="r.csv", actor=None
    )
    assert legacy_overdue(user=f.regulator(), today=AFTER_DEADLINE).count() == 1


def test_overdue_jurisdiction(gz, cd):
    legacy_import(
        data=csv_bytes(
            f"广东应用,APP,{gz.name},440106,,,,,",
            f"四川应用,APP,{cd.name},510104,,,,,",
            "部委应用,APP,应急管理部,中央,,,,,",
        ),
        file_name="j.csv",
        actor=None,
    )
    sc = f.regulator("51")
    gd = f.regulator("44")
    assert [i.name for i in legacy_overdue(user=sc, today=AFTER_DEADLINE)] == ["四川应用"]
    assert [i.name for i in legacy_overdue(user=gd, today=AFTER_DEADLINE)] == ["广东应用"]
    assert legacy_overdue(user=f.regulator(), today=AFTER_DEADLINE).count() == 3
    assert [i.name for i in legacy_overdue(user=f.unit_member(gz), today=AFTER_DEADLINE)] == [
        "广东应用"
    ]


def test_provincial_regulator_can_only_import_own_province(gz, cd):
    sc = f.regulator("51")
    with pytest.raises(LegacyImportError) as exc:
        legacy_import(
            data=csv_bytes(
                f"四川应用,APP,{cd.name},510104,,,,,",
                f"广东应用,APP,{gz.name},440106,,,,,",
            ),
            file_name="p.csv",
            actor=sc,
        )
    assert "第 3 行：区划 440106 不在您的管辖范围内" in exc.value.errors[0]
    assert LegacyInventoryItem.objects.count() == 0


def test_unit_user_cannot_import(gz):
    with pytest.raises(LegacyImportError):
        legacy_import(data=csv_bytes(), file_name="x.csv", actor=f.unit_member(gz))


# --- views ---------------------------------------------------------------------------------


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_list_view_hides_other_province_rows(gz, cd):
    legacy_import(
        data=csv_bytes(
            f"广东存量应用,APP,{gz.name},440106,,,,,", f"四川存量应用,APP,{cd.name},510104,,,,,"
        ),
        file_name="v.csv",
        actor=None,
    )
    html = _client(f.regulator("51")).get("/registry/legacy/", {"state": "all"}).content.decode()
    assert "四川存量应用" in html and "广东存量应用" not in html
    html = (
        _client(f.regulator("44")).get("/registry/legacy/", {"state": "unfiled"}).content.decode()
    )
    assert "广东存量应用" in html and "四川存量应用" not in html


def test_import_view_upload_errors_and_success(gz):
    gd = f.regulator("44")
    c = _client(gd)
    bad = io.BytesIO(csv_bytes(f"坏,网站,{gz.name},440106,,,,,"))
    bad.name = "bad.csv"
    r = c.post("/registry/legacy/import/", {"file": bad})
    assert r.status_code == 400
    assert "第 2 行" in r.content.decode()
    good = io.BytesIO(csv_bytes(f"好应用,APP,{gz.name},440106,,,,,"))
    good.name = "good.csv"
    r = c.post("/registry/legacy/import/", {"file": good})
    assert r.status_code == 302
    assert LegacyInventoryItem.objects.count() == 1


def test_import_view_forbidden_for_units_and_needs_csrf(gz):
    r = _client(f.unit_member(gz)).get("/registry/legacy/import/")
    assert r.status_code == 403
    c = Client(enforce_csrf_checks=True)
    c.force_login(f.regulator("44"))
    up = io.BytesIO(csv_bytes(f"好应用,APP,{gz.name},440106,,,,,"))
    up.name = "x.csv"
    assert c.post("/registry/legacy/import/", {"file": up}).status_code == 403


def test_template_download_and_rematch_view():
    c = _client(f.regulator())
    r = c.get("/registry/legacy/template.csv")
    assert r.status_code == 200 and "应用名称" in r.content.decode("utf-8-sig")
    assert c.post("/registry/legacy/rematch/").status_code == 302


def test_command_reports_errors_with_lines(tmp_path, gz):
    from django.core.management import CommandError, call_command

    p = tmp_path / "inv.csv"
    p.write_bytes(csv_bytes(f"坏,网站,{gz.name},440106,,,,,"))
    with pytest.raises(CommandError):
        call_command("legacy_import", str(p))
    p.write_bytes(csv_bytes(f"好,APP,{gz.name},440106,,,,,"))
    out = io.StringIO()
    call_command("legacy_import", str(p), stdout=out)
    assert "imported 1 rows" in out.getvalue()
