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
