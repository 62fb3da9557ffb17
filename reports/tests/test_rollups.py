"""Rollup cells: the engine gives the same figures with and without them on random data
(hypothesis), writes after a rebuild are never hidden by the cells, `shequ rollup check` names a
cell that differs from the rows, and the pages read fewer queries with them."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from areas import services as areas
from audit.models import AuditEntry
from ledger.models import QuantityKind, WorkRecord
from people.ledgers import Span
from people.models import GroupCategory
from reports import rollups
from reports.catalogue import INDICATORS, Indicator
from reports.engine import _rolled_months, evaluate
from reports.models import RollupCell, RollupCoverage, RollupStale
from reports.tests import test_engine as raw

YEARS = (2025, 2026)


def _same(with_cells, from_rows, ids) -> None:
    for id_ in ids:
        a, b = with_cells.totals[id_], from_rows.totals[id_]
        assert (a, type(a)) == (b, type(b)), id_
        assert _clean(with_cells.by_child[id_]) == _clean(from_rows.by_child[id_]), id_
        assert _clean(with_cells.by_month[id_]) == _clean(from_rows.by_month[id_]), id_
        assert with_cells.rows[id_] == from_rows.rows[id_], id_


def _clean(cells: dict) -> dict:
    return {k: v for k, v in cells.items() if v}


def _setup_people(world):
    # The same residents, households and health membership as the engine's property test.
    places = raw._places(world)
    if not hasattr(world, "people"):
        from people import services as people_services
        from people.tests.factories import resident

        world.people = [
            resident(places[i % 3], f"居民{i}", birth=datetime.date(1970 + i, 1, 1))
            for i in range(4)
        ]
        world.homes = [
            people_services.create_household(
                number=f"H-{i}", place=places[1 + i], head=world.people[i], since=raw.START, by=None
            )
            for i in range(2)
        ]
        world.disabled = people_services.add_membership(
            GroupCategory.objects.get(code="disabled"),
            resident=world.people[3],
            start=raw.START,
            attributes={"disability_type": "肢体", "grade": "一级"},
            by=None,
        )
    return places


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    records=raw.record_rows,
    cases=raw.case_rows,
    inspections=raw.inspection_rows,
    orders=raw.order_rows,
    aid=raw.aid_rows,
    opinions=raw.opinion_rows,
    first=st.integers(0, 729),
    length=st.integers(0, 500),
    late=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 729)), max_size=3),
)
def test_the_engine_gives_the_same_figures_with_rollups_as_from_the_rows(
    world, records, cases, inspections, orders, aid, opinions, first, length, late
):
    places = _setup_people(world)
    leaflets = QuantityKind.objects.get(name="宣传资料")
    savepoint = transaction.savepoint()
    try:
        raw._write(places, world.people, leaflets, records, cases)
        raw._write_inspections(places, inspections, orders)
        raw._write_programs(world, places, world.people, aid, opinions)
        for year in YEARS:
            rollups.rebuild(world.subdistrict, year)
        # Written after the rebuild, through save(): their months must be read from the rows.
        for place_i, offset in late:
            WorkRecord.objects.create(
                kind="活动",
                title="补录",
                date=raw.START + datetime.timedelta(days=offset),
                head_count=3,
                place=places[place_i],
            )
        start = raw.START + datetime.timedelta(days=first)
        end = min(start + datetime.timedelta(days=length), datetime.date(2026, 12, 31))
        span = Span(start, end)
        ids = [i.id for i in INDICATORS]
        for place in (world.subdistrict, world.community, world.district):
            with_cells = evaluate(INDICATORS, place, span, rows=True)
            from_rows = evaluate(INDICATORS, place, span, rows=True, rollups=False)
            _same(with_cells, from_rows, ids)
            summary = evaluate(INDICATORS, place, span, breakdown=False, rows=True)
            assert summary.totals == from_rows.totals
            assert summary.rows == from_rows.rows
        # Not vacuous: a span holding a whole month untouched since the rebuild reads cells.
        stale = {(m.year, m.month) for m in RollupStale.objects.values_list("month", flat=True)}
        whole = [
            m
            for m in _months(span)
            if (m.year, m.month) not in stale and m >= span.start and _last_day(m) <= span.end
        ]
        if whole:
            check = evaluate(INDICATORS, world.subdistrict, span)
            assert set(whole) <= set(_rolled_months(check, world.subdistrict, span))
    finally:
        transaction.savepoint_rollback(savepoint)


def _months(span):
    month = span.start.replace(day=1)
    while month <= span.end:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def _last_day(month):
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _record(place, day, heads=5, kind="活动"):
    return WorkRecord.objects.create(
        kind=kind, title="活动", date=day, head_count=heads, place=place
    )


YEAR_2025 = Span(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def _activity(place):
    return evaluate([_ind("records.activity"), _ind("records.heads")], place, YEAR_2025)


def _ind(id_) -> Indicator:
    return next(i for i in INDICATORS if i.id == id_)


def test_a_write_after_the_rebuild_is_read_from_the_rows_until_the_next_one(world):
    _record(world.grid, datetime.date(2025, 3, 5))
    rollups.rebuild(world.subdistrict, 2025)
    assert _activity(world.subdistrict).totals["records.activity"] == 1
    late = _record(world.grid, datetime.date(2025, 3, 20), heads=7)
    assert RollupStale.objects.filter(place_path=world.grid.path, month="2025-03-01").exists()
    figures = _activity(world.subdistrict)
    assert figures.totals["records.activity"] == 2
    assert figures.totals["records.heads"] == 12
    # Without the mark the cells would hide it: the mark is what keeps the figure true.
    RollupStale.objects.all().delete()
    assert _activity(world.subdistrict).totals["records.activity"] == 1
    # Moving a record to another month marks both months; deleting it marks its month.
    rollups.rebuild(world.subdistrict, 2025)
    late.date = datetime.date(2025, 6, 1)
    late.save()
    marked = set(RollupStale.objects.values_list("month", flat=True))
    assert marked == {datetime.date(2025, 3, 1), datetime.date(2025, 6, 1)}
    assert _activity(world.subdistrict).by_month["records.activity"] == {
        datetime.date(2025, 3, 1): 1,
        datetime.date(2025, 6, 1): 1,
    }
    rollups.rebuild(world.subdistrict, 2025)
    late.delete()
    assert _activity(world.subdistrict).totals["records.activity"] == 1


def test_a_period_ending_mid_month_reads_the_cells_when_no_row_lies_beyond_it(world):
    _record(world.grid, datetime.date(2025, 3, 5))
    _record(world.grid, datetime.date(2025, 3, 10))
    rollups.rebuild(world.subdistrict, 2025)
    to_the_20th = Span(datetime.date(2025, 1, 1), datetime.date(2025, 3, 20))
    to_the_7th = Span(datetime.date(2025, 1, 1), datetime.date(2025, 3, 7))
    records = [_ind("records.activity")]
    figures = evaluate(records, world.subdistrict, to_the_20th)
    assert _rolled_months(figures, world.subdistrict, to_the_20th)[-1] == datetime.date(2025, 3, 1)
    assert figures.totals["records.activity"] == 2
    figures = evaluate(records, world.subdistrict, to_the_7th)
    assert datetime.date(2025, 3, 1) not in _rolled_months(figures, world.subdistrict, to_the_7th)
    assert figures.totals["records.activity"] == 1


def test_a_rebuild_below_widens_the_days_a_rebuild_above_vouches_for(world):
    _record(world.grid, datetime.date(2025, 3, 5))
    rollups.rebuild(world.subdistrict, 2025)
    _record(world.grid, datetime.date(2025, 3, 25))  # marks March under the community
    rollups.rebuild(world.community, 2025)  # and this clears the mark
    to_the_20th = Span(datetime.date(2025, 3, 1), datetime.date(2025, 3, 20))
    records = [_ind("records.activity")]
    assert evaluate(records, world.subdistrict, to_the_20th).totals["records.activity"] == 1
    assert evaluate(records, world.community, to_the_20th).totals["records.activity"] == 1


def test_a_rebuild_is_one_audit_row_and_replaces_the_cells_of_its_place_and_year(world):
    _record(world.grid, datetime.date(2025, 3, 5))
    _record(world.neighbour_community, datetime.date(2025, 4, 5))
    _record(world.grid, datetime.date(2024, 4, 5))
    done = rollups.rebuild(world.community, 2025)
    assert {c.place_path for c in RollupCell.objects.all()} == {world.grid.path}
    assert set(RollupCoverage.objects.values_list("place_path", flat=True)) == {
        world.community.path
    }
    entry = AuditEntry.objects.get(action="rollup.rebuild")
    assert entry.data == {
        "place": world.community.code,
        "year": 2025,
        "cells": done.cells,
        "marks": 1,
    }  # fmt: skip  (the March record's; not next door's)
    # The sub-district is not covered by its community's rebuild: read from the rows.
    figures = _activity(world.subdistrict)
    assert _rolled_months(figures, world.subdistrict, YEAR_2025) == []
    assert figures.totals["records.activity"] == 2
    rollups.rebuild(world.subdistrict, 2025)
    assert set(RollupCoverage.objects.values_list("place_path", flat=True)) == {
        world.subdistrict.path
    }
    assert len(_rolled_months(_activity(world.community), world.community, YEAR_2025)) == 12


def test_cells_follow_a_grid_that_moves_and_the_new_community_reads_it_right(world):
    _record(world.grid, datetime.date(2025, 3, 5))
    _record(world.neighbour_community, datetime.date(2025, 3, 5))
    rollups.rebuild(world.community, 2025)
    rollups.rebuild(world.neighbour_community, 2025)
    areas.move_grid(world.grid, to=world.neighbour_community, by=world.cast["district_admin"])
    world.grid.refresh_from_db()
    for place in (world.community, world.neighbour_community, world.subdistrict):
        assert (
            _activity(place).totals
            == evaluate(
                [_ind("records.activity"), _ind("records.heads")],
                place,
                YEAR_2025,
                rollups=False,
            ).totals
        )
    assert _activity(world.neighbour_community).totals["records.activity"] == 2


def test_a_changed_quantity_item_or_group_category_drops_every_coverage(world):
    rollups.rebuild(world.subdistrict, 2025)
    kind = QuantityKind.objects.get(name="宣传资料")
    kind.unit = "张"
    kind.save()
    assert not RollupCoverage.objects.exists()
    rollups.rebuild(world.subdistrict, 2025)
    QuantityKind.objects.create(name="新物品", unit="个")  # a new item changes no figure
    assert RollupCoverage.objects.exists()
    category = GroupCategory.objects.get(code="disabled")
    category.save()
    assert not RollupCoverage.objects.exists()


def test_the_bulk_import_path_marks_the_months_it_writes(world):
    rollups.rebuild(world.subdistrict, 2025)
    record = _record(world.grid, datetime.date(2025, 8, 8))
    RollupStale.objects.all().delete()
    from shequ.signals import rows_written

    rows_written.send(WorkRecord, pks=[record.pk])
    assert list(RollupStale.objects.values_list("place_path", "month")) == [
        (world.grid.path, datetime.date(2025, 8, 1))
    ]


def _check(**options):
    out = StringIO()
    call_command("rollup", "check", stdout=out, **options)
    return out.getvalue()


def test_check_passes_a_true_rollup_and_names_a_tampered_cell(world):
    _record(world.grid, datetime.date(2025, 3, 5), heads=4)
    _record(world.community, datetime.date(2025, 5, 5), heads=6)
    call_command("rollup", "rebuild", place=world.subdistrict.code, year=2025, stdout=StringIO())
    assert "0条不符" in _check(place=world.subdistrict.code, year=2025)
    assert "0条不符" in _check()  # every rebuilt place, every year with rows
    cell = RollupCell.objects.get(
        place_path=world.grid.path, month="2025-03-01", indicator="records.heads"
    )
    cell.value = Decimal(5)
    cell.save()
    RollupCell.objects.filter(place_path=world.community.path, indicator="records.all").delete()
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("rollup", "check", place=world.community.code, year=2025, stdout=out)
    assert failed.value.returncode == 1
    assert "2条" in str(failed.value)
    text = out.getvalue()
    assert "不符：甲一网格" in text
    assert "2025-03 records.heads：汇总数5（1条记录），原始记录4" in text
    assert "不符：甲社区" in text and "2025-05 records.all：汇总数无" in text


def test_check_skips_a_month_marked_stale_and_says_so(world):
    _record(world.grid, datetime.date(2025, 3, 5))
    rollups.rebuild(world.subdistrict, 2025)
    _record(world.grid, datetime.date(2025, 3, 9))
    assert "1个月有待重算标记未核对" in _check(place=world.subdistrict.code, year=2025)


def test_bad_input_to_the_command_changes_nothing(world):
    with pytest.raises(CommandError, match="没有区划代码为999的区划"):
        call_command("rollup", "rebuild", place="999", year=2025, stdout=StringIO())
    with pytest.raises(CommandError, match="年度1900无效"):
        call_command("rollup", "rebuild", place=world.community.code, year=1900, stdout=StringIO())
    assert not RollupCell.objects.exists() and not RollupCoverage.objects.exists()
    assert not AuditEntry.objects.filter(action="rollup.rebuild").exists()


def test_rebuild_without_arguments_covers_every_district_and_year_with_rows(world):
    _record(world.grid, datetime.date(2024, 3, 5))
    _record(world.grid, datetime.date(2025, 3, 5))
    call_command("rollup", "rebuild", stdout=StringIO())
    covered = set(RollupCoverage.objects.values_list("place_path", "month"))
    for year in (2024, 2025):
        assert (world.district.path, datetime.date(year, 1, 1)) in covered
    assert not any(p == world.other_district.path for p, _m in covered)  # no rows there


def test_indicators_that_read_the_clock_or_the_last_day_are_not_rolled():
    for indicator in INDICATORS:
        text = str(indicator.filter)
        if "Now()" in text or indicator.on_day or not indicator.additive:
            assert not indicator.rolled, indicator.id
    rolled = {i.id for i in INDICATORS if i.rolled}
    assert {"records.all", "quantity.leaflets", "aid.amount", "requests.all"} <= rolled
    assert not {"requests.overdue", "campaigns.applied", "donations.money_in"} & rolled


def test_with_rollups_the_statistics_page_takes_fewer_queries(
    client, world, django_assert_max_num_queries
):
    year = timezone.localdate().year
    for month in range(1, 4):
        _record(world.grid, datetime.date(year, month, 2))
    client.force_login(world.cast["community_worker"])
    url = reverse("reports:statistics")
    with django_assert_max_num_queries(75):  # one query a period finds no cells
        client.get(url)
    for y in (year - 1, year):
        rollups.rebuild(world.district, y)
    # Rebuilt today, no row lies beyond today: the month under way comes from the cells too,
    # and the nine sources whose figures are all rolled up are not read at all.
    with django_assert_max_num_queries(49):
        page = client.get(url)
    sections = page.context["sections"]
    figures = {f["indicator"].id: f["value"] for s in sections for f in s["figures"]}
    assert figures["records.activity"] == 3


def test_with_rollups_a_past_year_summary_reads_fewer_grouped_queries(world):
    for month in range(1, 13):
        _record(world.grid, datetime.date(2025, month, 2))
    cold = evaluate(INDICATORS, world.subdistrict, YEAR_2025, breakdown=False, rows=True)
    rollups.rebuild(world.district, 2025)
    warm = evaluate(INDICATORS, world.subdistrict, YEAR_2025, breakdown=False, rows=True)
    assert warm.totals == cold.totals and warm.rows == cold.rows
    # The rolled indicators read their whole year from one query over the cells (and one to
    # know the cells are fresh): nine sources are not read at all, five keep only the query of
    # their distinct counts; as-of figures and those that depend on the last day or today
    # keep their own queries.
    assert cold.queries == 32
    assert warm.queries == 19


def test_with_rollups_the_summary_page_and_the_home_page_take_fewer_queries(
    client, world, django_assert_max_num_queries
):
    year = timezone.localdate().year
    for month in range(1, 4):
        _record(world.grid, datetime.date(year, month, 2))
    client.force_login(world.cast["community_head"])
    summary = (reverse("reports:summary"), {"place": world.community.pk, "year": year})
    home = reverse("areas:place-detail", args=[world.community.pk])
    with django_assert_max_num_queries(50) as cold:  # as in test_summary
        client.get(*summary)
    with django_assert_max_num_queries(22) as cold_home:
        client.get(home)
    rollups.rebuild(world.district, year)
    # The nine sources whose figures are all rolled up give way to one query over the cells,
    # and five more keep only their distinct counts' query (37: two count the groups not
    # visited, which no cell can hold).
    with django_assert_max_num_queries(37) as warm:
        page = client.get(*summary)
    with django_assert_max_num_queries(21) as warm_home:
        client.get(home)
    assert len(warm) < len(cold) and len(warm_home) < len(cold_home)
    drill = re.escape(reverse("reports:drill", args=["records.activity"]))
    assert re.search(rf'<a href="{drill}\?[^"]+"[^>]*>3</a>', page.content.decode())
