"""The year-end summary as a Word document: a .docx template with placeholders (docxtpl, Jinja
in a sandbox) filled from reports/summary.py, then an appendix we add ourselves — every figure
in the text with its definition and the number of records behind it — whatever the template.

The default template is built here with python-docx (`default_template()`; `shequ report
default-template` writes it to reports/templates/summary/default.docx, the committed copy).
An office's own template is checked when uploaded by filling it with `sample_context()`: a
placeholder that cannot be filled is refused with a Chinese message, and nothing is stored.
The placeholders a template may use are listed in docs/summary-template.md."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from reports import catalogue
from reports.summary import Summary, numeral, text
from shequ.errors import DomainError
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

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "summary" / "default.docx"

# Styles of the default template; the appendix adds the two it needs to any template.
TITLE, HEADING, BODY, SIGNATURE = "总结标题", "总结一级标题", "总结正文", "总结落款"
TABLE_TEXT, NOTE = "总结表格文字", "总结说明"


# What a template may use, for the templates page and docs/summary-template.md (a test keeps
# the three in step with `context()`).
PLACEHOLDERS: list[tuple[str, str | Promise]] = [
    ("{{ title }}", gettext_lazy("标题，如“柳岸社区2026年度工作总结”")),
    ("{{ place }}", gettext_lazy("区划名称")),
    ("{{ place_kind }}", gettext_lazy("区划层级：社区、街道或区")),
    ("{{ author }}", gettext_lazy("落款：区划名称，部门总结为区划加部门，个人总结为本人姓名")),
    ("{{ upper }}", gettext_lazy("上级区划名称")),
    ("{{ year }}", gettext_lazy("年度")),
    ("{{ period }}", gettext_lazy("统计期间，如“2026年1月1日至2026年12月31日”")),
    ("{{ date }}", gettext_lazy("生成日期（落款用），如“2027年1月5日”")),
    ("{{ generated_at }} {{ generated_by }}", gettext_lazy("生成时间、生成人")),
    ("{{ intro }}", gettext_lazy("开头一段")),
    ("{{ headings.basic }}", gettext_lazy("“一、基本情况”")),
    ("{%p for p in basic %}{{ p }}{%p endfor %}", gettext_lazy("基本情况的各段")),
    (
        "{%p for s in sections %}{{ s.heading }}{%p for p in s.paragraphs %}{{ p }}"
        "{%p endfor %}{%p endfor %}",
        gettext_lazy(
            "各项工作：带序号的标题（s.heading，如“二、日常工作开展情况”）、不带序号的标题"
            "（s.title）和各段；没有记录的方面不出现"
        ),
    ),
    ("{{ left_out }}", gettext_lazy("说明哪些方面本期没有记录、未列入（都有记录时为空）")),
    (
        "{{ headings.shortcomings }} {{ headings.plans }}",
        gettext_lazy("“存在的不足”“下一步工作计划”带序号的标题"),
    ),
    (
        "{%p for item in shortcomings %}{{ item }}{%p endfor %}",
        gettext_lazy("存在的不足，每条一段（plans 同样）"),
    ),
    ("{{ loop.index|cn }}", gettext_lazy("在循环中：一、二、三……")),
    (
        "{{ n.records_activity }}",
        gettext_lazy(
            "某项指标的数字：n. 加指标编号（点换成下划线）；"
            "“指标说明”页每项指标名称下的灰色小字即是"
        ),
    ),
    (
        "{{ rates.requests_closed.percent }}",
        gettext_lazy(
            "比率及其分子、分母（.numerator、.denominator）：rates. 加比率编号去掉“rate.”；"
            "不是百分比的比率带自己的单位，如外环境鼠洞密度“2.0个/公里”"
        ),
    ),
]


class TemplateProblem(DomainError):
    """A template that cannot be filled: the message says where, in Chinese."""


# --- Building the default template -------------------------------------------------------------


def _body_style(doc: DocxDocument):
    """仿宋 三号 (16 pt) on a fixed 28-pt line, first line indented two characters: the
    body of an official document (GB/T 9704)."""
    style = paragraph_style(doc, BODY, FANGSONG, 16)
    fmt = style.paragraph_format
    fmt.first_line_indent = Pt(32)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(0)
    return style


def _setup(doc: DocxDocument) -> None:
    official_page(doc, top_mm=37, bottom_mm=35)
    title = paragraph_style(doc, TITLE, SONG, 22, bold=True)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    heading = paragraph_style(doc, HEADING, HEI, 16)
    heading.paragraph_format.first_line_indent = Pt(32)
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    heading.paragraph_format.line_spacing = Pt(28)
    heading.paragraph_format.keep_with_next = True
    _body_style(doc)
    signature = paragraph_style(doc, SIGNATURE, FANGSONG, 16)
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.right_indent = Pt(32)
    paragraph_style(doc, TABLE_TEXT, SONG, 10.5)
    paragraph_style(doc, NOTE, FANGSONG, 12)


def _page_number(doc: DocxDocument) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    digits = OxmlElement("w:t")
    digits.text = "1"
    run.append(digits)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


# The default template, line by line: (style, text). A `{%p … %}` line is a control line that
# docxtpl removes with its paragraph.
DEFAULT_LINES: list[tuple[str, str]] = [
    (TITLE, "{{ title }}"),
    (BODY, "{{ intro }}"),
    (HEADING, "{{ headings.basic }}"),
    (BODY, "{%p for p in basic %}"),
    (BODY, "{{ p }}"),
    (BODY, "{%p endfor %}"),
    (BODY, "{%p for s in sections %}"),
    (HEADING, "{{ s.heading }}"),
    (BODY, "{%p for p in s.paragraphs %}"),
    (BODY, "{{ p }}"),
    (BODY, "{%p endfor %}"),
    (BODY, "{%p endfor %}"),
    (BODY, "{%p if left_out %}"),
    (BODY, "{{ left_out }}"),
    (BODY, "{%p endif %}"),
    (HEADING, "{{ headings.shortcomings }}"),
    (BODY, "{%p for item in shortcomings %}"),
    (BODY, "（{{ loop.index|cn }}）{{ item }}"),
    (BODY, "{%p endfor %}"),
    (HEADING, "{{ headings.plans }}"),
    (BODY, "{%p for item in plans %}"),
    (BODY, "（{{ loop.index|cn }}）{{ item }}"),
    (BODY, "{%p endfor %}"),
    (BODY, ""),
    (SIGNATURE, "{{ author }}"),
    (SIGNATURE, "{{ date }}"),
]


def default_template() -> bytes:
    """The default template, built with python-docx (what reports/templates/summary/
    default.docx holds)."""
    doc = Document()
    _setup(doc)
    for style, line in DEFAULT_LINES:
        doc.add_paragraph(line, style=style)
    _page_number(doc)
    doc.core_properties.title = "{{ title }}"
    doc.core_properties.author = "{{ place }}"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_default_template(path: Path = DEFAULT_TEMPLATE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(default_template())
    return path


def placeholders(data: bytes) -> list[str]:
    """Every `{{ … }}` and `{% … %}` in a template's body, headers and footers, in order, as
    docxtpl reads them (after joining the runs Word splits them into)."""
    template = DocxTemplate(io.BytesIO(data))
    template.init_docx()
    xml = template.patch_xml(template.get_xml())
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _rel, part in template.get_headers_footers(uri):
            xml += template.patch_xml(template.get_part_xml(part))
    return re.findall(r"\{\{.*?\}\}|\{%.*?%\}", xml)


# --- Filling a template -----------------------------------------------------------------------


@dataclass(frozen=True)
class AppendixRow:
    name: str
    value: str
    definition: str
    rows: int | str


def _key(id_: str) -> str:
    """A placeholder name for an indicator: records.activity → records_activity."""
    return id_.replace(".", "_")


def appendix(summary: Summary) -> list[AppendixRow]:
    """Every figure the text names, in order, with its definition and records; then the
    rates the text gives, each with its numerator and denominator."""
    figures = summary.figures
    rows = []
    for id_ in summary.used():
        indicator = catalogue.indicator(id_)
        rows.append(
            AppendixRow(
                f"{indicator.name}（{indicator.unit}）",
                summary.numbers[id_],
                str(indicator.definition) + summary.subject.note(indicator),
                figures.rows.get(id_, 0),
            )
        )
    used = set(summary.used())
    for rate in summary.rates:
        if rate.numerator.id in used and rate.denominator.id in used:
            top, bottom, _value = figures.rate(rate)
            if not bottom:
                continue
            counts = rate.counts(
                summary.numbers[rate.numerator.id], summary.numbers[rate.denominator.id]
            )
            rows.append(
                AppendixRow(
                    str(rate.name),
                    f"{rate.shown(top, bottom)}\n（{counts}）",
                    str(rate.definition),
                    figures.rows.get(rate.denominator.id, 0),
                )
            )
    # The gaps the prompts name: counted from the records too, though not indicators.
    for gap in summary.unvisited:
        rows.append(
            AppendixRow(
                _("未走访的%(group)s（%(unit)s）") % {"group": gap.category, "unit": gap.unit},
                str(gap.count),
                _(
                    "统计期间内任一时间在%(group)s登记中、期间内本人或其所住户（户的任一成员）"
                    "没有走访记录的%(unit)s数（与“走访覆盖率”页面一致）"
                )
                % {"group": gap.category, "unit": gap.unit},
                gap.count,
            )
        )
    if summary.unreported:
        rows.append(
            AppendixRow(
                _("矛盾纠纷排查未报（个半月）"),
                str(summary.unreported),
                _("统计期间内已结束、社区及其网格均未登记排查（含零报告）的半月数，按社区计"),
                summary.unreported,
            )
        )
    return rows


def context(
    summary: Summary,
    *,
    shortcomings: list[str],
    plans: list[str],
    by: str,
    at=None,
) -> dict[str, Any]:
    """What a template's placeholders are filled with (docs/summary-template.md)."""
    at = timezone.localtime(at or timezone.now())
    visible = {i.id for i in summary.indicators}
    numbers = {
        _key(i.id): summary.numbers[i.id] if i.id in visible else "—" for i in catalogue.INDICATORS
    }
    rates = {}
    for rate in catalogue.RATES:
        if rate in summary.rates:
            top, bottom, _value = summary.figures.rate(rate)
            shown = rate.shown(top, bottom)
            rates[_key(rate.id.removeprefix("rate."))] = {
                "percent": shown,
                "numerator": summary.numbers[rate.numerator.id],
                "denominator": summary.numbers[rate.denominator.id],
            }
        else:
            rates[_key(rate.id.removeprefix("rate."))] = {
                "percent": "—",
                "numerator": "—",
                "denominator": "—",
            }
    place = summary.place
    left_out = ""
    if summary.left_out:
        left_out = _("本期没有登记%(areas)s方面的记录，未列入总结。") % {
            "areas": "、".join(summary.left_out)
        }
    author = place.name
    if summary.subject.worker is not None:
        author = summary.subject.worker.name
    elif summary.subject.department is not None:
        author = f"{place.name}{summary.subject.department.office}"
    return {
        "title": summary.title,
        "place": place.name,
        "author": author,
        "place_kind": place.get_kind_display(),
        "upper": place.parent.name if place.parent_id else "",
        "year": summary.span.end.year,
        "period": _("%(start)s至%(end)s")
        % {"start": _cn_day(summary.span.start), "end": _cn_day(summary.span.end)},
        "date": _cn_day(at.date()),
        "generated_at": f"{at:%Y-%m-%d %H:%M}",
        "generated_by": by,
        "intro": text(summary.intro),
        "headings": summary.headings,
        "basic": [text(p) for p in summary.basic],
        "sections": [
            {
                "heading": s.heading,
                "title": s.title,
                "paragraphs": [text(p) for p in s.paragraphs],
            }
            for s in summary.sections
        ],
        "left_out": left_out,
        "shortcomings": shortcomings,
        "plans": plans,
        "n": numbers,
        "rates": rates,
    }


def sample_context() -> dict[str, Any]:
    """A context with one of everything, to try an uploaded template on."""
    numbers = {_key(i.id): "1" for i in catalogue.INDICATORS}
    rates = {
        _key(r.id.removeprefix("rate.")): {
            "percent": r.shown(1, 1),
            "numerator": "1",
            "denominator": "1",
        }
        for r in catalogue.RATES
    }
    return {
        "title": _("示例社区2026年度工作总结"),
        "place": _("示例社区"),
        "author": _("示例社区"),
        "place_kind": _("社区"),
        "upper": _("示例街道"),
        "year": 2026,
        "period": _("2026年1月1日至2026年12月31日"),
        "date": _("2027年1月5日"),
        "generated_at": "2027-01-05 09:00",
        "generated_by": _("示例"),
        "intro": _("示例"),
        "headings": {
            "basic": _("一、基本情况"),
            "shortcomings": _("三、存在的不足"),
            "plans": _("四、下一步工作计划"),
        },
        "basic": [_("示例")],
        "sections": [{"heading": _("二、示例"), "title": _("示例"), "paragraphs": [_("示例")]}],
        "left_out": _("示例"),
        "shortcomings": [_("示例")],
        "plans": [_("示例")],
        "n": numbers,
        "rates": rates,
    }


def _cn_day(day) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def _environment() -> SandboxedEnvironment:
    """An uploaded template is code: it runs sandboxed (no attribute tricks reach Python), a
    name it does not know is an error rather than a blank, and values are XML-escaped."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
    env.filters["cn"] = numeral
    return env


def fill(template: bytes, ctx: dict[str, Any], rows: list[AppendixRow], note: str) -> bytes:
    """The template filled with `ctx`, then the appendix; TemplateProblem when it cannot be."""
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(ctx, _environment())
        _add_appendix(document.docx, rows, note)
        out = io.BytesIO()
        document.save(out)
    except TemplateError as exc:
        raise TemplateProblem(_problem(exc), field="file") from exc
    except Exception as exc:  # a broken .docx inside: lxml, zip or python-docx errors
        raise TemplateProblem(
            _(
                "无法使用这个Word模板：文件内容无法读取或填写（%(kind)s）。请在Word中另存为.docx后重试。"
            )
            % {"kind": type(exc).__name__},
            field="file",
        ) from exc
    return out.getvalue()


def check_template(template: bytes) -> None:
    """Refuse a template that cannot be filled (tried on `sample_context()`)."""
    fill(template, sample_context(), [], "")


def _problem(exc: TemplateError) -> str:
    near = "".join(getattr(exc, "docx_context", []) or []).strip()
    where = _("（出错位置附近的文字：“%(text)s”）") % {"text": near[:60]} if near else ""
    if isinstance(exc, UndefinedError):
        message = str(exc.message or "")
        name = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", message)
        shown = next((g for g in name.groups() if g), message) if name else message
        return _("模板中的占位符“%(name)s”不存在，请对照占位符说明修改后重新上传%(where)s。") % {
            "name": shown,
            "where": where,
        }
    if isinstance(exc, SecurityError):
        return _("模板中含有不允许使用的写法，请只使用说明中列出的占位符%(where)s。") % {
            "where": where
        }
    if isinstance(exc, TemplateSyntaxError):
        return _(
            "模板中的占位符写法有误（%(detail)s）：请检查“{{ }}”和“{%% %%}”是否成对、"
            "循环和条件是否都有结尾%(where)s。"
        ) % {"detail": exc.message, "where": where}
    return _("模板无法填写（%(detail)s）%(where)s。") % {"detail": str(exc), "where": where}


# --- The appendix -------------------------------------------------------------------------------


def _cell(cell, value: str, *, bold: bool = False, centre: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = TABLE_TEXT
    run = paragraph.add_run(str(value))
    run.bold = bold
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _grid(table) -> None:
    """Single lines around and between all cells, set on the table itself: an office's
    template need not carry Word's "Table Grid" style."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    table._tbl.tblPr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )


def _add_appendix(doc: DocxDocument, rows: list[AppendixRow], note: str) -> None:
    """On a new page: 附件 with every figure, its definition and records. Styles it needs are
    added when the template lacks them."""
    if not rows:
        return
    paragraph_style(doc, TABLE_TEXT, SONG, 10.5)
    paragraph_style(doc, NOTE, FANGSONG, 12)
    heading = paragraph_style(doc, "总结附件标题", HEI, 16)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph(_("附件：统计数字及口径"), style=heading)
    doc.add_paragraph(note, style=NOTE)
    table = doc.add_table(rows=1 + len(rows), cols=5)
    _grid(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    column_widths(table, (12, 36, 24, 68, 16))  # 156 mm between the margins
    headers = (_("序号"), _("统计项目"), _("数字"), _("统计口径"), _("记录数"))
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, header, bold=True, centre=True)
    repeat_header(table)
    for n, (tr, row) in enumerate(zip(table.rows[1:], rows, strict=True), start=1):
        cells = tr.cells
        _cell(cells[0], str(n), centre=True)
        _cell(cells[1], row.name)
        _cell(cells[2], row.value, centre=True)
        _cell(cells[3], row.definition)
        _cell(cells[4], str(row.rows), centre=True)
