"""Named participants carry their record's place path and date (what the volunteers figure and
the volunteering ledger read): right after every kind of change, through every way in."""

import datetime
import importlib
import random
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from areas import services as areas
from ledger import demo, services
from ledger.models import Participant, QuantityKind, Topic, WorkRecord
from people.tests.factories import resident


def _astray() -> list[int]:
    """Participants whose path or date is not their record's."""
    return list(
        Participant.objects.filter(
            ~Q(place_path=F("record__place_path")) | ~Q(date=F("record__date"))
        ).values_list("pk", flat=True)
    )


def _form(world, record=None, **changes):
    data = {
        "kind": "志愿服务/义务劳动",
        "topics": [Topic.objects.get(code="law").pk],
        "title": "楼道清洁",
        "date": "2025-04-15",
        "place": world.grid.pk,
        "venue": "社区广场",
    }
    if record is not None:
        record.refresh_from_db()
        data["version"] = record.version
    return data | changes


def _with_volunteer(client, world, name="志愿者甲") -> WorkRecord:
    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:record-create"), _form(world))
    record = WorkRecord.objects.latest("pk")
    volunteer = resident(world.grid, name)
    add = reverse("ledger:participant-add", args=[record.pk])
    client.post(add, {"resident": volunteer.pk, "role": "志愿者", "hours": "2"})
    return record


def test_a_participant_added_on_the_page_carries_its_records_place_and_date(client, world):
    record = _with_volunteer(client, world)
    participant = record.participants.get()
    assert participant.place_path == world.grid.path
    assert participant.date == datetime.date(2025, 4, 15)


def test_editing_a_records_place_or_date_moves_its_participants(client, world):
    record = _with_volunteer(client, world)
    record.participants.create(resident=resident(world.grid, "居民乙"), role="参与者")
    url = reverse("ledger:record-edit", args=[record.pk])
    moved = _form(world, record, place=world.neighbour_grid.pk, date="2025-06-01")
    assert client.post(url, moved).status_code == 302
    assert set(record.participants.values_list("place_path", "date")) == {
        (world.neighbour_grid.path, datetime.date(2025, 6, 1))
    }
    assert client.post(url, _form(world, record, date="2025-07-02")).status_code == 302
    assert set(record.participants.values_list("place_path", "date")) == {
        (world.grid.path, datetime.date(2025, 7, 2))
    }
    assert _astray() == []


def test_an_edit_that_keeps_place_and_date_leaves_the_participants_alone(client, world):
    record = _with_volunteer(client, world)
    url = reverse("ledger:record-edit", args=[record.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, _form(world, record, title="楼道大扫除")).status_code == 302
    writes = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "ledger_participant"')]
    assert writes == []
    assert _astray() == []


def test_a_refused_edit_leaves_the_participants_where_they_were(client, world):
    record = _with_volunteer(client, world)
    url = reverse("ledger:record-edit", args=[record.pk])
    far = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    refused = [
        _form(world, record, place=world.neighbour_grid.pk, date=far),  # bad date
        _form(world, record, place=world.neighbour_grid.pk, topics=[]),  # no topic
        {**_form(world, record, place=world.neighbour_grid.pk), "version": 0},  # stale page
    ]
    client.post(url, _form(world, record, title="改过一次"))  # the page above is now stale
    for data in refused:
        assert client.post(url, data).status_code in (200, 409)
    assert set(record.participants.values_list("place_path", "date")) == {
        (world.grid.path, datetime.date(2025, 4, 15))
    }


def test_participants_signed_in_or_resolved_carry_the_records_place_and_date(client, world):
    record = WorkRecord.objects.create(
        kind="活动", title="健步走", date=timezone.localdate(), place=world.neighbour_grid
    )
    resident(world.grid, "孙阿姨", phone="13912345678")
    code = services.open_signin(record, by=None)
    client.post(reverse("signin:form"), {"code": code, "name": "孙阿姨", "phone": "13912345678"})
    client.post(reverse("signin:form"), {"code": code, "name": "钱大爷", "phone": "13812345678"})
    waiting = record.signins.get(name="钱大爷")
    services.resolve_signin(
        waiting, resident(world.grid, "钱大爷"), by=world.cast["community_worker"]
    )
    assert record.participants.count() == 2
    assert set(record.participants.values_list("place_path", "date")) == {
        (world.neighbour_grid.path, timezone.localdate())
    }


def test_a_grid_moved_to_another_community_takes_its_participants_along(client, world):
    record = _with_volunteer(client, world)
    elsewhere = WorkRecord.objects.create(
        kind="活动", title="别处", date=datetime.date(2025, 4, 15), place=world.neighbour_grid
    )
    elsewhere.participants.create(resident=resident(world.grid, "居民丙"), role="参与者")
    areas.move_grid(world.grid, to=world.neighbour_community, by=None)
    world.grid.refresh_from_db()
    assert world.grid.path.startswith(world.neighbour_community.path)
    assert record.participants.get().place_path == world.grid.path
    assert elsewhere.participants.get().place_path == world.neighbour_grid.path
    assert _astray() == []


def test_the_demo_and_the_bulk_builders_fill_place_and_date(world):
    from ledger import builtin

    builtin.ensure(Topic, QuantityKind)
    residents = [
        resident(world.grid, f"居民{i}", birth=datetime.date(1960, 1, 1 + i)).pk for i in range(10)
    ]
    made = demo.populate(world.community, random.Random(1), photos=False)
    more = demo.bulk_records(
        random.Random(2),
        [world.community, world.grid],
        300,
        end=timezone.localdate(),
        days=365,
        residents=residents,
        batch=100,
    )
    assert Participant.objects.count() == made["participants"] + more["participants"] > 100
    assert _astray() == []


def test_a_participant_written_in_bulk_without_place_or_date_is_refused(world):
    record = WorkRecord.objects.create(
        kind="活动", title="健步走", date=datetime.date(2025, 4, 15), place=world.grid
    )
    person = resident(world.grid, "居民甲")
    missing = [
        {"date": record.date},  # no path
        {"place_path": record.place_path},  # no date
    ]
    for fields in missing:
        with pytest.raises(IntegrityError), transaction.atomic():
            Participant.objects.bulk_create(
                [Participant(record=record, resident=person, role="参与者", **fields)]
            )
    assert not Participant.objects.exists()


def test_the_migration_fills_place_and_date_from_the_records(world):
    from django.apps import apps

    migration = importlib.import_module("ledger.migrations.0010_participant_path_date")
    records = [
        WorkRecord.objects.create(kind="活动", title=f"活动{n}", date=day, place=place)
        for n, (day, place) in enumerate(
            [(datetime.date(2025, 4, 15), world.grid), (datetime.date(2024, 1, 2), world.community)]
        )
    ]
    for n, record in enumerate(records):
        record.participants.create(resident=resident(world.grid, f"居民{n}"), role="志愿者")
    # As the rows stood before the migration: columns without the record's values.
    Participant.objects.update(place_path="/0/", date=datetime.date(2000, 1, 1))
    assert len(_astray()) == 2
    migration.fill(apps, SimpleNamespace(connection=connection))  # it reads only the alias
    assert _astray() == []
