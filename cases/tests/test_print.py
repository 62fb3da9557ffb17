"""Printing a case as .docx: the whole supervision file or a request's record, numbers in full
only for roles that may see them, the judicial files kept from other roles, every print
audited."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import docx
import pytest
from django.urls import reverse
from docx.oxml.ns import qn

from audit.masking import mask
from audit.models import AuditEntry
from cases import services
from cases.flows import SATISFIED
from cases.tests.factories import open_case
from people.tests.factories import resident


def _act(world, case, code, **values):
    return services.act(case, code, by=world.cast["community_head"], version=case.version, **values)


def _correction(world):
    subject = resident(world.grid, "钱某", birth=datetime.date(1988, 8, 8))
    case = open_case(
        world, "矫正", subject=subject, category="缓刑", team="王书记、李民警",
        guardian="钱父", assignee=world.cast["community_head"],
        ends_on=datetime.date(2027, 6, 30),
    )  # fmt: skip
    for code, note in (("visit", "入户走访，情况稳定"), ("talk", "个别谈话"),
                       ("visit", "再次走访"), ("report", "月度报告")):  # fmt: skip
        case = _act(world, case, code, note=note)
    return case


def _document(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return docx.Document(io.BytesIO(response.content))


def _print(client, case):
    return client.get(reverse("cases:case-print", args=[case.pk]))


def _cells(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_a_supervision_file_prints_whole_with_the_number_in_full_for_the_head(client, world):
    case = _correction(world)
    client.force_login(world.cast["community_head"])
    response = _print(client, case)
    document = _document(response)
    assert document.paragraphs[0].text == "社区矫正对象档案"
    assert document.paragraphs[0].alignment == 1  # centred
    facts, timeline = document.tables
    text = " ".join(cell for row in _cells(facts) for cell in row)
    assert case.subject.id_number in text
    assert "缓刑" in text and "王书记、李民警" in text and "钱父" in text
    rows = _cells(timeline)
    assert rows[0] == ["序号", "日期", "事项", "内容", "经办人"]
    # Registered with its cadre, which is the file's first assignment (指定责任人).
    labels = ["建档", "指定责任人", "走访", "谈话", "走访", "向司法所报告"]
    assert [row[2] for row in rows[1:]] == labels
    assert rows[2][3] == "责任人：in_community_head"
    assert rows[3][3] == "入户走访，情况稳定" and rows[3][4] == "in_community_head"
    body = "\n".join(p.text for p in document.paragraphs)
    assert "走访2次" in body and "责任人（签字）" in body and "司法所审核（签字）" in body
    assert "打印人：in_community_head" in document.sections[0].footer.paragraphs[0].text
    name = quote(f"社区矫正对象档案{case.number}.docx")
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{name}"
    entry = AuditEntry.objects.get(action="case.print")
    assert entry.object_id == str(case.pk) and entry.actor == world.cast["community_head"]
    assert entry.data == {
        "file": f"社区矫正对象档案{case.number}.docx", "rows": 6, "full_numbers": True,
    }  # fmt: skip


def test_a_role_without_the_numbers_prints_them_masked(client, world):
    case = _correction(world)
    client.force_login(world.cast["subdistrict_admin"])  # judicial files, no full numbers
    document = _document(_print(client, case))
    text = " ".join(cell for row in _cells(document.tables[0]) for cell in row)
    assert case.subject.id_number not in text and mask(case.subject.id_number) in text
    assert AuditEntry.objects.get(action="case.print").data["full_numbers"] is False


@pytest.mark.parametrize("role", ["community_worker", "grid_worker", "viewer"])
def test_a_role_without_the_judicial_right_cannot_print_a_supervision_file(client, world, role):
    case = _correction(world)
    client.force_login(world.cast[role])
    assert _print(client, case).status_code == 404
    assert not AuditEntry.objects.filter(action="case.print").exists()


def test_the_neighbour_cannot_print_and_only_get_is_allowed(client, world):
    case = _correction(world)
    client.force_login(world.outsiders["community_head"])
    assert _print(client, case).status_code == 404
    client.force_login(world.cast["community_head"])
    assert client.post(reverse("cases:case-print", args=[case.pk])).status_code == 405
    assert not AuditEntry.objects.filter(action="case.print").exists()


def test_a_request_prints_as_its_record_with_the_phone_masked_for_a_viewer(client, world):
    case = open_case(world, "诉求", title="楼道灯不亮", reporter_name="李大爷",
                     reporter_phone="13912345678", address="3栋2单元")  # fmt: skip
    for code, values in (("assign", {"assignee": world.cast["community_worker"]}),
                         ("finish", {"note": "已更换灯泡"}),
                         ("follow_up", {"rating": SATISFIED, "note": "很及时"})):  # fmt: skip
        case = _act(world, case, code, **values)
    worker = world.cast["community_worker"]
    services.add_party(case, role="涉及对象", name="物业公司", by=worker)
    services.add_payment(case, kind="垫付", who="社区", amount=Decimal("120"),
                         date=datetime.date(2026, 1, 5), by=worker)  # fmt: skip
    services.add_survey(case, question="是否同意更换楼道灯", choices="同意,不同意", by=worker)
    client.force_login(world.cast["viewer"])
    document = _document(_print(client, case))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "垫付120.00元" in body and "是否同意更换楼道灯：同意0户、不同意0户" in body
    assert document.paragraphs[0].text == "居民诉求办理单"
    facts = " ".join(cell for row in _cells(document.tables[0]) for cell in row)
    assert "李大爷" in facts and "139****5678" in facts and "13912345678" not in facts
    timeline = _cells(document.tables[1])
    assert [row[2] for row in timeline[1:]] == ["受理", "派单", "办结", "回访"]
    assert timeline[2][3] == "承办人：in_community_worker"
    assert timeline[4][3] == "评价：满意\n很及时"
    client.force_login(world.cast["community_worker"])
    facts = " ".join(c for row in _cells(_document(_print(client, case)).tables[0]) for c in row)
    assert "13912345678" in facts


def test_every_kind_prints_with_its_title(client, world):
    client.force_login(world.cast["community_head"])
    titles = {"诉求": "居民诉求办理单", "信访": "信访事项办理单", "纠纷": "矛盾纠纷调解记录",
              "矫正": "社区矫正对象档案", "帮教": "安置帮教对象档案"}  # fmt: skip
    for kind, title in titles.items():
        case = open_case(world, kind)
        assert _document(_print(client, case)).paragraphs[0].text == title, kind


def test_chinese_text_is_set_in_a_chinese_font_on_every_style(client, world):
    case = _correction(world)
    client.force_login(world.cast["community_head"])
    document = _document(_print(client, case))
    for name, font in (("Normal", "仿宋"), ("档案标题", "宋体"), ("表格文字", "宋体"),
                       ("档案小标题", "黑体")):  # fmt: skip
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == font, name
        assert fonts.get(qn("w:eastAsiaTheme")) is None
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_printing_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    case = _correction(world)
    for n in range(20):
        case = _act(world, case, "visit", note=f"第{n}次走访")
    client.force_login(world.cast["community_head"])
    with django_assert_max_num_queries(12):
        response = _print(client, case)
    assert len(_document(response).tables[1].rows) == 1 + 2 + 4 + 20  # header, open, assign


def test_the_case_page_links_to_its_print(client, world):
    case = _correction(world)
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert f'href="{reverse("cases:case-print", args=[case.pk])}"' in page and "打印档案" in page
