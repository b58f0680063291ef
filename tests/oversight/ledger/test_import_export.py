"""Import of county spreadsheets (all or nothing, line-numbered errors, bounds) and the
formula-safe XLSX export."""

from __future__ import annotations

import io

import openpyxl
import pytest

from govapp.core.errors import NotAllowed
from govapp.oversight.ledger import importer
from govapp.oversight.ledger.export import ledger_workbook
from govapp.oversight.ledger.importer import LedgerImportError, ledger_import
from govapp.oversight.ledger.models import Demand, DemandStatus
from tests.oversight.ledger import factories as lf

pytestmark = pytest.mark.django_db

HEADER = "事项名称,发起部门,区划代码,填报对象,填报单位数,填报频次,每项分钟数,填报字段,清单编号\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def test_a_good_csv_is_listed_with_duplicates_found() -> None:
    w = lf.world()
    data = _csv(
        "残疾人台账,番禺区民政局,440113,社区,275,每月,2,姓名、身份证号码、残疾等级,PY-001",
        "重度残疾人名单,番禺区医保局,440100,社区,275,每年,2,对象姓名；公民身份号码,",
    )
    with pytest.raises(LedgerImportError) as exc:
        ledger_import(data=data.replace(b"440100", b"999999"), file_name="a.csv", actor=w.reviewer)
    assert exc.value.errors == ["第 3 行：区划代码“999999”不存在。"]
    res = ledger_import(
        data=data.replace(b"440100", b"440113"), file_name="a.csv", actor=w.reviewer
    )
    assert len(res.created) == 2
    first, second = res.created
    assert first.ledger_number == "PY-001" and first.status == DemandStatus.LISTED
    assert second.ledger_number.startswith("TB440113-")
    assert [f.label for f in second.fields.all()] == ["对象姓名", "公民身份号码"]
    assert second.department == "番禺区医保局"


def test_malformed_rows_are_all_reported_and_nothing_is_written() -> None:
    w = lf.world()
    data = _csv(
        "残疾人台账,番禺区民政局,440113,社区,275,每月,2,姓名、身份证号码,",
        ",番禺区民政局,440113,小区,abc,有时,-1,,",
        "流动人口表,番禺区卫健局,510121,社区,10,每月,2,姓名,",
        "重复编号,番禺区民政局,440113,社区,1,每月,2,姓名,X-1",
        "重复编号2,番禺区民政局,440113,社区,1,每月,2,姓名,X-1",
    )
    with pytest.raises(LedgerImportError) as exc:
        ledger_import(data=data, file_name="bad.csv", actor=w.reviewer)
    errors = exc.value.errors
    assert errors[0].startswith("第 3 行：事项名称为空")
    for part in (
        "填报对象应为",
        "填报频次应为",
        "填报单位数应为",
        "每项分钟数应为",
        "填报字段为空",
    ):
        assert part in errors[0]
    assert errors[1].startswith("第 4 行：") and "不在您的管辖范围内" in errors[1]
    assert errors[2] == "清单编号“X-1”在文件中出现多次。"
    assert not Demand.objects.exists()


def test_header_bounds_and_broken_files() -> None:
    w = lf.world()
    with pytest.raises(LedgerImportError, match="缺少列"):
        ledger_import(data="名称,部门\n".encode(), file_name="h.csv", actor=w.reviewer)
    with pytest.raises(LedgerImportError, match="文件是空的"):
        ledger_import(data=b"", file_name="e.csv", actor=w.reviewer)
    with pytest.raises(LedgerImportError, match="无法读取 XLSX"):
        ledger_import(data=b"PK\x03\x04broken", file_name="x.xlsx", actor=w.reviewer)
    long_cell = "字" * (importer.MAX_CELL + 1)
    with pytest.raises(LedgerImportError, match="第 2 行：单元格内容过长"):
        ledger_import(
            data=_csv(f"{long_cell},a,440113,社区,1,每月,2,姓名,"),
            file_name="l.csv",
            actor=w.reviewer,
        )
    too_many = _csv(*["t,a,440113,社区,1,每月,2,姓名,"] * (importer.MAX_ROWS + 1))
    with pytest.raises(LedgerImportError, match="行数过多"):
        ledger_import(data=too_many, file_name="m.csv", actor=w.reviewer)
    with pytest.raises(LedgerImportError, match="文件过大"):
        ledger_import(
            data=b"x" * (importer.MAX_FILE_BYTES + 1), file_name="big.csv", actor=w.reviewer
        )
    with pytest.raises(NotAllowed):
        ledger_import(
            data=_csv("t,a,440113,社区,1,每月,2,姓名,"), file_name="u.csv", actor=w.member
        )
    assert not Demand.objects.exists()


def test_xlsx_import_and_gb18030_csv() -> None:
    w = lf.world()
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(importer.TEMPLATE_HEADER)
    ws.append(
        [
            "网格员花名册",
            "区委政法委",
            440113,
            "网格",
            30,
            "一次性",
            1.5,
            "姓名、性别、手机号",
            "",
            "",
            "2026-01-01",
            None,
            None,
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    res = ledger_import(data=buf.getvalue(), file_name="t.xlsx", actor=w.reviewer)
    assert res.created[0].frequency == "once" and res.created[0].target_level == "grid"
    gb = (
        _csv("退役军人表,退役军人事务局,440113,社区,1,每季度,2,姓名、身份证号码,")
        .decode()
        .encode("gb18030")
    )
    assert len(ledger_import(data=gb, file_name="g.csv", actor=w.reviewer).created) == 1


def test_export_is_formula_safe_and_restricted() -> None:
    w = lf.world()
    lf.listed(w, '=HYPERLINK("http://x")', ["@SUM(1)", "姓名"])
    lf.demand(w, "本单位草稿-粤", ["姓名"])  # not public
    wb = openpyxl.load_workbook(io.BytesIO(ledger_workbook(w.other_member)))
    titles = [row[1] for row in wb["填报事项清单"].iter_rows(min_row=2, values_only=True)]
    assert titles == ['\'=HYPERLINK("http://x")']  # listed only; the draft is not exported
    fields = [row[11] for row in wb["填报事项清单"].iter_rows(min_row=2, values_only=True)]
    assert fields == ["'@SUM(1)、姓名"]
    mine = openpyxl.load_workbook(io.BytesIO(ledger_workbook(w.member)))
    assert len(list(mine["填报事项清单"].iter_rows(min_row=2))) == 2
