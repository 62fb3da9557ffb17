"""A case printed as a Word document (.docx): a supervision file whole ("一人一档，一事一记")
or the record of a request, petition or dispute, in the layout Chinese offices file — a centred
title, a table of the basic facts, the timeline as a table, and lines to sign.

Fonts are named, not embedded: 宋体, 仿宋 and 黑体 are on every office PC with Word or WPS, and
LibreOffice maps them to the CJK fonts it has. The East Asian font is set on each style
(w:rFonts w:eastAsia); without it Word shows Chinese in its Latin font's fallback."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from areas.kinds import PlaceKind
from audit.masking import mask
from cases.models import Case, Event
from cases.services import money_summary
from people.models import Residence
from shequ.word import (
    FANGSONG,
    HEI,
    SONG,
    column_widths,
    official_page,
    paragraph_style,
    repeat_header,
)

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

    from accounts.models import User

WIDE = 16  # characters: a longer value takes a row of its own in the facts table

TITLES = {
    Case.Kind.REQUEST: gettext_lazy("居民诉求办理单"),
    Case.Kind.PETITION: gettext_lazy("信访事项办理单"),
    Case.Kind.DISPUTE: gettext_lazy("矛盾纠纷调解记录"),
    Case.Kind.CORRECTION: gettext_lazy("社区矫正对象档案"),
    Case.Kind.RELEASE: gettext_lazy("安置帮教对象档案"),
}
# Who signs at the foot: the one who handled it, and the one who reviews it.
SIGNERS = {
    Case.Kind.REQUEST: (gettext_lazy("承办人"), gettext_lazy("社区负责人")),
    Case.Kind.PETITION: (gettext_lazy("承办人"), gettext_lazy("社区负责人")),
    Case.Kind.DISPUTE: (gettext_lazy("调解员"), gettext_lazy("调委会主任")),
    Case.Kind.CORRECTION: (gettext_lazy("责任人"), gettext_lazy("司法所审核")),
    Case.Kind.RELEASE: (gettext_lazy("责任人"), gettext_lazy("司法所审核")),
}


def title_of(case: Case) -> str:
    return str(TITLES[case.kind])


def _setup(doc: DocxDocument) -> None:
    """仿宋 for text, 宋体 in tables, 黑体 for headings and a bold 宋体 title."""
    official_page(doc)
    doc.styles["Normal"].font.size = Pt(12)
    paragraph_style(doc, "档案标题", SONG, 22, bold=True)
    paragraph_style(doc, "档案小标题", HEI, 14)
    paragraph_style(doc, "表格文字", SONG, 10.5)
    paragraph_style(doc, "档案说明", FANGSONG, 10.5)


def _title(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph(text, style="档案标题")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(12)


def _heading(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph(text, style="档案小标题")
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.space_after = Pt(6)


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


def _facts(doc: DocxDocument, facts: list[tuple[str, str]]) -> None:
    """The basic facts two to a row (label, value, label, value); a long value has a row of
    its own, its value across the three cells to the right. A long one that comes while a
    short one waits for its partner follows the pair, so the grid has no half-empty rows."""
    rows: list[list[tuple[str, str]]] = []
    waiting: tuple[str, str] | None = None
    deferred: list[tuple[str, str]] = []
    for label, value in facts:
        value = str(value or "")
        if len(value) > WIDE:
            if waiting:
                deferred.append((label, value))
            else:
                rows.append([(label, value)])
        elif waiting is None:
            waiting = (label, value)
        else:
            rows.append([waiting, (label, value)])
            rows += [[fact] for fact in deferred]
            waiting, deferred = None, []
    rows += [[waiting]] if waiting else []
    rows += [[fact] for fact in deferred]
    table = doc.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, (28, 50, 28, 50))
    for tr, pairs in zip(table.rows, rows, strict=True):
        cells = tr.cells
        if len(pairs) == 1:
            _cell(cells[0], pairs[0][0], bold=True, centre=True)
            _cell(cells[1].merge(cells[3]), pairs[0][1])
            continue
        for n, (label, value) in enumerate(pairs):
            _cell(cells[2 * n], label, bold=True, centre=True)
            _cell(cells[2 * n + 1], value)


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _event_text(event: Event, case: Case) -> str:
    parts = []
    if event.data.get("rating"):
        parts.append(_("评价：%(rating)s") % {"rating": event.data["rating"]})
    if event.data.get("assignee"):
        who = _("责任人：%(name)s") if case.flow.supervision else _("承办人：%(name)s")
        parts.append(who % {"name": event.data["assignee"]})
    if event.note:
        parts.append(event.note)
    return "\n".join(parts)


def _timeline(doc: DocxDocument, case: Case, events: Sequence[Event]) -> None:
    table = doc.add_table(rows=1 + len(events), cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, (12, 34, 22, 70, 18))  # 156 mm: the width between the margins
    for cell, text in zip(
        table.rows[0].cells, (_("序号"), _("日期"), _("事项"), _("内容"), _("经办人")), strict=True
    ):
        _cell(cell, text, bold=True, centre=True)
    repeat_header(table)
    for n, (tr, event) in enumerate(zip(table.rows[1:], events, strict=True), start=1):
        cells = tr.cells
        _cell(cells[0], str(n), centre=True)
        _cell(cells[1], _when(event.at))
        _cell(cells[2], event.label, centre=True)
        _cell(cells[3], _event_text(event, case))
        _cell(cells[4], event.by_name, centre=True)


def _signatures(doc: DocxDocument, case: Case) -> None:
    doc.add_paragraph()
    for who in SIGNERS[case.kind]:
        line = doc.add_paragraph(
            _("%(who)s（签字）：__________________　　日期：　　　　年　　月　　日") % {"who": who}
        )
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.space_before = Pt(18)


def _footer(doc: DocxDocument, printed_by: User) -> None:
    """Who printed it and when, and the page number, at the foot of every page."""
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.style = "档案说明"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(
        _("打印人：%(who)s　打印时间：%(at)s　第")
        % {"who": printed_by.name, "at": f"{timezone.localtime():%Y-%m-%d %H:%M}"}
    )
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(_("页"))


def _person_facts(case: Case, full: bool) -> list[tuple[str, str]]:
    subject = case.subject
    id_number = subject.id_number if full else mask(subject.id_number)
    flow = case.flow
    return [
        (_("姓名"), subject.name),
        (_("性别"), subject.sex),
        (_("出生日期"), _day(subject.birth_date)),
        (_("档案编号"), case.number),
        (_("身份证号码"), id_number),
        (str(flow.category_label), case.category),
        (
            _("起止日期"),
            _("%(start)s 至 %(end)s")
            % {"start": _day(case.starts_on), "end": _day(case.ends_on) or _("未定")},
        ),
        (_("状态"), case.state),
        (_("责任人"), case.assignee.name if case.assignee else ""),
        (_("监护人/联系人"), case.guardian),
        (
            _("监护人电话"),
            (case.guardian_phone if full else mask(case.guardian_phone))
            if case.guardian_phone
            else "",
        ),
        (_("小组成员"), case.team),
        (_("现住址"), _address(subject)),
        (_("基本情况"), case.description or case.title),
    ]


def _address(subject) -> str:
    home = (
        Residence.objects.current()
        .filter(resident=subject)
        .values_list("household__dwelling__address", flat=True)
        .first()
    )
    return home or ""


def _parties(case: Case):
    return case.parties.select_related("resident", "household", "unit")


def _case_facts(case: Case, full: bool) -> list[tuple[str, str]]:
    flow = case.flow
    phone = case.reporter_phone if full else mask(case.reporter_phone)
    person = {
        Case.Kind.REQUEST: _("反映人"),
        Case.Kind.PETITION: _("信访人"),
        Case.Kind.DISPUTE: _("申请人"),
    }[case.kind]
    handler = _("调解员") if case.kind == Case.Kind.DISPUTE else _("承办人")
    facts = [
        (_("编号"), case.number),
        (
            _("受理时间") if case.kind == Case.Kind.REQUEST else _("登记时间"),
            _when(case.received_at),
        ),
        (_("来源渠道"), case.channel),
        (str(flow.category_label), case.category),
        (person, case.reporter_name),
        (_("联系电话"), phone),
    ]
    if case.kind == Case.Kind.DISPUTE:
        parties = "、".join(f"{p.shown_name}（{p.role}）" for p in _parties(case))
        facts.append((_("当事人"), parties))
    facts += [
        (_("地址"), case.address),
        (handler, case.assignee.name if case.assignee else ""),
        (_("办理期限"), _day(case.due)),
        (_("办结时间"), _when(case.done_at)),
        (_("结案时间"), _when(case.closed_at)),
        (_("状态"), case.state),
    ]
    if case.kind == Case.Kind.REQUEST:
        facts.append((_("回访评价"), case.rating))
    if case.kind == Case.Kind.DISPUTE and case.agreed is not None:
        facts.append((_("调解结果"), _("调解成功") if case.agreed else _("调解不成功")))
    facts += [(_("事由"), case.title), (_("具体内容"), case.description)]
    return facts


def _tally(doc: DocxDocument, case: Case, events: Sequence[Event]) -> None:
    """How often each kind of entry was made over the whole file: what a checker looks for
    first (monthly visits and reports)."""
    counts = Counter(e.label for e in events if e.action != "open")
    if not counts:
        return
    text = "、".join(
        _("%(label)s%(n)d次") % {"label": label, "n": n} for label, n in counts.items()
    )
    doc.add_paragraph(_("档案记录合计：%(text)s。") % {"text": text}, style="档案说明")


def _money(doc: DocxDocument, case: Case) -> None:
    prefetch_related_objects([case], "payments")  # read once, here and by money_summary
    if not case.payments.all():
        return
    summary = money_summary(case)
    _heading(doc, _("收支情况"))
    doc.add_paragraph(
        _(
            "收取%(collected)s元，垫付%(advanced)s元，支出%(spent)s元，归还垫付%(repaid)s元；结余%(balance)s元。"
        )
        % summary,
        style="档案说明",
    )


def _surveys(doc: DocxDocument, case: Case) -> None:
    surveys = list(case.surveys.prefetch_related("answers"))
    if not surveys:
        return
    _heading(doc, _("入户征询"))
    for survey in surveys:
        counts = Counter(a.answer for a in survey.answers.all())
        shown = "、".join(
            _("%(choice)s%(n)d户") % {"choice": choice, "n": counts.get(choice, 0)}
            for choice in survey.choice_list()
        )
        doc.add_paragraph(
            _("%(question)s：%(answers)s") % {"question": survey.question, "answers": shown},
            style="档案说明",
        )


def _place_name(place) -> str:
    """A grid with its community ("柳岸社区第二网格"): grids are numbered alike everywhere."""
    if place.kind == PlaceKind.GRID and place.parent is not None:
        return f"{place.parent.name}{place.name}"
    return place.name


def case_document(case: Case, events: Sequence[Event], *, full: bool, printed_by: User) -> bytes:
    """The case as a .docx; ID numbers and phones in full only when `full`."""
    doc = Document()
    _setup(doc)
    _title(doc, title_of(case))
    heading = doc.add_paragraph(style="档案说明")
    heading.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    heading.add_run(_("所属区划：%(place)s　编号：%(number)s") % {
        "place": _place_name(case.place), "number": case.number,
    })  # fmt: skip
    _heading(doc, _("一、基本情况"))
    if case.flow.supervision:
        _facts(doc, _person_facts(case, full))
    else:
        _facts(doc, _case_facts(case, full))
    _heading(doc, _("二、办理记录") if not case.flow.supervision else _("二、档案记录"))
    _timeline(doc, case, events)
    if case.flow.supervision:
        _tally(doc, case, events)
    else:
        _surveys(doc, case)
        _money(doc, case)
    _signatures(doc, case)
    _footer(doc, printed_by)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
