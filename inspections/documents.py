"""Inspection documents printed as Word (.docx), in the layout community offices file and hand
out: the record of an inspection (检查记录表) to sign on site, the rectification notice
(整改通知书) with its tear-off receipt, and a blank checklist (空白检查表) to fill in by hand.

Fonts are named, not embedded (see shequ/word.py): 宋体 for titles and tables, 仿宋 for the
notice's text, 黑体 for headings. Dates are written the official way, 2026年3月5日."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_LEADER
from docx.shared import Mm, Pt

from areas.kinds import PlaceKind
from inspections.models import (
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    Rectification,
    RoomCount,
)
from shequ.word import (
    FANGSONG,
    HEI,
    SONG,
    column_widths,
    keep_rows_whole,
    official_page,
    page_number,
    paragraph_style,
    repeat_header,
)

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

    from accounts.models import User
    from areas.models import Place

NUMERALS = "一二三四五六七八九十"
WIDE = 12  # characters: a longer value takes a row of its own in the facts table
BLANK_DATE = "　　　　年　　月　　日"
# Areas whose failures are hazards (安全隐患); in the others they are problems (问题).
HAZARD_AREAS = {Checklist.Area.FIRE, Checklist.Area.RENTAL, Checklist.Area.PRODUCTION}


def chinese_date(day: datetime.date | None) -> str:
    """2026年3月5日: the form official documents use (no leading zeros)."""
    if day is None:
        return ""
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def file_name(*parts: str) -> str:
    """A download name from its parts, joined by underscores, without the characters Windows
    refuses in a file name (a checklist may be called 爱国卫生/病媒生物防制检查)."""
    clean = [re.sub(r'[\\/:*?"<>|\s]+', "-", str(p)).strip("-") for p in parts if p]
    return "_".join(clean) + ".docx"


def place_name(place: Place) -> str:
    """The sub-district, community and grid a record lies in: 东湖街道柳岸社区第一网格."""
    names = [
        p.name
        for p in [*place.ancestors(), place]
        if p.kind in (PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY, PlaceKind.GRID)
    ]
    return "".join(names)


def community_of(place: Place) -> Place:
    return place.parent if place.kind == PlaceKind.GRID and place.parent else place


def committee(place: Place) -> str:
    """Who issues a notice: the residents' committee of the community (柳岸社区居民委员会)."""
    name = community_of(place).name
    return f"{name}居民委员会" if name.endswith("社区") else name


# --- Layout helpers


def _setup(doc: DocxDocument) -> None:
    official_page(doc, top_mm=25, bottom_mm=22)
    doc.styles["Normal"].font.size = Pt(12)
    paragraph_style(doc, "文书标题", SONG, 20, bold=True)
    paragraph_style(doc, "文书小标题", HEI, 13)
    paragraph_style(doc, "表格文字", SONG, 10.5)
    paragraph_style(doc, "文书说明", FANGSONG, 10.5)
    body = paragraph_style(doc, "通知正文", FANGSONG, 14)
    body.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    body.paragraph_format.line_spacing = Pt(26)


def _title(doc: DocxDocument, text: str, *, after: float = 6) -> None:
    paragraph = doc.add_paragraph(text, style="文书标题")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(after)


def _heading(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph(text, style="文书小标题")
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.paragraph_format.keep_with_next = True


def _note(doc: DocxDocument, text: str, *, right: bool = False):
    paragraph = doc.add_paragraph(text, style="文书说明")
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return paragraph


def _cell(cell, text: str, *, bold: bool = False, centre: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = "表格文字"
    lines = str(text).split("\n")
    for n, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.bold = bold
        if n < len(lines) - 1:
            run.add_break()
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _table(
    doc: DocxDocument,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths,
    *,
    centred: Sequence[int] = (0,),
    min_height_mm: float | None = None,
):
    """A bordered table whose header row repeats on each page and whose rows never split."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, widths)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, bold=True, centre=True)
    repeat_header(table)
    for tr, row in zip(table.rows[1:], rows, strict=True):
        for n, (cell, text) in enumerate(zip(tr.cells, row, strict=True)):
            _cell(cell, text, centre=n in centred)
        if min_height_mm:
            tr.height, tr.height_rule = Mm(min_height_mm), WD_ROW_HEIGHT_RULE.AT_LEAST
    keep_rows_whole(table)
    return table


def _facts(doc: DocxDocument, pairs: Sequence[tuple[str, str]]) -> None:
    """Label and value, two to a row; a long value takes a row of its own, after the pair
    that is waiting for its partner, so the grid has no half-empty rows in the middle."""
    rows: list[list[tuple[str, str]]] = []
    waiting: tuple[str, str] | None = None
    deferred: list[list[tuple[str, str]]] = []
    for label, value in pairs:
        fact = (label, str(value or ""))
        if len(fact[1]) > WIDE:
            (deferred if waiting else rows).append([fact])
        elif waiting is None:
            waiting = fact
        else:
            rows += [[waiting, fact], *deferred]
            waiting, deferred = None, []
    rows += [[waiting]] if waiting else []
    rows += deferred
    table = doc.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, (28, 50, 28, 50))
    for tr, pair in zip(table.rows, rows, strict=True):
        cells = tr.cells
        tr.height, tr.height_rule = Mm(8), WD_ROW_HEIGHT_RULE.AT_LEAST
        if len(pair) == 1:
            _cell(cells[0], pair[0][0], bold=True, centre=True)
            _cell(cells[1].merge(cells[3]), pair[0][1])
            continue
        for n, (label, value) in enumerate(pair):
            _cell(cells[2 * n], label, bold=True, centre=True)
            _cell(cells[2 * n + 1], value)
    keep_rows_whole(table)


def _footer(doc: DocxDocument, printed_by: User | None) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.style = "文书说明"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if printed_by is not None:
        paragraph.add_run(
            _("打印人：%(who)s　打印时间：%(at)s　")
            % {
                "who": printed_by.name or printed_by.username,
                "at": f"{timezone.localtime():%Y-%m-%d %H:%M}",
            }
        )
    paragraph.add_run(_("第"))
    page_number(paragraph)
    paragraph.add_run(_("页"))


def _form_line(doc: DocxDocument, *fields: tuple[str, float], after: str = "", before: float = 8):
    """Labels each followed by a line to write on, up to `end` mm from the left margin (a tab
    with an underline leader), so the lines of a form end one under the other."""
    paragraph = doc.add_paragraph("".join(f"{label}\t" for label, _end in fields) + after)
    for _label, end in fields:
        paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(end), leader=WD_TAB_LEADER.LINES)
    paragraph.paragraph_format.space_before = Pt(before)
    return paragraph


def _signature(doc: DocxDocument, who: str, *, before: float = 14):
    """A line to sign on with the date beside it; the dates of several stand one under the
    other."""
    line = _form_line(doc, (f"{who}：", 100), after=f"　{BLANK_DATE}", before=before)
    line.paragraph_format.keep_with_next = True
    return line


def _save(doc: DocxDocument) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _answer_text(item: ChecklistItem, value: str) -> str:
    if not value:
        return _("无") if item.kind == ChecklistItem.Kind.TEXT else _("未填")
    return f"{value}{item.unit}" if item.kind == ChecklistItem.Kind.NUMBER else value


def _judgement(item: ChecklistItem, value: str, failed: bool) -> str:
    """合格/不合格 for an item that has failing answers; a count or a remark is not judged."""
    if not item.failing_list() or not value:
        return "—"
    return _("不合格") if failed else _("合格")


def _version_label(version: ChecklistVersion) -> str:
    return _("%(name)s（第%(n)d版）") % {"name": version.checklist.name, "n": version.number}


# --- The inspection record


def inspection_title(inspection: Inspection) -> str:
    return _("%(name)s记录表") % {"name": inspection.checklist_version.checklist.name}


def inspection_file_name(inspection: Inspection) -> str:
    return file_name(_("检查记录表"), inspection.target_name, f"{inspection.date:%Y-%m-%d}")


def _rental_of(inspection: Inspection):
    """The let of the inspected dwelling on the day (or the latest one), for its landlord."""
    rentals = list(inspection.dwelling.rentals.order_by("-start"))
    on_day = [
        r
        for r in rentals
        if r.start <= inspection.date and (r.end is None or r.end >= inspection.date)
    ]
    return (on_day or rentals or [None])[0]


def _target_facts(inspection: Inspection) -> list[tuple[str, str]]:
    if inspection.unit_id:
        unit = inspection.unit
        head = unit.legal_representative or unit.contact_name
        facts = [
            (_("被检查单位"), unit.name),
            (_("对象类别"), _("辖区单位（%(kind)s）") % {"kind": unit.kind}),
            (_("负责人"), head),
        ]
        if unit.contact_name and unit.contact_name != head:
            facts.append((_("联系人"), unit.contact_name))
        return [*facts, (_("地址"), unit.address or place_name(inspection.place))]
    if inspection.dwelling_id:
        rental = _rental_of(inspection)
        facts = [(_("被检查房屋"), inspection.dwelling.address)]
        if rental is None:
            return [*facts, (_("对象类别"), _("房屋"))]
        return [
            *facts,
            (_("对象类别"), _("出租房屋")),
            (_("房东"), rental.landlord_name),
            (_("承租人"), rental.tenant_name),
        ]
    return [(_("检查场所"), inspection.site), (_("对象类别"), _("场所/外环境"))]


def _order_state(order: Rectification, today: datetime.date) -> str:
    if order.closed_on is not None:
        on_time = _("按期") if order.on_time else _("逾期")
        return _("%(on_time)s整改，%(day)s复查销号") % {
            "on_time": on_time,
            "day": chinese_date(order.closed_on),
        }
    if order.is_overdue(today):
        return _("逾期未整改")
    if order.deadline != order.first_deadline:
        return _("整改中（延期至%(day)s）") % {"day": chinese_date(order.deadline)}
    return _("整改中")


def _count_row(label: str, rooms: int, positive: int, unproofed: int) -> list[str]:
    """One line of the monitoring table: the counts with the rates they give."""
    return [
        label,
        str(rooms),
        str(positive),
        _percent(positive, rooms),
        str(unproofed),
        _percent(unproofed, rooms),
    ]


def _counts(doc: DocxDocument, inspection: Inspection) -> None:
    order = RoomCount.Category.values
    rows = sorted(inspection.room_counts.all(), key=lambda r: order.index(r.category))
    if rows:
        lines = [_count_row(r.category, r.rooms, r.positive, r.unproofed) for r in rows]
        if len(rows) > 1:
            totals = [sum(getattr(r, f) for r in rows) for f in ("rooms", "positive", "unproofed")]
            lines.append(_count_row(_("合计"), *totals))
        header = [
            _("房间类别"),
            _("检查房间数"),
            _("鼠迹阳性房间数"),
            _("鼠迹阳性率"),
            _("防鼠不合格房间数"),
            _("防鼠不合格率"),
        ]
        _table(doc, header, lines, (19, 23, 30, 23, 34, 27), centred=range(6), min_height_mm=7)
    if inspection.outdoor_metres is not None:
        metres, burrows = inspection.outdoor_metres, inspection.burrows or 0
        text = _("外环境：检查长度%(m)d米，发现鼠洞%(b)d个") % {"m": metres, "b": burrows}
        if metres:
            per_km = burrows * 1000 / metres
            text += _("（每千米%(d).1f个）") % {"d": per_km}
        _note(doc, text + "。").paragraph_format.space_before = Pt(4)


def inspection_document(inspection: Inspection, *, printed_by: User | None) -> bytes:
    """The record of one inspection, to file and to sign. `inspection` comes with its place,
    target, checklist version, inspectors, answers (with items), counts and orders loaded."""
    version = inspection.checklist_version
    doc = Document()
    _setup(doc)
    _title(doc, inspection_title(inspection))
    _note(doc, _("所属区划：%(place)s") % {"place": place_name(inspection.place)}, right=True)
    sections = iter(NUMERALS)

    _heading(doc, _("%(n)s、基本情况") % {"n": next(sections)})
    facts = [
        *_target_facts(inspection),
        (_("检查日期"), chinese_date(inspection.date)),
        (_("检查表"), _version_label(version)),
        (_("检查人员"), inspection.inspector_names()),
    ]
    _facts(doc, facts)

    _heading(doc, _("%(n)s、检查项目") % {"n": next(sections)})
    answers = list(inspection.answers.all())
    rows = [
        [
            str(n),
            a.item.label,
            _answer_text(a.item, a.value),
            _judgement(a.item, a.value, a.failed),
            a.note,
        ]
        for n, a in enumerate(answers, start=1)
    ]
    header = [_("序号"), _("检查项目"), _("检查结果"), _("判定"), _("问题描述")]
    _table(doc, header, rows, (12, 68, 22, 16, 38), centred=(0, 2, 3), min_height_mm=7)

    if version.checklist.counts:
        _heading(doc, _("%(n)s、病媒生物监测") % {"n": next(sections)})
        _counts(doc, inspection)

    _heading(doc, _("%(n)s、检查结论") % {"n": next(sections)})
    judged = sum(1 for a in answers if a.item.failing_list() and a.value)
    _note(
        doc,
        _("本次检查判定项目%(n)d项，其中不合格%(f)d项。检查结论：%(result)s。")
        % {
            "n": judged,
            "f": inspection.failures,
            "result": inspection.result,
        },
    )
    if inspection.notes:
        _note(doc, _("检查情况：%(notes)s") % {"notes": inspection.notes})

    orders = list(inspection.rectifications.all())
    _heading(doc, _("%(n)s、整改通知") % {"n": next(sections)})
    if orders:
        today = timezone.localdate()
        rows = [
            [
                o.number,
                o.finding,
                o.responsible,
                chinese_date(o.first_deadline),
                _order_state(o, today),
            ]
            for o in sorted(orders, key=lambda o: o.pk)
        ]
        header = [_("通知书编号"), _("存在问题"), _("责任人"), _("整改期限"), _("整改情况")]
        _table(doc, header, rows, (33, 35, 20, 32, 36), centred=(0, 3), min_height_mm=7)
    elif inspection.failures:
        _note(doc, _("本次检查未下达整改通知书。"))
    else:
        _note(doc, _("本次检查未发现须整改的问题。"))

    _signature(doc, _("检查人员签字"), before=20)
    _signature(doc, _("被检查单位（人）签字"))
    _footer(doc, printed_by)
    return _save(doc)


# --- The rectification notice


def notice_file_name(order: Rectification) -> str:
    return file_name(_("整改通知书"), order.number)


def _addressee(order: Rectification) -> tuple[str, str]:
    """Whom the notice is written to, and how its body names what was found wanting."""
    inspection = order.inspection
    if inspection.unit_id:
        return inspection.unit.name, _("你单位")
    if inspection.dwelling_id:
        return order.responsible, _("你出租的房屋（%(address)s）") % {
            "address": inspection.dwelling.address
        }
    return order.responsible, inspection.site


def _body(doc: DocxDocument, text: str, *, indent: bool = True):
    paragraph = doc.add_paragraph(text, style="通知正文")
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters
    return paragraph


def _finding(order: Rectification) -> str:
    """What the order says was found, with what the inspector noted beside the failing item
    (疏散通道堆放杂物（后门堆放纸箱）)."""
    finding = order.finding.rstrip("。；;，,")
    notes = [a.note for a in order.inspection.answers.all() if a.item_id == order.item_id]
    if order.item_id and notes and notes[0] and notes[0] not in finding:
        finding += f"（{notes[0].rstrip('。')}）"
    return finding


def _rechecks(doc: DocxDocument, order: Rectification) -> None:
    rechecks = list(order.rechecks.all())
    if not rechecks:
        return
    _heading(doc, _("复查情况"))
    rows = []
    for r in rechecks:
        if r.passed:
            result = _("已整改到位")
        else:
            result = _("未整改到位，限期至%(day)s") % {"day": chinese_date(r.new_deadline)}
        who = (r.by.name or r.by.username) if r.by else ""
        rows.append([chinese_date(r.date), result, r.note, who])
    _table(
        doc,
        [_("复查日期"), _("复查结果"), _("复查情况"), _("复查人")],
        rows,
        (34, 44, 52, 26),
        centred=(0, 3),
        min_height_mm=7,
    )
    if order.closed_on is not None:
        text = _("该隐患已于%(day)s整改完毕，予以销号。") % {"day": chinese_date(order.closed_on)}
    else:
        text = _("尚未整改完毕，当前整改期限为%(day)s。") % {"day": chinese_date(order.deadline)}
    _note(doc, text).paragraph_format.space_before = Pt(4)


def _cut_line(doc: DocxDocument) -> None:
    line = _note(
        doc, _("- - - - - - - - - - - - - - - - （沿此线剪开） - - - - - - - - - - - - - - - -")
    )
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    line.paragraph_format.space_before = Pt(16)
    line.paragraph_format.space_after = Pt(10)
    line.paragraph_format.keep_with_next = True


def _receipt(doc: DocxDocument, order: Rectification, issuer: str, addressee: str, problem: str):
    """The part below the cut line, signed and handed back to the community; kept on one page
    (each paragraph keeps with the next)."""
    _cut_line(doc)
    _title(doc, _("整改通知书回执"), after=2)
    block = [
        _note(doc, _("编号：%(number)s") % {"number": order.number}, right=True),
        _body(doc, f"{issuer}：", indent=False),
        _body(
            doc,
            _(
                "你单位%(day)s下达的整改通知书（%(number)s）已收到。对通知书所列%(problem)s，"
                "我单位（本人）将于%(deadline)s前整改完毕。"
            )
            % {
                "day": chinese_date(order.issued_on),
                "number": order.number,
                "problem": problem,
                "deadline": chinese_date(order.first_deadline),
            },
        ),
        _body(doc, _("被通知单位（人）：%(who)s") % {"who": addressee}),
    ]
    for paragraph in doc.paragraphs[-len(block) - 1 :]:
        paragraph.paragraph_format.keep_with_next = True
    receipt = doc.add_paragraph(
        _("签收人：________________　　签收日期：%(date)s") % {"date": BLANK_DATE}
    )
    receipt.paragraph_format.space_before = Pt(16)


def rectification_document(order: Rectification, *, printed_by: User | None) -> bytes:
    """整改通知书: to the unit (or the landlord, or whoever answers for a site), what was found
    and by when it must be put right, under the community's seal, with a receipt to tear off
    and, once re-checked, the re-check results."""
    inspection = order.inspection
    issuer = committee(order.place)
    addressee, subject = _addressee(order)
    problem = _("安全隐患") if inspection.area in HAZARD_AREAS else _("问题")
    doc = Document()
    _setup(doc)
    _title(doc, _("整改通知书"), after=2)
    _note(doc, _("编号：%(number)s") % {"number": order.number}, right=True)

    _body(doc, f"{addressee}：", indent=False).paragraph_format.space_before = Pt(8)
    _body(
        doc,
        _("经%(day)s检查，%(subject)s存在以下%(problem)s：")
        % {
            "day": chinese_date(inspection.date),
            "subject": subject,
            "problem": problem,
        },
    )
    _body(doc, f"{_finding(order)}。")
    if order.requirement:
        _body(doc, _("整改要求：%(text)s") % {"text": order.requirement.rstrip("。") + "。"})
    _body(
        doc,
        _(
            "请于%(deadline)s前整改完毕。整改期间，应当采取必要的防范措施，确保安全；整改完毕后"
            "请及时告知社区，社区将组织复查。逾期未整改的，将报请有关部门依法处理。"
        )
        % {"deadline": chinese_date(order.first_deadline)},
    )
    if order.responsible and order.responsible != addressee:
        _body(doc, _("整改责任人：%(who)s") % {"who": order.responsible})
    _body(doc, _("检查人员：%(names)s") % {"names": inspection.inspector_names()})

    seal = _body(doc, _("%(issuer)s（盖章）") % {"issuer": issuer}, indent=False)
    seal.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    seal.paragraph_format.space_before = Pt(24)
    issued = _body(doc, chinese_date(order.issued_on), indent=False)
    issued.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    issued.paragraph_format.right_indent = Pt(28)

    _rechecks(doc, order)

    _receipt(doc, order, issuer, addressee, problem)
    _footer(doc, None)
    return _save(doc)


# --- The blank checklist


def blank_file_name(version: ChecklistVersion) -> str:
    return file_name(
        _("空白检查表"), version.checklist.name, _("第%(n)d版") % {"n": version.number}
    )


def _blank_answer(item: ChecklistItem) -> str:
    if item.kind in (ChecklistItem.Kind.YES_NO, ChecklistItem.Kind.CHOICE):
        return "　".join(f"□{choice}" for choice in item.choice_list())
    if item.kind == ChecklistItem.Kind.NUMBER:
        return f"________{item.unit}"
    return ""


def blank_document(version: ChecklistVersion) -> bytes:
    """A published checklist version as a form to print and fill in on site: lines for the
    target, every item with tick boxes or a blank, and, for monitoring checklists, the counts
    table with empty cells."""
    checklist = version.checklist
    doc = Document()
    _setup(doc)
    _title(doc, _("%(name)s表") % {"name": checklist.name}, after=2)
    _note(doc, _("（第%(n)d版）") % {"n": version.number}).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _form_line(doc, (_("社区（网格）："), 84), after=_("　检查日期：") + BLANK_DATE)
    _form_line(doc, (_("被检查单位/房屋/场所："), 156))
    _form_line(doc, (_("地址："), 92), (_("　负责人/房东："), 156))

    _heading(doc, _("一、检查项目"))
    items = list(version.items.all())
    rows = [
        [str(n), f"{item.label}{'★' if item.needs_rectification else ''}", _blank_answer(item), ""]
        for n, item in enumerate(items, start=1)
    ]
    header = [_("序号"), _("检查项目"), _("检查结果"), _("问题描述")]
    _table(doc, header, rows, (12, 62, 44, 38), centred=(0,), min_height_mm=8.5)
    if any(item.needs_rectification for item in items):
        _note(doc, _("注：带“★”的项目不合格时，须下达整改通知书。"))
    sections = iter(NUMERALS[1:])

    if checklist.counts:
        _heading(doc, _("%(n)s、病媒生物监测") % {"n": next(sections)})
        rows = [[c, "", "", ""] for c in RoomCount.Category.values] + [[_("合计"), "", "", ""]]
        header = [_("房间类别"), _("检查房间数"), _("鼠迹阳性房间数"), _("防鼠设施不合格房间数")]
        _table(doc, header, rows, (36, 36, 40, 44), centred=(0,), min_height_mm=8)
        line = _note(doc, _("外环境：检查长度________米，发现鼠洞________个。"))
        line.paragraph_format.space_before = Pt(6)

    _heading(doc, _("%(n)s、检查结论") % {"n": next(sections)})
    doc.add_paragraph(_("□合格　　□不合格（不合格项目共____项）"))
    _form_line(doc, (_("整改要求及期限："), 156), before=4)
    _form_line(doc, ("", 156))

    _signature(doc, _("检查人员签字"), before=20)
    _signature(doc, _("被检查单位（人）签字"))
    _footer(doc, None)
    return _save(doc)
