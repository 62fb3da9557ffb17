"""Importing work-record spreadsheets: checked whole with the entry form's rules, committed
whole, refused whole, and a second import of the same file adds nothing."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from ledger import services
from ledger.models import Quantity, QuantityKind, Topic, WorkRecord
from people import importing
from people.models import ImportJob, Staff
from people.tests.test_import import run, workbook

HEADERS = ["类型", "工作领域", "标题", "日期", "开始时间", "结束时间", "所属社区/网格",
           "地点", "组织者", "协办单位", "参与人次", "内容摘要", "宣传资料（份）",
           "横幅（条）"]  # fmt: skip


def staff(place, name):
    return Staff.objects.create(
        name=name,
        sex="女",
        birth_date=datetime.date(1990, 1, 1),
        post=Staff.Post.WORKER,
        education="大学本科",
        start_date=datetime.date(2020, 1, 1),
        place=place,
    )


def rows():
    return [
        ["宣传", "法治、综治平安", "国家安全日法治宣传", "2025-04-15", "09:00", "11:30", "",
         "社区广场", "王芳", "派出所", 120, "设点宣传", 300, 2],
        ["走访/入户", "老龄，民政救助", "高龄老人走访", datetime.date(2025, 5, 6), None, None,
         "甲一网格", "", "", "", "", "", "", ""],
    ]  # fmt: skip


@pytest.fixture
def wang(world):
    return staff(world.community, "王芳")


def test_a_good_file_imports_its_records_with_topics_and_quantities(world, wang):
    plan = run(world, "records", workbook(HEADERS, rows()))
    assert plan.ok, plan.problems
    assert plan.counts() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    publicity = WorkRecord.objects.get(title="国家安全日法治宣传")
    assert (publicity.kind, publicity.date) == ("宣传", datetime.date(2025, 4, 15))
    assert (publicity.start_time, publicity.end_time) == (datetime.time(9), datetime.time(11, 30))
    assert (publicity.place, publicity.place_path) == (world.community, world.community.path)
    assert (publicity.venue, publicity.organiser, publicity.co_organisers) == (
        "社区广场",
        wang,
        "派出所",
    )
    assert (publicity.head_count, publicity.notes) == (120, "设点宣传")
    assert publicity.created_by == world.cast["community_worker"]
    assert {t.name for t in publicity.topics.all()} == {"法治", "综治平安"}
    amounts = {str(q.kind): q.amount for q in publicity.quantities.select_related("kind")}
    assert amounts == {"宣传资料（份）": Decimal("300"), "横幅（条）": Decimal("2")}
    visit = WorkRecord.objects.get(title="高龄老人走访")
    assert (visit.place, visit.date, visit.organiser, visit.head_count) == (
        world.grid,
        datetime.date(2025, 5, 6),
        None,
        None,
    )
    assert {t.name for t in visit.topics.all()} == {"老龄", "民政救助"}
    assert not visit.quantities.exists()
    entry = AuditEntry.objects.get(action="import.commit")
    assert (entry.data["kind"], entry.data["created"]) == ("records", 2)


FUTURE = (timezone.localdate() + datetime.timedelta(days=800)).isoformat()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("类型", "联欢会", "类型应为：活动、会议"),
        ("工作领域", "党建、外星事务", "没有名为“外星事务”的工作领域"),
        ("工作领域", "", "请填写工作领域"),
        ("宣传资料（份）", -5, "“宣传资料”的数量应为不小于0的数字"),
        ("宣传资料（份）", "三百", "“宣传资料（份）”应为数字，不能是“三百”"),
        ("宣传资料（份）", "1E30", "“宣传资料（份）”不能超过9999999999"),
        ("参与人次", "很多", "参与人次应为0到100000之间的整数"),
        ("参与人次", 200000, "参与人次应在0到100000之间"),
        ("结束时间", "08:30", "结束时间不能早于开始时间"),
        ("开始时间", "25:00", "“25:00”不是时间"),
        ("日期", FUTURE, "日期不能晚于一年以后"),
        ("日期", "1999-12-31", "日期不合理，应在2000年以后"),
        ("日期", "上周三", "不是日期"),
        ("组织者", "李强", "本社区没有名为“李强”的社区工作者"),
        ("所属社区/网格", "乙一网格", "“乙一网格”不是甲社区下的网格"),
        ("标题", "", "请填写标题"),
        ("标题", "长" * 101, "不能超过100个字"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_with_a_chinese_message(
    world, wang, column, value, message
):
    staff(world.neighbour_community, "李强")
    data = rows()
    data[1][HEADERS.index(column)] = value
    data[1][HEADERS.index("开始时间")] = data[1][HEADERS.index("开始时间")] or "09:00"
    plan = run(world, "records", workbook(HEADERS, data))
    assert not plan.ok
    assert [(p.row, p.column) for p in plan.problems] == [(3, column)]
    assert message in plan.problems[0].message
    assert not WorkRecord.objects.exists() and not Quantity.objects.exists()
    assert not AuditEntry.objects.filter(action="import.commit").exists()
    report = openpyxl.load_workbook(
        io.BytesIO(importing.error_report(importing.KINDS["records"], plan, "t.xlsx"))
    )
    assert any(message in str(c.value) for row in report.active.iter_rows() for c in row)


def test_rows_outside_the_users_place_are_refused(world, wang):
    # A grid worker may not import into the whole community; rows default to it.
    plan = run(world, "records", workbook(HEADERS, rows()[:1]), user=world.cast["grid_worker"])
    assert not plan.ok and plan.problems[0].column == "所属社区/网格"
    assert "只能登记本辖区的工作记录" in plan.problems[0].message
    outsider = world.outsiders["community_worker"]
    plan = run(world, "records", workbook(HEADERS, rows()), user=outsider)
    assert [p.row for p in plan.problems] == [2, 3]
    assert not WorkRecord.objects.exists()


def test_a_retired_topic_is_unknown_and_repeated_rows_are_refused(world, wang):
    Topic.objects.filter(name="法治").update(active=False)
    data = rows()
    data.append(list(data[1]))
    plan = run(world, "records", workbook(HEADERS, data))
    problems = [(p.row, p.column, p.message) for p in plan.problems]
    assert problems[0][:2] == (2, "工作领域") and "“法治”" in problems[0][2]
    assert problems[1] == (4, "标题", "与第3行重复（同一区划、日期、类型和标题）")
    assert not WorkRecord.objects.exists()


def test_reimporting_the_same_file_changes_nothing(world, wang):
    data = workbook(HEADERS, rows())
    assert run(world, "records", data).ok
    before = list(WorkRecord.objects.values().order_by("pk"))
    again = run(world, "records", data)
    assert again.ok and again.counts() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2}
    assert not again.warnings
    assert list(WorkRecord.objects.values().order_by("pk")) == before
    assert Quantity.objects.count() == 2
    assert WorkRecord.topics.through.objects.count() == 4


def test_a_record_already_entered_on_the_form_is_not_duplicated(world, wang):
    """Same place, date, kind and title: the row is that record, even when it says more."""
    services.save_record(
        None,
        services.RecordData(
            kind="宣传",
            title="国家安全日法治宣传",
            date=datetime.date(2025, 4, 15),
            place=world.community,
            topics=[Topic.objects.get(name="法治")],
            head_count=80,
        ),
        by=world.cast["community_worker"],
    )
    plan = run(world, "records", workbook(HEADERS, rows()))
    assert plan.ok and plan.counts()["created"] == 1 and plan.counts()["unchanged"] == 1
    assert [(w.row, w.column) for w in plan.warnings] == [(2, "标题")]
    assert "内容不同" in plan.warnings[0].message
    assert WorkRecord.objects.get(title="国家安全日法治宣传").head_count == 80
    assert WorkRecord.objects.count() == 2


def test_the_command_checks_with_dry_run_and_imports_without(world, wang, tmp_path):
    good = tmp_path / "活动台账.xlsx"
    good.write_bytes(workbook(HEADERS, rows()))
    out = io.StringIO()
    place = world.community.code
    call_command("import", "records", str(good), "--place", place, "--dry-run", stdout=out)
    assert "检查通过（未写入）：共2行：新增2" in out.getvalue()
    assert not WorkRecord.objects.exists()
    call_command("import", "records", str(good), "--place", place, "--user", "in_community_worker",
                 stdout=out)  # fmt: skip
    assert "导入完成：共2行：新增2" in out.getvalue()
    assert WorkRecord.objects.filter(created_by=world.cast["community_worker"]).count() == 2
    call_command("import", "records", str(good), "--place", place, stdout=out)
    assert "新增0，更新0，无变化2" in out.getvalue() and WorkRecord.objects.count() == 2
    bad = tmp_path / "坏.xlsx"
    data = rows()
    data[0][0] = "联欢会"
    bad.write_bytes(workbook(HEADERS, data))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import", "records", str(bad), "--place", place, "--dry-run", stderr=err)
    assert "第2行 类型：类型应为" in err.getvalue()
    assert (tmp_path / "坏-错误报告.xlsx").exists() and WorkRecord.objects.count() == 2


def test_the_template_has_every_column_and_an_example(db):
    QuantityKind.objects.filter(name="重量").update(active=False)
    kind = importing.KINDS["records"]
    book = openpyxl.load_workbook(io.BytesIO(importing.template(kind)))
    assert book.sheetnames == ["工作记录", "填写说明"]
    headers = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
    items = [str(k) for k in QuantityKind.objects.filter(active=True)]
    assert headers == kind.header_names() == [*HEADERS[:12], *items]
    assert "重量（公斤）" not in headers
    notes = [[c.value for c in row] for row in book["填写说明"].iter_rows()]
    at = next(i for i, row in enumerate(notes) if row[0] == "填写示例（仅供参考）")
    example = dict(zip(notes[at + 1], notes[at + 2], strict=True))
    assert example["类型"] == "宣传" and example["宣传资料（份）"] == "300"


def test_the_import_page_offers_records_and_imports_them(client, world, wang, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("people:import-start")).content.decode()
    assert reverse("people:import-template", args=["records"]) in page
    assert "工作记录导入模板.xlsx" in page
    response = client.post(
        reverse("people:import-start"),
        {
            "kind": "records",
            "place": world.community.pk,
            "file": SimpleUploadedFile("活动.xlsx", workbook(HEADERS, rows())),
        },
    )
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.CHECKED, job.errors
    assert "将新增2条" in client.get(response["Location"]).content.decode()
    client.post(reverse("people:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and WorkRecord.objects.count() == 2


def test_only_those_who_edit_records_get_the_template(client, world):
    url = reverse("people:import-template", args=["records"])
    client.force_login(world.cast["viewer"])
    assert client.get(url).status_code == 403
    client.force_login(world.cast["grid_worker"])
    assert client.get(url).status_code == 200


def test_checking_and_importing_costs_no_query_per_row(world, wang, django_assert_max_num_queries):
    data = [[*row[:2], f"{row[2]}{i}", *row[3:]] for i in range(100) for row in rows()]
    with django_assert_max_num_queries(25):  # 200 rows; SQLite inserts ~60 records a query
        plan = run(world, "records", workbook(HEADERS, data))
    assert plan.ok and WorkRecord.objects.count() == 200
    with django_assert_max_num_queries(15):
        assert run(world, "records", workbook(HEADERS, data)).counts()["unchanged"] == 200
