"""Writing ledger workbooks: a title Excel would refuse as a sheet name still gives a file."""

import io

import openpyxl

from shequ import xlsx


def test_a_sheet_name_with_characters_excel_forbids_is_cleaned():
    assert xlsx.sheet_title("居民诉求/报修台账") == "居民诉求、报修台账"
    assert xlsx.sheet_title("a[b]:c*d?e\\f") == "a、b、、c、d、e、f"
    assert len(xlsx.sheet_title("台" * 40)) == 31
    content = xlsx.write_table("标题", "副标题", [xlsx.Column("列")], [["值"]], sheet_name="诉/求")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["诉、求"] and book.active["B4"].value == "值"


def test_cells_that_excel_would_run_or_choke_on_are_neutralised():
    rows = [
        ['=HYPERLINK("http://x")'],
        ["+1+1"],
        ["-2"],
        ["@SUM(A1)"],
        ["\t=1+1"],
        ["\r=1+1"],  # the carriage return is dropped as a control character, then quoted
        ["甲\x00乙\x07丙"],
        ["第一行\n第二行"],
    ]
    columns = [xlsx.Column("列"), xlsx.Column("号码", as_text=True)]
    content = xlsx.write_table("标题", "", columns, [[v, v] for (v,) in rows])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    for column in (2, 3):  # a plain column and a text column (ID numbers, phones)
        cells = [sheet.cell(row=4 + i, column=column) for i in range(len(rows))]
        values = [cell.value for cell in cells]
        # Shown as typed, no apostrophe in the text; text for Excel (the quote prefix).
        quoted = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\t=1+1", "=1+1"]
        assert values[:6] == quoted
        assert [c.data_type for c in cells[:6]] == ["s"] * 6
        assert [c.quotePrefix for c in cells] == [True] * 6 + [False] * 2
        assert values[6:] == ["甲乙丙", "第一行\n第二行"]
