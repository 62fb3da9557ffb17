"""Printing inspection documents as .docx: an inspection's record, a rectification notice with
its receipt and re-checks, and a blank checklist; only inside one's place, every print audited."""

import datetime
import io
from urllib.parse import quote

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from docx.oxml.ns import qn

from audit.models import AuditEntry
from inspections import services
from inspections.models import Checklist
from inspections.tests.factories import PEST, checklist, inspect, order, passing_answers, shop

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _document(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return docx.Document(io.BytesIO(response.content))


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def _rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def _failed_inspection(world, *, date=None):
    """A fire-safety inspection of a shop whose second rectifiable item fails, with a note."""
    version = checklist()
    items = [i for i in version.items.all() if i.needs_rectification]
    answers = passing_answers(version)
    answers[items[1].pk] = items[1].failing_list()[0]
    unit = shop(world.grid, "张记餐馆")
    unit.address, unit.legal_representative = "建设路12号", "张大海"
    unit.save()
    worker = world.cast["community_worker"]
    data = services.InspectionData(
        checklist_version=version,
        date=date or TODAY - 10 * DAY,
        unit=unit,
        inspectors=[worker, world.cast["community_head"]],
        other_inspectors="街道安监办李明",
        answers=answers,
        answer_notes={items[1].pk: "后门堆放纸箱"},
    )
    return services.record_inspection(data, by=worker), items[1]


def _issue(inspection, item, *, deadline=datetime.date(2026, 12, 5)):
    return services.issue_rectification(
        inspection,
        services.OrderData(
            finding="疏散通道堆放杂物",
            responsible="张大海",
            deadline=deadline,
            issued_on=inspection.date,
            requirement="立即清理杂物，保持通道畅通",
            item=item,
        ),
        by=None,
    )


def test_an_inspection_prints_its_items_answers_and_orders(client, world):
    inspection, item = _failed_inspection(world)
    rect = _issue(inspection, item)
    client.force_login(world.cast["community_worker"])
    response = client.get(reverse("inspections:inspection-print", args=[inspection.pk]))
    document = _document(response)
    assert document.paragraphs[0].text == "消防安全检查记录表"
    assert document.paragraphs[0].alignment == 1  # centred
    text = _text(document)
    assert "所属区划：东街道甲社区甲一网格" in text
    assert "本次检查判定项目8项，其中不合格1项。检查结论：不合格。" in text
    assert "检查人员签字" in text and "被检查单位（人）签字" in text
    facts, items, orders = document.tables
    facts_text = " ".join(c for row in _rows(facts) for c in row)
    day = inspection.date
    assert "张记餐馆" in facts_text and "建设路12号" in facts_text and "张大海" in facts_text
    assert f"{day.year}年{day.month}月{day.day}日" in facts_text
    assert "消防安全检查（第1版）" in facts_text
    names = facts.rows[-1].cells[1].text.split("、")  # the last fact: who inspected
    assert sorted(names) == ["in_community_head", "in_community_worker", "街道安监办李明"]
    rows = _rows(items)
    assert rows[0] == ["序号", "检查项目", "检查结果", "判定", "问题描述"]
    labels = list(inspection.checklist_version.items.values_list("label", flat=True))
    assert [r[1] for r in rows[1:]] == labels
    assert rows[2] == ["2", "疏散通道、安全出口畅通", "否", "不合格", "后门堆放纸箱"]
    assert rows[1][2:4] == ["是", "合格"]
    assert rows[9][2:4] == ["2具", "—"]  # a count is not judged
    assert _rows(orders)[1][:4] == [rect.number, "疏散通道堆放杂物", "张大海", "2026年12月5日"]
    assert "打印人：in_community_worker" in document.sections[0].footer.paragraphs[0].text
    name = quote(f"检查记录表_张记餐馆_{day:%Y-%m-%d}.docx")
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{name}"
    entry = AuditEntry.objects.get(action="inspection.print")
    assert entry.object_id == str(inspection.pk)
    assert entry.data == {"file": f"检查记录表_张记餐馆_{day:%Y-%m-%d}.docx"}


def test_a_monitoring_inspection_prints_its_counts_with_rates(client, world):
    version = checklist(PEST)
    data = services.InspectionData(
        checklist_version=version,
        date=TODAY,
        site="社区外环境",
        place=world.community,
        inspectors=[world.cast["community_worker"]],
        answers=passing_answers(version),
        counts=[services.CountData("重点单位", 20, 1, 2), services.CountData("居民户", 60, 0, 3)],
        outdoor_metres=1500,
        burrows=3,
    )
    inspection = services.record_inspection(data, by=None)
    client.force_login(world.cast["viewer"])
    document = _document(client.get(reverse("inspections:inspection-print", args=[inspection.pk])))
    assert document.paragraphs[0].text == "爱国卫生/病媒生物防制检查记录表"
    counts = _rows(document.tables[2])
    assert counts[0][:3] == ["房间类别", "检查房间数", "鼠迹阳性房间数"]
    assert counts[1] == ["重点单位", "20", "1", "5.0%", "2", "10.0%"]
    assert counts[2] == ["居民户", "60", "0", "0.0%", "3", "5.0%"]
    assert counts[3] == ["合计", "80", "1", "1.2%", "5", "6.2%"]
    text = _text(document)
    assert "外环境：检查长度1500米，发现鼠洞3个（每千米2.0个）。" in text
    assert "检查结论：合格" in text and "本次检查未发现须整改的问题。" in text


def test_a_notice_for_a_site_goes_to_whoever_answers_for_it(client, world):
    version = checklist(PEST)
    answers = passing_answers(version)
    item = next(i for i in version.items.all() if i.label.startswith("发现蚊蝇"))
    answers[item.pk] = "是"
    inspection = services.record_inspection(
        services.InspectionData(
            checklist_version=version, date=datetime.date(2026, 7, 8), site="社区外环境",
            place=world.community, inspectors=[world.cast["community_worker"]],
            answers=answers, outdoor_metres=1200, burrows=0,
        ),
        by=None,
    )  # fmt: skip
    data = services.OrderData("花坛积水", "甲物业公司", datetime.date(2026, 7, 23), item=item)
    data.issued_on = inspection.date
    rect = services.issue_rectification(inspection, data, by=None)
    client.force_login(world.cast["community_worker"])
    text = _text(_document(client.get(reverse("inspections:rectification-print", args=[rect.pk]))))
    assert "\n甲物业公司：\n" in text
    assert "经2026年7月8日检查，社区外环境存在以下问题：" in text  # hygiene: 问题, not 安全隐患
    assert "请于2026年7月23日前整改完毕" in text


def test_a_notice_names_the_unit_the_finding_and_the_deadline_with_a_receipt(client, world):
    inspection, item = _failed_inspection(world, date=datetime.date(2026, 11, 3))
    rect = _issue(inspection, item)
    client.force_login(world.cast["grid_worker"])
    response = client.get(reverse("inspections:rectification-print", args=[rect.pk]))
    document = _document(response)
    text = _text(document)
    assert document.paragraphs[0].text == "整改通知书"
    assert f"编号：{rect.number}" in text and rect.number.startswith("整改2026-")
    assert "\n张记餐馆：\n" in text
    assert "经2026年11月3日检查，你单位存在以下安全隐患：" in text
    assert "疏散通道堆放杂物（后门堆放纸箱）。" in text
    assert "整改要求：立即清理杂物，保持通道畅通。" in text
    assert "请于2026年12月5日前整改完毕。整改期间" in text
    assert "整改责任人：张大海" in text
    assert "甲社区居民委员会（盖章）\n2026年11月3日" in text
    assert "整改通知书回执" in text and "签收人：" in text and "签收日期：" in text
    assert "复查情况" not in text and not document.tables
    name = f"整改通知书_{rect.number}.docx"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote(name)}"
    entry = AuditEntry.objects.get(action="rectification.print")
    assert entry.object_id == str(rect.pk) and entry.data == {"file": name}


def test_a_rechecked_notice_prints_the_rechecks(client, world):
    inspection, item = _failed_inspection(world)
    rect = _issue(inspection, item, deadline=TODAY - 5 * DAY)
    worker = world.cast["community_worker"]
    services.recheck(
        rect,
        services.RecheckData(TODAY - 4 * DAY, False, "仍有杂物", new_deadline=TODAY - DAY),
        version=0,
        by=worker,
    )
    services.recheck(rect, services.RecheckData(TODAY, True, "已清理"), version=1, by=worker)
    client.force_login(worker)
    document = _document(client.get(reverse("inspections:rectification-print", args=[rect.pk])))
    rows = _rows(document.tables[0])
    late = TODAY - DAY
    assert rows[0] == ["复查日期", "复查结果", "复查情况", "复查人"]
    until = f"未整改到位，限期至{late.year}年{late.month}月{late.day}日"
    assert rows[1][1:] == [until, "仍有杂物", "in_community_worker"]
    assert rows[2][1:3] == ["已整改到位", "已清理"]
    assert f"已于{TODAY.year}年{TODAY.month}月{TODAY.day}日整改完毕，予以销号" in _text(document)


def test_a_notice_for_a_rented_dwelling_goes_to_the_landlord(client, world):
    from tests.access_matrix import _rental

    rental = _rental(world)
    version = checklist("出租房屋安全检查")
    answers = passing_answers(version)
    item = next(i for i in version.items.all() if i.label.startswith("群租"))
    answers[item.pk] = "是"
    inspection = services.record_inspection(
        services.InspectionData(
            checklist_version=version, date=TODAY, dwelling=rental.dwelling,
            inspectors=[world.cast["community_worker"]], answers=answers,
        ),
        by=None,
    )  # fmt: skip
    rect = services.issue_rectification(
        inspection,
        services.OrderData("存在群租现象", "房东甲", TODAY + 7 * DAY, item=item),
        by=None,
    )
    client.force_login(world.cast["community_worker"])
    text = _text(_document(client.get(reverse("inspections:rectification-print", args=[rect.pk]))))
    assert "\n房东甲：\n" in text
    assert "你出租的房屋（甲一网格1号）存在以下安全隐患：" in text
    assert "整改责任人" not in text  # the addressee is the one responsible
    record = _document(client.get(reverse("inspections:inspection-print", args=[inspection.pk])))
    facts = " ".join(c for row in _rows(record.tables[0]) for c in row)
    assert "甲一网格1号" in facts and "房东甲" in facts


def test_a_blank_checklist_has_tick_boxes_and_empty_counts(client, world):
    client.force_login(world.cast["viewer"])
    pest = Checklist.objects.get(name=PEST)
    response = client.get(reverse("inspections:checklist-print", args=[pest.pk]))
    document = _document(response)
    assert document.paragraphs[0].text == "爱国卫生/病媒生物防制检查表"
    items, counts = document.tables
    rows = _rows(items)
    assert rows[1] == ["1", "室内外环境整洁，无卫生死角★", "□是　□否", ""]
    assert len(rows) == 1 + pest.current().items.count()
    assert [r[0] for r in _rows(counts)] == ["房间类别", "重点单位", "一般单位", "居民户", "合计"]
    assert all(cell == "" for row in _rows(counts)[1:] for cell in row[1:])
    text = _text(document)
    assert "外环境：检查长度________米" in text and "检查人员签字" in text
    name = "空白检查表_爱国卫生-病媒生物防制检查_第1版.docx"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote(name)}"
    assert AuditEntry.objects.get(action="checklist.print").data == {"file": name, "version": 1}
    fire = _document(
        client.get(reverse("inspections:checklist-print", args=[checklist().checklist_id]))
    )
    assert len(fire.tables) == 1
    choices = {r[1]: r[2] for r in _rows(fire.tables[0])}
    assert choices["“三合一”场所住人★"] == "□无　□有且已分隔　□有但未分隔"
    assert choices["配置灭火器数量"] == "________具"


def test_a_blank_checklist_prints_a_published_version_never_a_draft(client, world):
    fire = Checklist.objects.get(name=checklist().checklist.name)
    draft = services.new_draft(fire, by=None)
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:checklist-print", args=[fire.pk])
    assert client.get(url, {"version": draft.number}).status_code == 404
    assert client.get(url, {"version": "x"}).status_code == 404
    assert client.get(url, {"version": 1}).status_code == 200
    assert client.get(reverse("inspections:checklist-print", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "name", ["inspections:inspection-print", "inspections:rectification-print"]
)
def test_the_neighbour_cannot_print_and_nothing_is_audited(client, world, name):
    rect = order(inspect(world, fail=1))
    pk = rect.pk if "rectification" in name else rect.inspection_id
    client.force_login(world.outsiders["community_worker"])
    assert client.get(reverse(name, args=[pk])).status_code == 404
    client.force_login(world.cast["community_worker"])
    assert client.post(reverse(name, args=[pk])).status_code == 405
    assert not AuditEntry.objects.filter(action__endswith=".print").exists()


def test_the_documents_set_chinese_fonts_on_an_a4_page(client, world):
    rect = order(inspect(world, fail=1))
    client.force_login(world.cast["community_worker"])
    document = _document(client.get(reverse("inspections:rectification-print", args=[rect.pk])))
    for style, font in (("Normal", "仿宋"), ("文书标题", "宋体"), ("通知正文", "仿宋"),
                        ("表格文字", "宋体"), ("文书小标题", "黑体")):  # fmt: skip
        fonts = document.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == font, style
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (28, 26)


def test_printing_a_record_reads_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    inspection = inspect(world, fail=3)
    for finding in ("灭火器过期", "安全出口锁闭", "应急灯损坏"):
        data = services.OrderData(finding, "店主", TODAY + 7 * DAY, issued_on=TODAY)
        services.issue_rectification(inspection, data, by=None)
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(14):
        client.get(reverse("inspections:inspection-print", args=[inspection.pk]))


def test_printing_a_notice_reads_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    rect = order(inspect(world, fail=1, date=TODAY - 20 * DAY), deadline=TODAY - 10 * DAY)
    for n in range(5):
        deadline = TODAY - (8 - n) * DAY
        data = services.RecheckData(
            deadline - DAY, False, f"第{n + 1}次复查", new_deadline=deadline
        )
        rect = services.recheck(rect, data, version=rect.version, by=None).rectification
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("inspections:rectification-print", args=[rect.pk]))
    assert len(_document(response).tables[0].rows) == 1 + 5
