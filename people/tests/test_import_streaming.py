"""A large import is written by a second process while it is checked, and still commits all or
nothing. The test database must be reachable from that process (PostgreSQL in CI); an in-memory
SQLite database is not, and the same import then runs in one process."""

import hashlib
import io

import pytest
from django.db import connection

from audit.models import AuditEntry
from people import importing
from people.models import Resident
from people.tests.test_import import HEADERS, residents_rows, workbook
from shequ.streaming import can_stream


def _import(world, data: bytes):
    ctx = importing.Context(place=world.community, user=world.cast["community_worker"])
    return importing.import_file(
        importing.KINDS["residents"],
        io.BytesIO(data),
        ctx,
        file_name="big.xlsx",
        sha256=hashlib.sha256(data).hexdigest(),
    )


@pytest.mark.django_db(transaction=True)
def test_large_import_commits_through_the_writer(world, settings):
    settings.IMPORT_STREAM_ROWS = 10
    plan = _import(world, workbook(HEADERS, residents_rows(60)))
    assert plan.ok and plan.counts()["created"] == 60
    assert Resident.objects.count() == 60
    assert AuditEntry.objects.filter(action="import.commit").count() == 1
    streamed = plan.writer_peak_mb > 0
    assert streamed == can_stream(), connection.vendor


@pytest.mark.django_db(transaction=True)
def test_large_import_with_a_bad_last_row_writes_nothing(world, settings):
    settings.IMPORT_STREAM_ROWS = 10
    rows = residents_rows(60)
    rows[-1][1] = "110105"
    plan = _import(world, workbook(HEADERS, rows))
    assert not plan.ok and plan.problems[0].row == 61
    assert not Resident.objects.exists()
    assert not AuditEntry.objects.filter(action="import.commit").exists()


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Resident._meta.db_table)
    return {name: c["columns"] for name, c in found.items() if c["index"] or c["unique"]}


@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_every_index_of_the_resident_table(world, settings):
    # On SQLite the writer drops the secondary indexes for a load larger than the table and
    # builds them again before the commit (people/importing/residents.py _defer_indexes).
    settings.IMPORT_STREAM_ROWS = 10
    before = _indexes()
    assert len(before) >= 7
    plan = _import(world, workbook(HEADERS, residents_rows(60)))
    assert plan.ok and Resident.objects.count() == 60
    assert _indexes() == before


@pytest.mark.django_db(transaction=True)
def test_a_refused_large_import_leaves_every_index_of_the_resident_table(world, settings):
    settings.IMPORT_STREAM_ROWS = 10
    before = _indexes()
    rows = residents_rows(60)
    rows[-1][1] = "110105"
    plan = _import(world, workbook(HEADERS, rows))
    assert not plan.ok and not Resident.objects.exists()
    assert _indexes() == before


def test_indexes_are_deferred_only_on_sqlite_for_a_load_at_least_the_tables_size(db, world):
    from people.importing.residents import _build_indexes, _defer_indexes
    from people.tests.factories import resident

    before = _indexes()
    for name in ("张三", "李四", "王五"):
        resident(world.community, name)
    assert _defer_indexes(0) == []  # a file that does not say how many rows it holds
    assert _defer_indexes(2) == []  # smaller than the table (3 rows)
    assert _indexes() == before
    statements = _defer_indexes(3)
    if connection.vendor != "sqlite":
        # PostgreSQL keeps them: DROP INDEX would lock out the checker's own look-ups.
        assert statements == [] and _indexes() == before
        return
    assert len(statements) == len(before) - 1  # all but the unique key on the ID hash
    assert list(_indexes().values()) == [["id_hash"]]
    _build_indexes(statements)
    assert _indexes() == before
