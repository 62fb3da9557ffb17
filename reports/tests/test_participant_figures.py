"""The volunteers and their hours, read from the participants' own place path and date: they
follow a record's change of place or date and a volunteer's removal, with and without rollup
cells, and `shequ rollup check` finds every cell equal to the rows afterwards."""

import datetime
from decimal import Decimal

from ledger import services as ledger
from ledger.models import Topic, WorkRecord
from people.ledgers import Span
from people.tests.factories import resident
from reports import rollups
from reports.catalogue import INDICATORS
from reports.engine import OWN, evaluate

YEAR = Span(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
VOLUNTEERS = [i for i in INDICATORS if i.id in ("volunteers", "volunteer_hours")]


def _figures(place, *, rollups: bool = True) -> dict:
    f = evaluate(VOLUNTEERS, place, YEAR, rows=True, rollups=rollups)
    return {
        "totals": f.totals,
        "children": {i: {k: v for k, v in c.items() if v} for i, c in f.by_child.items()},
        "months": {i: {k: v for k, v in c.items() if v} for i, c in f.by_month.items()},
        "rows": f.rows,
    }


def _data(record: WorkRecord, **changes) -> ledger.RecordData:
    data = {
        "kind": record.kind,
        "title": record.title,
        "date": record.date,
        "place": record.place,
        "topics": list(record.topics.all()),
    }
    return ledger.RecordData(**(data | changes))


def _cleanup(world) -> WorkRecord:
    topic = Topic.objects.get(code="law")
    data = ledger.RecordData(
        kind="志愿服务/义务劳动",
        title="楼道清洁",
        date=datetime.date(2025, 3, 5),
        place=world.grid,
        topics=[topic],
    )
    record = ledger.save_record(None, data, by=None)
    for name, hours in (("志愿者甲", "2"), ("志愿者乙", "1.5")):
        ledger.add_participant(
            record, resident(world.grid, name), role="志愿者", hours=Decimal(hours), by=None
        )
    # Another volunteer at another record keeps the figures from being all or nothing.
    other = ledger.save_record(None, _data(record, date=datetime.date(2025, 3, 20)), by=None)
    ledger.add_participant(
        other, resident(world.grid, "志愿者丙"), role="志愿者", hours=Decimal(3), by=None
    )
    return record


def _same_with_and_without_cells(world) -> None:
    for place in (world.subdistrict, world.community, world.grid, world.neighbour_community):
        assert _figures(place) == _figures(place, rollups=False), place
    checked = rollups.check(world.subdistrict, 2025)
    assert checked.differences == []


def test_the_volunteers_follow_their_record_to_another_place_and_month(world):
    record = _cleanup(world)
    rollups.rebuild(world.subdistrict, 2025)
    before = _figures(world.community)
    assert before["totals"] == {"volunteers": 3, "volunteer_hours": Decimal("6.5")}
    assert before["months"]["volunteer_hours"] == {datetime.date(2025, 3, 1): Decimal("6.5")}
    record.refresh_from_db()
    moved = _data(record, place=world.neighbour_grid, date=datetime.date(2025, 6, 1))
    ledger.save_record(record, moved, by=None, version=record.version)
    after = _figures(world.community)
    assert after["totals"]["volunteers"] == 3  # the neighbour grid lies in the same community
    assert after["children"]["volunteers"] == {world.grid.pk: 1, world.neighbour_grid.pk: 2}
    assert after["months"]["volunteer_hours"] == {
        datetime.date(2025, 3, 1): Decimal(3),
        datetime.date(2025, 6, 1): Decimal("3.5"),
    }
    assert _figures(world.grid)["totals"] == {"volunteers": 1, "volunteer_hours": Decimal(3)}
    _same_with_and_without_cells(world)
    record.refresh_from_db()
    away = _data(record, place=world.neighbour_community, date=datetime.date(2025, 6, 1))
    ledger.save_record(record, away, by=None, version=record.version)
    assert _figures(world.community)["totals"]["volunteers"] == 1
    assert _figures(world.neighbour_community)["totals"] == {
        "volunteers": 2,
        "volunteer_hours": Decimal("3.5"),
    }
    assert _figures(world.neighbour_community)["children"]["volunteers"] == {OWN: 2}
    _same_with_and_without_cells(world)
    rollups.rebuild(world.subdistrict, 2025)
    _same_with_and_without_cells(world)


def test_a_removed_volunteer_leaves_the_figures(world):
    record = _cleanup(world)
    rollups.rebuild(world.subdistrict, 2025)
    ledger.remove_participant(record.participants.get(resident__name="志愿者乙"), by=None)
    assert _figures(world.subdistrict)["totals"] == {
        "volunteers": 2,
        "volunteer_hours": Decimal(5),
    }
    _same_with_and_without_cells(world)
