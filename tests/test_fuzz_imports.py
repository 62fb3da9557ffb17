"""Every importer against generated spreadsheets (hypothesis): cells of any type and content —
text, numbers, dates, blanks, formulas, text that looks like a formula, very long text, values
of the wrong kind, and real values now and then — in the kind's columns, shuffled, some missing
and a stranger added. Whatever the file, the import ends as a clean import or as Chinese errors
with nothing written; never as an unhandled exception."""

from __future__ import annotations

import datetime
import hashlib
import io
import re

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from people import idnumber, importing
from people.tests.test_import import workbook
from shequ.errors import DomainError

CJK = re.compile(r"[\u4e00-\u9fff]")
# The characters a cell can hold (XML 1.0 forbids control characters, Excel refuses them too).
printable = st.characters(blacklist_categories=("Cc", "Cs"))

realistic = st.one_of(
    st.builds(
        lambda birth, seq, male: idnumber.make("110101", birth, seq, male=male),
        st.dates(datetime.date(1930, 1, 1), datetime.date(2020, 12, 31)),
        st.integers(0, 999),
        st.booleans(),
    ),
    st.sampled_from(["甲一网格", "G1", "汉族", "初中", "群众", "户主", "本人", "党员", "宣传"]),
    st.sampled_from(["13800001234", "2024-03-01", "2024/3/1", "09:30", "法治", "110101"]),
    st.from_regex(r"[\u4e00-\u9fa5]{2,4}", fullmatch=True),
)
cell = st.one_of(
    st.none(),
    st.text(printable, max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 1, 1)),
    # Excel's date-times carry no zone.
    st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2100, 1, 1)),  # noqa: DTZ001
    st.booleans(),
    st.sampled_from(["+86 138", "-5", "@cmd"]),
    st.builds(lambda c, n: c * n, printable, st.integers(2000, 32767)),  # up to Excel's limit
    realistic,
    realistic,
)
# A real formula makes the whole file unreadable, so only one sheet in four may hold them:
# otherwise a wide kind (memberships has some thirty columns) would almost never reach the
# row checks.
cell_or_formula = st.one_of(cell, st.sampled_from(["=1+1", "=SUM(A1:A3)", '=HYPERLINK("x")']))

FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _state() -> dict[str, int]:
    from areas.models import Dwelling, LocalUnit
    from ledger.models import WorkRecord
    from people.models import Household, Membership, Residence, Resident

    models = [Resident, Household, Residence, Membership, Dwelling, LocalUnit, WorkRecord]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["audit"] = AuditEntry.objects.count()
    return counts


@st.composite
def sheets(draw, names: list[str]):
    headers = draw(st.permutations(names))
    if draw(st.integers(0, 4)) == 0:  # now and then a column missing, or a stranger added
        headers = headers[: draw(st.integers(1, len(headers)))]
        headers += draw(st.lists(st.text(printable, min_size=1, max_size=8), max_size=1))
    cells = cell_or_formula if draw(st.integers(0, 3)) == 0 else cell
    width = st.lists(cells, min_size=len(headers), max_size=len(headers))
    rows = draw(st.lists(width, min_size=1, max_size=4))
    return headers, rows


@pytest.mark.parametrize("kind", sorted(importing.KINDS))
def test_any_spreadsheet_imports_cleanly_or_is_refused_in_chinese(world, kind):
    ctx = importing.Context(place=world.community, user=world.cast["community_worker"])
    importer = importing.KINDS[kind]
    names = importer.header_names()
    outcomes = []

    @FUZZ
    @given(sheet=sheets(names))
    def run(sheet):
        headers, rows = sheet
        content = workbook(headers, rows)
        with transaction.atomic():
            before = _state()
            try:
                plan = importing.import_file(
                    importer,
                    io.BytesIO(content),
                    ctx,
                    file_name="fuzz.xlsx",
                    sha256=hashlib.sha256(content).hexdigest(),
                )
            except DomainError as exc:  # the file as a whole could not be read
                assert CJK.search(exc.message), exc.message
                assert _state() == before
                outcomes.append("unreadable")
            else:
                if plan.ok:
                    outcomes.append("imported")
                else:
                    assert all(CJK.search(p.message) for p in plan.problems), plan.problems
                    assert _state() == before  # refused whole: nothing written
                    outcomes.append("refused")
            transaction.set_rollback(True)  # each example starts from the same database

    run()
    assert "refused" in outcomes  # the generator reaches the row checks, not only the headers
