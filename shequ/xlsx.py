"""Reading and writing the .xlsx files workers exchange.

Reading checks the file before trusting it: a real .xlsx (a zip with a workbook), not too large
once unpacked, not too many entries (zip bombs), no merged cells or formulas in the data, the
headers expected. Values come through python-calamine, which reads ten times faster than
openpyxl. Writing goes through XlsxWriter in constant memory, ID numbers always as text."""

from __future__ import annotations

import datetime
import decimal
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import python_calamine
import xlsxwriter
from django.utils.translation import gettext as _

from shequ.errors import DomainError

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 500
_FORMULA_MARKS = (b"<f>", b"<f ", b"<x:f>", b"<x:f ")


class SpreadsheetError(DomainError):
    """The file as a whole cannot be read; nothing in it was used."""


class Row:
    """One data row: its number as Excel shows it, and its values by header."""

    __slots__ = ("_index", "_names", "number", "values")

    def __init__(
        self, number: int, values: list[Any], index: dict[str, int], names: list[str]
    ) -> None:
        self.number, self.values, self._index, self._names = number, values, index, names

    def __contains__(self, header: str) -> bool:
        return header in self._index

    def position(self, header: str) -> int | None:
        """The header's column in `values` (None when the sheet lacks it): for code that reads
        every row of a file by position."""
        return self._index.get(header)

    def value(self, header: str) -> Any:
        position = self._index.get(header)
        if position is None or position >= len(self.values):
            return ""
        return self.values[position]

    def text(self, header: str) -> str:
        position = self._index.get(header)
        if position is None or position >= len(self.values):
            return ""
        value = self.values[position]
        return value.strip() if type(value) is str else text(value)

    def date(self, header: str) -> datetime.date | None:
        return date(self.value(header))

    def texts(self) -> dict[str, str]:
        """Every cell as stripped text, by header: one pass for code that reads most columns.
        Columns beyond the row's last cell are left out (read them with .get(header, ""))."""
        return {
            header: value.strip() if type(value) is str else text(value)
            for header, value in zip(self._names, self.values, strict=False)
            if header
        }


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_zip(data: IO[bytes]) -> list[str]:
    try:
        archive = zipfile.ZipFile(data)
    except zipfile.BadZipFile:
        raise SpreadsheetError(_("文件不是Excel工作簿（.xlsx），请另存为.xlsx后再上传")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise SpreadsheetError(
                _("文件包含的部件过多（%(n)d个），不像正常的Excel工作簿") % {"n": len(entries)}
            )
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > MAX_UNPACKED_BYTES:
            raise SpreadsheetError(
                _("文件解压后达%(mb)d MB，超过50 MB的上限，请拆分后分批导入")
                % {"mb": unpacked // (1024 * 1024)}
            )
        names = [entry.filename for entry in entries]
        if "xl/workbook.xml" not in names:
            raise SpreadsheetError(_("文件不是Excel工作簿（.xlsx），请另存为.xlsx后再上传"))
        sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        inflated = 0
        for name in sheets:
            with archive.open(name) as sheet:
                tail = b""
                while chunk := sheet.read(1 << 20):
                    # The sizes a zip declares can lie; what comes out cannot.
                    inflated += len(chunk)
                    if inflated > MAX_UNPACKED_BYTES:
                        raise SpreadsheetError(_("文件解压后超过50 MB的上限，请拆分后分批导入"))
                    window = tail + chunk
                    found = [window.find(mark) for mark in _FORMULA_MARKS]
                    found = [at for at in found if at >= 0]
                    if found:
                        cell = _cell_before(window, min(found))
                        raise SpreadsheetError(
                            _("表格中含有公式（%(cell)s），请复制后“选择性粘贴为数值”再导入")
                            % {"cell": cell or _("位置未知")}
                        )
                    tail = chunk[-200:]
    return sheets


def _cell_before(xml: bytes, at: int) -> str:
    """The reference ("F3") of the cell element a formula mark at `at` sits in."""
    starts = list(re.finditer(rb'<(?:x:)?c r="([A-Z]+[0-9]+)"', xml[max(0, at - 400) : at]))
    return starts[-1].group(1).decode() if starts else ""


def read_rows(
    data: IO[bytes], *, headers: Sequence[str], required: Sequence[str] = ()
) -> Iterator[Row]:
    """The rows of the first sheet below its header row. A header row that
    lacks a required column, has an unknown one or repeats one is refused; so are merged cells
    and empty rows between data rows. Trailing empty rows are ignored."""
    _check_zip(data)
    data.seek(0)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(data)
        sheet = workbook.get_sheet_by_index(0)
    except Exception:  # calamine's errors carry no useful distinction for the user
        raise SpreadsheetError(_("无法读取该Excel文件，文件可能已损坏或加密")) from None
    if sheet.merged_cell_ranges:
        (r0, c0), (r1, c1) = sheet.merged_cell_ranges[0]
        raise SpreadsheetError(
            _("表格中有合并单元格（%(a)s%(r0)d:%(b)s%(r1)d），请取消合并后再导入")
            % {"a": column_letter(c0), "r0": r0 + 1, "b": column_letter(c1), "r1": r1 + 1}
        )
    rows = sheet.iter_rows()
    start = sheet.start[0] if sheet.start else 0
    header_row: list[str] | None = None
    header_number = start
    for offset, raw in enumerate(rows):
        cells = [str(v).strip() for v in raw]
        if any(cells):
            header_row = cells
            header_number = start + offset + 1
            break
    if header_row is None:
        raise SpreadsheetError(_("表格是空的"))
    _check_headers(header_row, headers, required)
    index = {name: i for i, name in enumerate(header_row) if name}
    first_blank = 0
    for number, values in enumerate(rows, start=header_number + 1):
        if not _any_present(values):
            first_blank = first_blank or number
            continue
        if first_blank:
            raise SpreadsheetError(
                _("第%(row)d行是空行，数据中间不能有空行，请删除后再导入") % {"row": first_blank}
            )
        yield Row(number, values, index, header_row)


def _any_present(values: list[Any]) -> bool:
    # Most rows start with a filled cell; only a row whose first filled cell is blank text
    # needs the closer look.
    first = next((v for v in values if v), None)
    if first is None:
        return any(v == 0 for v in values if v is not None and v != "")  # a row of zeros
    if type(first) is not str or not first.isspace():
        return True
    return any(_present(v) for v in values)


def _present(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value) and not value.isspace()
    return value is not None


def _check_headers(found: list[str], expected: Sequence[str], required: Sequence[str]) -> None:
    names = [h for h in found if h]
    missing = [h for h in required if h not in names]
    unknown = [h for h in names if h not in expected]
    repeated = sorted({h for h in names if names.count(h) > 1})
    problems = []
    if missing:
        problems.append(_("缺少列：%(cols)s") % {"cols": "、".join(missing)})
    if unknown:
        problems.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
    if repeated:
        problems.append(_("重复的列：%(cols)s") % {"cols": "、".join(repeated)})
    if problems:
        raise SpreadsheetError(
            _("表头不正确（%(problems)s）。请使用下载的模板，表头在第一行。")
            % {"problems": "；".join(problems)}
        )


# --- Values, as a worker types them.


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def date(value: Any) -> datetime.date | None:
    """A real Excel date, or text like 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip()
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            pass  # reported below, in the same words as any other bad date
    cleaned = raw.replace("年", "-").replace("月", "-").replace("日", "")
    cleaned = cleaned.replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in cleaned.split("-"))
        return datetime.date(year, month, day)
    except ValueError:
        raise DomainError(_("“%(raw)s”不是日期，请写成2024-03-01") % {"raw": raw}) from None


# --- Writing.


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    as_text: bool = False  # ID numbers, codes and phones: never let Excel turn them into numbers


def write_table(
    title: str,
    subtitle: str,
    columns: Sequence[Column],
    rows: Iterator[Sequence[Any]] | Sequence[Sequence[Any]],
    *,
    numbered: bool = True,
    footer: str = "",
    notes: Sequence[str] = (),
    sheet_name: str = "Sheet1",
    signatures: Sequence[str] = (),
    totals: Callable[[], Sequence[Any]] | None = None,
    out: IO[bytes] | None = None,
) -> bytes:
    """A ledger-style sheet: title, subtitle (place, date), optional notes, the header row, the
    rows (numbered 序号 1, 2, 3…), a 合计 row with what `totals` gives once the rows are written
    (one value or None per column), a line to sign for each of `signatures` (制表人, 审核人…)
    under them, and `footer` in the printed page footer.

    The rows may be an iterator: each is written as it comes (xlsxwriter's constant-memory
    mode keeps none of them), so a ledger of 100,000 rows takes no more memory than one of
    ten. With `out` the workbook goes to that file and b"" is returned; without, its bytes."""
    buffer = out if out is not None else io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(sheet_title(sheet_name))
    font = "宋体"
    title_fmt = book.add_format(
        {"bold": True, "font_size": 16, "align": "center", "font_name": font}
    )
    sub_fmt = book.add_format({"font_size": 10, "font_name": font})
    note_fmt = book.add_format(
        {"font_size": 10, "font_color": "#555555", "font_name": font, "text_wrap": True}
    )
    head_fmt = book.add_format(
        {
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "bg_color": "#E8F1F2",
            "font_name": font,
            "text_wrap": True,
        }
    )
    cell_fmt = book.add_format({"border": 1, "font_name": font})
    text_fmt = book.add_format({"border": 1, "font_name": font, "num_format": "@"})
    # Text Excel would take for a formula goes out with the quote prefix: the cell shows it as
    # typed and Excel keeps it text, even once someone edits the cell.
    cell_quoted = book.add_format({"border": 1, "font_name": font, "quote_prefix": True})
    text_quoted = book.add_format(
        {"border": 1, "font_name": font, "num_format": "@", "quote_prefix": True}
    )
    date_fmt = book.add_format({"border": 1, "font_name": font, "num_format": "yyyy-mm-dd"})
    money_fmt = book.add_format({"border": 1, "font_name": font, "num_format": "#,##0.00"})
    all_columns = ([Column("序号", 6)] if numbered else []) + list(columns)
    for index, column in enumerate(all_columns):
        sheet.set_column(index, index, column.width, text_fmt if column.as_text else None)
    width = len(all_columns)
    sheet.merge_range(0, 0, 0, width - 1, str(title), title_fmt)
    sheet.merge_range(1, 0, 1, width - 1, str(subtitle), sub_fmt)
    row = 2
    for note in notes:
        sheet.merge_range(row, 0, row, width - 1, str(note), note_fmt)
        row += 1
    for index, column in enumerate(all_columns):
        sheet.write_string(row, index, str(column.header), head_fmt)
    sheet.repeat_rows(row)
    sheet.freeze_panes(row + 1, 0)
    header_row = row
    # The loop below runs once a cell (1.5 million for a 100,000-row ledger): methods bound
    # once, text (the usual value) tested first.
    as_text = [column.as_text for column in all_columns]
    write_blank, write_string = sheet.write_blank, sheet.write_string
    write_number, write_datetime = sheet.write_number, sheet.write_datetime
    for number, values in enumerate(rows, start=1):
        row += 1
        cells = [number, *values] if numbered else list(values)
        if len(cells) != width:
            raise ValueError(f"row {number} has {len(cells)} cells for {width} columns")
        for index, value in enumerate(cells):
            if value is None or value == "":
                write_blank(row, index, None, cell_fmt)
            elif as_text[index]:
                text = _safe_text(str(value))
                write_string(row, index, text, text_quoted if _formula_like(text) else text_fmt)
            elif type(value) is str:
                text = _safe_text(value)
                write_string(row, index, text, cell_quoted if _formula_like(text) else cell_fmt)
            elif isinstance(value, bool):
                write_string(row, index, "是" if value else "否", cell_fmt)
            elif isinstance(value, datetime.date):
                write_datetime(row, index, value, date_fmt)
            elif isinstance(value, decimal.Decimal):
                write_number(row, index, float(value), money_fmt)
            elif isinstance(value, int | float):
                write_number(row, index, value, cell_fmt)
            else:
                text = _safe_text(str(value))
                write_string(row, index, text, cell_quoted if _formula_like(text) else cell_fmt)
    if row > header_row:
        sheet.autofilter(header_row, 0, row, width - 1)
    if totals is not None:
        row += 1
        sum_fmt = book.add_format({"border": 1, "font_name": font, "bold": True})
        sum_quoted = book.add_format(
            {"border": 1, "font_name": font, "bold": True, "quote_prefix": True}
        )
        sum_money = book.add_format(
            {"border": 1, "font_name": font, "bold": True, "num_format": "#,##0.00"}
        )
        sums = list(totals())
        cells = [str(_("合计")), *sums] if numbered else [str(_("合计")), *sums[1:]]
        for index, value in enumerate(cells):
            if value is None:
                sheet.write_blank(row, index, None, sum_fmt)
            elif isinstance(value, decimal.Decimal):
                sheet.write_number(row, index, float(value), sum_money)
            elif isinstance(value, int | float):
                sheet.write_number(row, index, value, sum_fmt)
            else:
                text = _safe_text(str(value))
                sheet.write_string(row, index, text, sum_quoted if _formula_like(text) else sum_fmt)
    if signatures:
        sign_fmt = book.add_format({"font_size": 11, "font_name": font})
        line = "　　　　".join(f"{who}：__________" for who in signatures)
        line += "　　　　" + str(_("日期：_____年___月___日"))
        sheet.merge_range(row + 2, 0, row + 2, width - 1, line, sign_fmt)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.set_header(f"&L&8{_escape_header(title)}&R&8第 &P 页，共 &N 页")
    if footer:
        sheet.set_footer(f"&L&8{_escape_header(footer)}")
    book.close()
    return b"" if out is not None else buffer.getvalue()


def export_footer(who: str, at: datetime.datetime) -> str:
    """The page footer of an exported file: who exported it (name and role) and when."""
    return _("导出人：%(who)s　导出时间：%(at)s") % {"who": who, "at": f"{at:%Y-%m-%d %H:%M}"}


def sheet_title(name: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\ (a ledger
    called 诉求/报修台账 becomes 诉求、报修台账)."""
    return re.sub(r"[\[\]:*?/\\]", "、", str(name))[:31] or "Sheet1"


_CONTROL = {c: None for c in range(32) if chr(c) not in "\n\t"}  # line breaks stay


def _safe_text(value: str) -> str:
    """The text of a cell without control characters (which no one types, and which a crafted
    value could carry); line breaks and tabs stay."""
    if not value.isprintable():  # printable text has no control character: most text
        value = value.translate(_CONTROL)
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t")


def _formula_like(text: str) -> bool:
    """Text Excel would take for a formula once someone edits the cell (=, +, -, @ or a tab first;
    a carriage return never reaches here, `_safe_text` drops it): it is
    written with the quote prefix (not an apostrophe in the text), so "=cmd|…" typed into a
    name stays a name and shows as typed."""
    return text[:1] in _FORMULA_START


def _escape_header(text_: str) -> str:
    return text_.replace("&", "&&")


def estimate_rows(data: IO[bytes]) -> int:
    """Rows in the first sheet below the header, from its <dimension ref="A1:M100001"/>; 0 when
    the file does not say. Cheap: reads the first kilobytes only."""
    import re

    try:
        with zipfile.ZipFile(data) as archive:
            names = sorted(
                n
                for n in archive.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")
            )
            if not names:
                return 0
            with archive.open(names[0]) as sheet:
                head = sheet.read(4096)
    except (zipfile.BadZipFile, KeyError, OSError):
        return 0
    finally:
        data.seek(0)
    match = re.search(rb'<dimension ref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"', head)
    if not match:
        return 0
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    return max(0, last - first)
