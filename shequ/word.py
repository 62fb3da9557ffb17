"""Word (.docx) helpers shared by every document shequ prints: the fonts Chinese offices
expect, named on styles, and table layout that Word, WPS and LibreOffice all honour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

if TYPE_CHECKING:
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
