"""The read replica (shequ/replica.py): statistics read it, a user who has just changed something
reads the primary, identity and the audit log never come from it.

The replica here is a real second database holding a copy of the primary taken before the last
records were written, so a page that reads it shows the older figure: the copy lags as a
replica does."""

from __future__ import annotations

import datetime
import sqlite3
import time

import psycopg
import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.models import Topic, WorkRecord
from shequ import replica
from shequ.demo import ensure_catalogues
from shequ.replica import PRIMARY, REPLICA, ReplicaRouter


def _activities(world, count: int, start: int = 0) -> None:
    year = timezone.localdate().year
    for i in range(start, start + count):
        WorkRecord.objects.create(
            kind="活动", title=f"活动{i}", date=datetime.date(year, 1, 1 + i), place=world.grid
        )


def _copy_of_primary(tmp_path) -> dict:
    """A second database with what the primary holds now, and the settings to reach it."""
    settings_dict = dict(connections[PRIMARY].settings_dict)
    if connections[PRIMARY].vendor == "sqlite":
        target = tmp_path / "replica.sqlite3"
        connections[PRIMARY].ensure_connection()
        with sqlite3.connect(target) as copy:
            connections[PRIMARY].connection.backup(copy)
        return {**settings_dict, "NAME": str(target)}
    name = f"{settings_dict['NAME']}_replica"
    connections[PRIMARY].close()  # a template database must have no other session
    with _server(settings_dict) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{settings_dict["NAME"]}"')
    return {**settings_dict, "NAME": name}


def _server(settings_dict: dict):
    return psycopg.connect(
        dbname="postgres",
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def lagging_replica(tmp_path):
    settings_dict = _copy_of_primary(tmp_path)
    connections.settings[REPLICA] = settings_dict
    # Connected here, before the page needs it: the test case allows only the databases it
    # knew when it began to connect on demand.
    connections[REPLICA].connect()
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    if settings_dict["ENGINE"].endswith("postgresql"):
        with _server(settings_dict) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}"')


def _activities_shown(client) -> int:
    page = client.get(reverse("reports:statistics"))
    assert page.status_code == 200
    return next(
        f["value"]
        for s in page.context["sections"]
        for f in s["figures"]
        if f["indicator"].id == "records.activity"
    )


@pytest.mark.django_db(transaction=True)
def test_statistics_read_the_replica_until_the_user_changes_something(
    client, world, tmp_path, request, monkeypatch
):
    _activities(world, 3)
    request.getfixturevalue("lagging_replica")
    _activities(world, 2, start=3)  # written after the copy: only the primary has them
    client.force_login(world.cast["community_worker"])

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert _activities_shown(client) == 3
    assert any("ledger_workrecord" in q["sql"] for q in on_replica.captured_queries)
    # Who the user is, their session and the audit log: never from the replica.
    for table in ("accounts_user", "django_session", "audit_"):
        assert not any(table in q["sql"] for q in on_replica.captured_queries), table

    # The user records an activity: their next pages read the primary, their change included.
    ensure_catalogues()  # gone if an earlier test emptied the database
    created = client.post(
        reverse("ledger:record-create"),
        {
            "kind": "活动",
            "topics": [Topic.objects.get(code="culture").pk],
            "title": "广场舞比赛",
            "date": timezone.localdate().isoformat(),
            "place": world.grid.pk,
        },
    )
    assert created.status_code == 302, created.content.decode()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert _activities_shown(client) == 6
    assert on_replica.captured_queries == []

    # Once the replica has had time to catch up, the pages read it again.
    later = time.time() + 31
    monkeypatch.setattr(replica.time, "time", lambda: later)
    assert _activities_shown(client) == 3


@pytest.mark.django_db(transaction=True)
def test_a_refused_change_does_not_move_the_user_to_the_primary(client, world, request):
    request.getfixturevalue("lagging_replica")
    _activities(world, 1)
    client.force_login(world.cast["community_worker"])
    refused = client.post(reverse("ledger:record-create"), {"kind": "活动", "title": ""})
    assert refused.status_code == 200  # the form again, with its errors
    assert _activities_shown(client) == 0  # still the replica, which has not got the record


@pytest.mark.django_db(transaction=True)
def test_the_router_keeps_its_hands_off_without_a_replica_and_inside_transactions(world):
    router = ReplicaRouter()
    assert router.db_for_read(WorkRecord) is None  # no replica configured: Django decides
    with replica.reporting():
        assert router.db_for_read(WorkRecord) is None
    connections.settings[REPLICA] = dict(connections[PRIMARY].settings_dict)
    try:
        assert router.db_for_read(WorkRecord) is None  # not on a reporting page
        with replica.reporting():
            assert router.db_for_read(WorkRecord) == REPLICA
            assert router.db_for_read(type(world.cast["community_worker"])) == PRIMARY
            with transaction.atomic():
                assert router.db_for_read(WorkRecord) == PRIMARY
        assert router.db_for_write(WorkRecord) == PRIMARY
        assert router.allow_migrate(REPLICA, "ledger") is False
        assert router.allow_migrate(PRIMARY, "ledger") is None
    finally:
        del connections.settings[REPLICA]
