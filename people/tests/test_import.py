"""Importing spreadsheets: checked whole, committed whole, refused whole."""

import datetime
import hashlib
import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from areas.models import Dwelling, LocalUnit
from audit.models import AuditEntry
from people import importing
from people.models import Household, Membership, Residence, Resident
from people.tests.factories import id_for
from shequ.xlsx import SpreadsheetError

HEADERS = ["姓名", "身份证号码", "所属网格", "手机号码", "民族", "文化程度"]


def workbook(headers, rows, *, merge=None, formula=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    if formula:
        sheet[formula] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def residents_rows(n=3, grid="甲一网格"):
    return [
        [
            f"居民{i}",
            id_for(datetime.date(1950 + i, 1 + i % 12, 1 + i % 28)),
            grid,
            "13800000000",
            "汉族",
            "初中",
        ]
        for i in range(n)
    ]


def run(world, kind, data: bytes, *, user=None, place=None):
    ctx = importing.Context(
        place=place or world.community, user=user or world.cast["community_worker"]
    )
    return importing.import_file(
        importing.KINDS[kind],
        io.BytesIO(data),
        ctx,
        file_name="t.xlsx",
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_residents_import_and_reimport_changes_nothing(world):
    data = workbook(HEADERS, residents_rows(3))
    plan = run(world, "residents", data)
    assert plan.ok and plan.counts()["created"] == 3
    assert Resident.objects.filter(place=world.grid).count() == 3
    assert AuditEntry.objects.filter(action="import.commit").count() == 1
    again = run(world, "residents", data)
    assert again.ok and again.counts() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
    assert Resident.objects.count() == 3


def test_one_bad_row_refuses_the_whole_file_with_a_row_level_report(world):
    rows = residents_rows(3)
    rows[1][1] = rows[1][1][:-1] + ("0" if rows[1][1][-1] != "0" else "1")  # checksum broken
    rows[2][2] = "不存在的网格"
    plan = run(world, "residents", workbook(HEADERS, rows))
    assert not plan.ok
    assert [(p.row, p.column) for p in plan.problems] == [(3, "身份证号码"), (4, "所属网格")]
    assert "校验位" in plan.problems[0].message
    assert not Resident.objects.exists()
    assert not AuditEntry.objects.filter(action="import.commit").exists()
    report = openpyxl.load_workbook(
        io.BytesIO(importing.error_report(importing.KINDS["residents"], plan, "t.xlsx"))
    )
    cells = [[c.value for c in row] for row in report.active.iter_rows()]
    assert cells[0][0] == "导入错误报告"
    assert cells[3][1:3] == [3, "身份证号码"]


def test_duplicates_inside_the_file_are_reported(world):
    rows = residents_rows(2)
    rows.append(list(rows[0]))
    plan = run(world, "residents", workbook(HEADERS, rows))
    assert not plan.ok and "与第2行的身份证号码重复" in plan.problems[0].message


def test_resident_registered_elsewhere_is_not_taken_over(world):
    from people.tests.factories import resident

    other = resident(world.neighbour_community, "外社区人")
    rows = residents_rows(1)
    rows[0][1] = other.id_number
    plan = run(world, "residents", workbook(HEADERS, rows))
    assert not plan.ok and "其他辖区" in plan.problems[0].message
    assert "外社区人" not in plan.problems[0].message  # no names from outside the place
    other.refresh_from_db()
    assert other.place == world.neighbour_community


def test_id_number_stored_as_a_number_is_refused(world):
    rows = residents_rows(1)
    rows[0][1] = 110105198001010019
    plan = run(world, "residents", workbook(HEADERS, rows))
    assert not plan.ok and "文本格式" in plan.problems[0].message


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: b"name,id\n", "不是Excel工作簿"),
        (lambda: workbook(["姓名", "证件号"], [["甲", "1"]]), "缺少列：身份证号码"),
        (lambda: workbook(HEADERS, residents_rows(2), merge="A2:B2"), "合并单元格"),
        (lambda: workbook(HEADERS, residents_rows(2), formula="F3"), "公式（F3）"),
        (lambda: workbook(HEADERS, [*residents_rows(1), [None] * 6, *residents_rows(1)]), "空行"),
        (lambda: workbook(HEADERS, []), None),
    ],
)
def test_bad_files_are_refused_in_chinese_and_change_nothing(world, build, message):
    data = build()
    if message is None:  # headers only: nothing to do, nothing done
        plan = run(world, "residents", data)
        assert plan.ok and plan.total == 0
        return
    with pytest.raises(SpreadsheetError) as error:
        run(world, "residents", data)
    assert message in error.value.message
    assert not Resident.objects.exists()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_bombs_are_refused_before_reading(world):
    huge = _zip({"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b"0" * (51 << 20)})
    assert len(huge) < 1 << 20  # small on disk…
    with pytest.raises(SpreadsheetError, match="50 MB"):
        run(world, "residents", huge)
    many = _zip({"xl/workbook.xml": b"<x/>", **{f"xl/media/{i}.bin": b"" for i in range(3000)}})
    with pytest.raises(SpreadsheetError, match="部件过多"):
        run(world, "residents", many)


def test_households_dwellings_units_and_memberships(world):
    people = residents_rows(3)
    assert run(world, "residents", workbook(HEADERS, people)).ok
    dwellings = workbook(
        ["房屋地址", "所属网格", "小区", "楼栋", "单元", "房号", "用途", "面积"],
        [["阳光花园1栋1单元101室", "甲一网格", "阳光花园", "1栋", "1单元", "101", "自住", 88]],
    )
    assert run(world, "dwellings", dwellings).ok
    assert Dwelling.objects.get().building.estate.name == "阳光花园"
    households = workbook(
        ["户号", "身份证号码", "与户主关系", "迁入日期", "房屋地址", "户别"],
        [
            ["H001", people[0][1], "户主", "2015-03-01", "阳光花园1栋1单元101室", "户籍"],
            ["H001", people[1][1], "配偶", "2015-03-01", "", ""],
        ],
    )
    plan = run(world, "households", households)
    assert plan.ok, plan.problems
    household = Household.objects.get(number="H001")
    assert household.head.id_number == people[0][1]
    assert household.residences.count() == 2
    assert run(world, "households", households).counts()["unchanged"] == 2
    from stdnum.cn import uscc

    body = "92420106MA4K12345"
    units = workbook(
        ["单位名称", "统一社会信用代码", "单位类型"],
        [["便利店", body + uscc.calc_check_digit(body), "商铺"], ["坏代码店", body + "0", "商铺"]],
    )
    plan = run(world, "units", units)
    assert not plan.ok and plan.problems[0].column == "统一社会信用代码"
    assert not LocalUnit.objects.exists()
    memberships = workbook(
        ["类别", "身份证号码", "户号", "开始日期", "所在支部", "党员类别", "月保障金", "保障人数"],
        [
            ["党员", people[2][1], "", "2010-07-01", "第一支部", "正式党员", "", ""],
            ["低保", "", "H001", "2024-01-01", "", "", "1400", "2"],
        ],
    )
    plan = run(world, "memberships", memberships)
    assert plan.ok, plan.problems
    assert Membership.objects.get(category__code="dibao").attributes["monthly_amount"] == "1400.00"
    assert run(world, "memberships", memberships).counts()["unchanged"] == 2


def test_household_with_two_heads_is_refused(world):
    people = residents_rows(2)
    run(world, "residents", workbook(HEADERS, people))
    data = workbook(
        ["户号", "身份证号码", "与户主关系", "迁入日期"],
        [["H9", people[0][1], "户主", "2020-01-01"], ["H9", people[1][1], "户主", "2020-01-01"]],
    )
    plan = run(world, "households", data)
    assert not plan.ok and "有且只有一名户主" in plan.problems[0].message
    assert not Residence.objects.exists()


def test_command_line_import_dry_run_and_error_exit(world, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(HEADERS, residents_rows(2)))
    out = io.StringIO()
    call_command(
        "import", "residents", str(good), "--place", world.community.code, "--dry-run", stdout=out
    )
    assert "检查通过" in out.getvalue() and not Resident.objects.exists()
    call_command("import", "residents", str(good), "--place", world.community.code, stdout=out)
    assert Resident.objects.count() == 2
    bad = tmp_path / "bad.xlsx"
    rows = residents_rows(1)
    rows[0][1] = "123"
    bad.write_bytes(workbook(HEADERS, rows))
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command(
            "import", "residents", str(bad), "--place", world.community.code, stderr=io.StringIO()
        )
    assert (tmp_path / "bad-错误报告.xlsx").exists()
    with pytest.raises(CommandError, match="辖区"):
        call_command(
            "import",
            "residents",
            str(good),
            "--place",
            world.community.code,
            "--user",
            "out_community_worker",
        )


def test_templates_have_the_headers_and_open_in_excel_readers(db):
    for kind in importing.KINDS.values():
        book = openpyxl.load_workbook(io.BytesIO(importing.template(kind)))
        headers = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
        assert headers == kind.header_names()
        assert book.sheetnames[1] == "填写说明"


def test_an_untouched_template_imports_nothing(world):
    for kind in importing.KINDS.values():
        plan = run(world, kind.code, importing.template(kind))
        assert plan.ok and plan.total == 0, kind.code


def test_a_blank_header_column_is_skipped_not_shifted(world):
    rows = [[r[0], "忽略", *r[1:]] for r in residents_rows(2)]
    data = workbook([HEADERS[0], None, *HEADERS[1:]], rows)
    plan = run(world, "residents", data)
    assert plan.ok, plan.problems
    assert set(Resident.objects.values_list("name", flat=True)) == {r[0] for r in rows}
