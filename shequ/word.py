"""Word (.docx) helpers shared by every document shequ prints: the fonts Chinese offices
expect, named on styles, and table layout that Word, WPS and LibreOffice all honour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table

LATIN = "Times New Roman"
SONG, FANGSONG, HEI = "宋体", "仿宋", "黑体"


def east_asian_fonts(element, east_asian: str) -> None:
    """Name the Latin and the East Asian font on a style's or the defaults' run properties,
    dropping the theme fonts that would otherwise win over them."""
    rpr = element.find(qn("w:rPr"))
    if rpr is None and hasattr(element, "get_or_add_rPr"):  # a style, in schema order
        rpr = element.get_or_add_rPr()
    elif rpr is None:  # the document defaults
        rpr = OxmlElement("w:rPr")
        element.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def column_widths(table: Table, widths_mm: Sequence[float]) -> None:
    """Fixed column widths, on the grid (what LibreOffice and WPS read) and on every cell
    (what Word reads)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def repeat_header(table: Table) -> None:
    """The header row prints again at the top of each page the table runs onto."""
    trpr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def official_page(doc: Document, *, top_mm: float = 30, bottom_mm: float = 28) -> None:
    """A4 with the side margins of official documents (GB/T 9704): 宋体 by default, 仿宋 for
    the body text, no space after paragraphs."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(top_mm), Mm(bottom_mm)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            east_asian_fonts(rpr_default, SONG)
    normal = doc.styles["Normal"]
    east_asian_fonts(normal.element, FANGSONG)
    normal.paragraph_format.space_after = Pt(0)


def paragraph_style(doc: Document, name: str, east_asian: str, size: float, *, bold: bool = False):
    """A paragraph style on Normal with its own East Asian font (the existing one if the
    document has it already)."""
    if name in [s.name for s in doc.styles]:
        return doc.styles[name]
    style = doc.styles.add_style(name, 1)  # 1: a paragraph style
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(size)
    style.font.bold = bold
    east_asian_fonts(style.element, east_asian)
    return style


def page_number(paragraph) -> None:
    """A PAGE field at the end of `paragraph`: Word, WPS and LibreOffice fill in the number."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def keep_rows_whole(table: Table) -> None:
    """No row breaks across a page: a question and its answer stay on one sheet."""
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        cant_split = OxmlElement("w:cantSplit")
        cant_split.set(qn("w:val"), "true")
        trpr.insert(0, cant_split)
