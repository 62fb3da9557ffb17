"""The engine against a naive count, record by record, on random data (hypothesis): work
records, quantities, volunteers, cases, inspections with room counts, rectification orders
with a re-check (overdue on the period's last day), assistance to households and residents
(some resting on a health group) and opinions."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Perm
from areas.models import LocalUnit
from cases.models import Case
from inspections.models import Checklist, Inspection, Recheck, Rectification, RoomCount
from ledger.models import Participant, Quantity, QuantityKind, WorkRecord
from people import services as people_services
from people.builtin_groups import CATEGORIES
from people.ledgers import Span
from people.models import GroupCategory, Residence
from people.tests.factories import resident
from programs.models import Assistance, Opinion
from reports import catalogue
from reports.catalogue import _SENSITIVE_GROUPS, INDICATORS
from reports.engine import OWN, evaluate

START = datetime.date(2025, 1, 1)
SPAN = Span(datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
KINDS = ["活动", "会议", "宣传", "走访/入户"]
BY_ID = {i.id: i for i in INDICATORS}

record_rows = st.lists(
    st.tuples(
        st.integers(0, 5),  # place
        st.integers(0, 729),  # day after START
        st.sampled_from(KINDS),
        st.one_of(st.none(), st.integers(0, 300)),  # head count
        st.one_of(st.none(), st.integers(1, 2000)),  # leaflets
        st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=3),  # residents, volunteer?
    ),
    max_size=40,
)
case_rows = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 729 * 24),  # hours after START
        st.sampled_from(["诉求", "纠纷"]),
        st.sampled_from(["", "满意", "不满意"]),
    ),
    max_size=25,
)
inspection_rows = st.lists(
    st.tuples(
        st.integers(0, 5),  # place
        st.integers(0, 729),  # day after START
        st.one_of(st.none(), st.integers(0, 2)),  # one of the place's units, or a site
        st.integers(0, 3),  # failing items
        st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=2),  # rooms, positive
        st.one_of(st.none(), st.tuples(st.integers(0, 3000), st.integers(0, 20))),  # m, burrows
    ),
    max_size=12,
)
order_rows = st.lists(
    st.tuples(
        st.integers(0, 11),  # which inspection (modulo how many there are)
        st.integers(0, 60),  # issued, days after the inspection
        st.integers(0, 90),  # first deadline, days after issue
        st.one_of(st.none(), st.tuples(st.integers(0, 120), st.integers(1, 120))),  # re-check
        st.one_of(st.none(), st.integers(0, 400)),  # put right, days after issue
    ),
    max_size=12,
)
aid_rows = st.lists(
    st.tuples(
        st.integers(0, 5),  # place
        st.integers(0, 729),  # day after START
        st.sampled_from(["低保金", "临时救助", "残疾人补贴"]),  # the last rests on a health group
        st.integers(0, 3000),  # yuan (0: goods only)
        st.one_of(
            st.tuples(st.just("household"), st.integers(0, 1)),
            st.tuples(st.just("resident"), st.integers(0, 3)),
        ),
    ),
    max_size=15,
)
opinion_rows = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 729), st.sampled_from(["待处理", "已答复"])),
    max_size=10,
)


def _places(world):
    return [
        world.community,
        world.grid,
        world.neighbour_grid,
        world.neighbour_community,
        world.neighbour_community.children.get(),
        world.other_community,
    ]


def _child_of(world, place):
    """The child of the sub-district a place lies in (None: outside the sub-district)."""
    for child in (world.community, world.neighbour_community):
        if place.path.startswith(child.path):
            return child.pk
    return None


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    records=record_rows,
    cases=case_rows,
    inspections=inspection_rows,
    orders=order_rows,
    aid=aid_rows,
    opinions=opinion_rows,
)
def test_the_engine_counts_as_a_naive_loop_does(
    world, records, cases, inspections, orders, aid, opinions
):
    places = _places(world)
    people = (
        [resident(places[i % 3], f"居民{i}", birth=datetime.date(1970 + i, 1, 1)) for i in range(4)]
        if not hasattr(world, "people")
        else world.people
    )
    world.people = people
    if not hasattr(world, "homes"):
        world.homes = [
            people_services.create_household(
                number=f"H-{i}", place=places[1 + i], head=people[i], since=START, by=None
            )
            for i in range(2)
        ]
        world.disabled = people_services.add_membership(
            GroupCategory.objects.get(code="disabled"),
            resident=people[3],
            start=START,
            attributes={"disability_type": "肢体", "grade": "一级"},
            by=None,
        )
    leaflets = QuantityKind.objects.get(name="宣传资料")
    savepoint = transaction.savepoint()
    try:
        expected = _naive(world, places, people, records, cases)
        _naive_inspections(world, places, inspections, orders, expected)
        _naive_programs(world, places, aid, opinions, expected)
        _write(places, people, leaflets, records, cases)
        _write_inspections(places, inspections, orders)
        _write_programs(world, places, people, aid, opinions)
        ids = [
            "records.all",
            "records.activity",
            "records.heads",
            "quantity.leaflets",
            "volunteers",
            "requests.all",
            "requests.satisfied",
            "disputes.all",
            "inspections.all",
            "inspections.failed",
            "inspections.units",
            "rooms.checked",
            "rooms.positive",
            "outdoor.burrows",
            "rectifications.issued",
            "rectifications.on_time",
            "rectifications.overdue",
            "aid.payments",
            "aid.amount",
            "aid.households",
            "aid.persons",
            "aid.health_amount",
            "opinions.all",
            "opinions.open",
        ]
        figures = evaluate([BY_ID[i] for i in ids], world.subdistrict, SPAN)
        for id_ in ids:
            assert figures.totals[id_] == expected["total"][id_], id_
            assert _clean(figures.by_child[id_]) == _clean(expected["child"][id_]), id_
            if BY_ID[id_].additive and not BY_ID[id_].source.as_of:
                assert _clean(figures.by_month[id_]) == _clean(expected["month"][id_]), id_
    finally:
        transaction.savepoint_rollback(savepoint)


def _clean(cells: dict) -> dict:
    return {k: v for k, v in cells.items() if v}


def _naive(world, places, people, records, cases) -> dict:
    total: Counter = Counter()
    child: dict = defaultdict(Counter)
    month: dict = defaultdict(Counter)
    volunteers_total: set = set()
    volunteers_child: dict = defaultdict(set)

    def add(id_, place, day, value):
        total[id_] += value
        child[id_][_child_of(world, place)] += value
        month[id_][day.replace(day=1)] += value

    for place_i, offset, kind, heads, amount, named in records:
        place, day = places[place_i], START + datetime.timedelta(days=offset)
        if _child_of(world, place) is None or not SPAN.start <= day <= SPAN.end:
            continue
        add("records.all", place, day, 1)
        add("records.activity", place, day, 1 if kind == "活动" else 0)
        add("records.heads", place, day, heads or 0)
        add("quantity.leaflets", place, day, Decimal(amount or 0))
        for who, volunteer in dict(named).items():
            if volunteer:
                volunteers_total.add(who)
                volunteers_child[_child_of(world, place)].add(who)
    total["volunteers"] = len(volunteers_total)
    child["volunteers"] = Counter({k: len(v) for k, v in volunteers_child.items()})
    for place_i, hours, kind, rating in cases:
        place = places[place_i]
        moment = _moment(hours)
        day = moment.date()
        if _child_of(world, place) is None or not SPAN.start <= day <= SPAN.end:
            continue
        code = "requests" if kind == "诉求" else "disputes"
        add(f"{code}.all", place, day, 1)
        if kind == "诉求":
            add("requests.satisfied", place, day, 1 if rating == "满意" else 0)
    return {"total": total, "child": child, "month": month}


def _orders(inspections, orders):
    """Each order with its inspection's place and dates: (place, issued, first deadline,
    re-check (day, new deadline) or None, put right or None)."""
    if not inspections:
        return []
    found = []
    for which, after, due_in, recheck, closed in orders:
        place_i, offset = inspections[which % len(inspections)][:2]
        issued = START + datetime.timedelta(days=offset + after)
        checked = None
        if recheck is not None:
            checked_after, extra = recheck
            checked_on = issued + datetime.timedelta(days=checked_after)
            checked = (checked_on, checked_on + datetime.timedelta(days=extra))
        done = issued + datetime.timedelta(days=closed) if closed is not None else None
        found.append((which % len(inspections), place_i, issued,
                      issued + datetime.timedelta(days=due_in), checked, done))  # fmt: skip
    return found


def _naive_inspections(world, places, inspections, orders, expected) -> None:
    total, child, month = expected["total"], expected["child"], expected["month"]
    units_total: set = set()
    units_child: dict = defaultdict(set)

    def add(id_, place, day, value):
        total[id_] += value
        child[id_][_child_of(world, place)] += value
        if day is not None:
            month[id_][day.replace(day=1)] += value

    for place_i, offset, unit, fails, rooms, outdoor in inspections:
        place, day = places[place_i], START + datetime.timedelta(days=offset)
        if _child_of(world, place) is None or not SPAN.start <= day <= SPAN.end:
            continue
        add("inspections.all", place, day, 1)
        add("inspections.failed", place, day, 1 if fails else 0)
        if unit is not None:
            units_total.add((place_i, unit))
            units_child[_child_of(world, place)].add((place_i, unit))
        for checked, positive in _rooms(rooms):
            add("rooms.checked", place, day, checked)
            add("rooms.positive", place, day, positive)
        if outdoor is not None:
            add("outdoor.burrows", place, day, outdoor[1])
    total["inspections.units"] = len(units_total)
    child["inspections.units"] = Counter({k: len(v) for k, v in units_child.items()})
    end = SPAN.end
    for _which, place_i, issued, first, checked, done in _orders(inspections, orders):
        place = places[place_i]
        if _child_of(world, place) is None:
            continue
        if SPAN.start <= issued <= end:
            add("rectifications.issued", place, issued, 1)
            add("rectifications.on_time", place, issued,
                1 if done is not None and done <= end and done <= first else 0)  # fmt: skip
        in_force = checked[1] if checked is not None and checked[0] <= end else first
        open_then = done is None or done > end
        if issued <= end and open_then and in_force < end:
            add("rectifications.overdue", place, None, 1)


def _rooms(rooms):
    """(rooms, positive) per kind of premises, positive no more than the rooms checked."""
    return [(checked, min(positive, checked)) for checked, positive in rooms]


def _write_inspections(places, inspections, orders) -> None:
    version = Checklist.objects.get(name="消防安全检查").current()
    units: dict = {}
    made = []
    for place_i, offset, unit, fails, rooms, outdoor in inspections:
        place = places[place_i]
        if unit is not None and (place_i, unit) not in units:
            units[place_i, unit] = LocalUnit.objects.create(
                place=place, name=f"单位{place_i}-{unit}", kind=LocalUnit.Kind.SHOP
            )
        inspection = Inspection.objects.create(
            place=place,
            checklist_version=version,
            area="消防安全",
            unit=units.get((place_i, unit)) if unit is not None else None,
            site="" if unit is not None else "场所",
            target_name="随机",
            date=START + datetime.timedelta(days=offset),
            failures=fails,
            outdoor_metres=outdoor[0] if outdoor else None,
            burrows=outdoor[1] if outdoor else None,
        )
        for category, (checked, positive) in zip(
            RoomCount.Category.values, _rooms(rooms), strict=False
        ):
            RoomCount.objects.create(
                inspection=inspection, category=category, rooms=checked, positive=positive
            )
        made.append(inspection)
    for which, _place_i, issued, first, checked, done in _orders(inspections, orders):
        inspection = made[which]
        rect = Rectification.objects.create(
            inspection=inspection,
            place=inspection.place,
            finding="随机",
            responsible="随机",
            issued_on=issued,
            first_deadline=first,
            deadline=checked[1] if checked else first,
            closed_on=done,
        )
        if checked is not None:
            Recheck.objects.create(
                rectification=rect, date=checked[0], passed=False, new_deadline=checked[1]
            )


def _naive_programs(world, places, aid, opinions, expected) -> None:
    """Aid: money, payments and the households and residents reached, each once, leaving out
    the aid resting on a health group (counted apart); opinions, and those still waiting."""
    total, child, month = expected["total"], expected["child"], expected["month"]
    reached: dict = {"household": defaultdict(set), "resident": defaultdict(set)}

    def add(id_, place, day, value):
        total[id_] += value
        child[id_][_child_of(world, place)] += value
        month[id_][day.replace(day=1)] += value

    for place_i, offset, kind, amount, (whom, which) in aid:
        place, day = places[place_i], START + datetime.timedelta(days=offset)
        if _child_of(world, place) is None or not SPAN.start <= day <= SPAN.end:
            continue
        if kind == "残疾人补贴":
            add("aid.health_amount", place, day, Decimal(amount))
            continue
        add("aid.payments", place, day, 1)
        add("aid.amount", place, day, Decimal(amount))
        reached[whom][None].add(which)
        reached[whom][_child_of(world, place)].add(which)
    for whom, id_ in (("household", "aid.households"), ("resident", "aid.persons")):
        total[id_] = len(reached[whom].pop(None, set()))
        child[id_] = Counter({k: len(v) for k, v in reached[whom].items()})
    for place_i, offset, outcome in opinions:
        place, day = places[place_i], START + datetime.timedelta(days=offset)
        if _child_of(world, place) is None or not SPAN.start <= day <= SPAN.end:
            continue
        add("opinions.all", place, day, 1)
        add("opinions.open", place, day, 1 if outcome == "待处理" else 0)


def _write_programs(world, places, people, aid, opinions) -> None:
    for place_i, offset, kind, amount, (whom, which) in aid:
        health = kind == "残疾人补贴"
        Assistance.objects.create(
            place=places[place_i],
            kind=kind,
            source="民政",
            household=world.homes[which] if whom == "household" else None,
            resident=people[which] if whom == "resident" else None,
            membership=world.disabled if health else None,
            amount=amount,
            goods="" if amount else "慰问品",
            date=START + datetime.timedelta(days=offset),
        )
    for place_i, offset, outcome in opinions:
        Opinion.objects.create(
            place=places[place_i],
            date=START + datetime.timedelta(days=offset),
            source="走访",
            category="其他",
            content="随机",
            outcome=outcome,
            reply="已答复" if outcome == "已答复" else "",
        )


def _moment(hours: int) -> datetime.datetime:
    from django.utils import timezone

    start = datetime.datetime.combine(
        START, datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    return start + datetime.timedelta(hours=hours)


def _write(places, people, leaflets, records, cases) -> None:
    for place_i, offset, kind, heads, amount, named in records:
        place = places[place_i]
        record = WorkRecord.objects.create(
            kind=kind,
            title="随机",
            date=START + datetime.timedelta(days=offset),
            head_count=heads,
            place=place,
        )
        if amount:
            Quantity.objects.create(record=record, kind=leaflets, amount=amount)
        for who, volunteer in dict(named).items():
            Participant.objects.create(
                record=record, resident=people[who], role="志愿者" if volunteer else "参与者"
            )
    for place_i, hours, kind, rating in cases:
        Case.objects.create(
            kind=kind,
            state="x",
            title="随机",
            category="其他",
            place=places[place_i],
            received_at=_moment(hours),
            rating=rating if kind == "诉求" else "",
        )


def test_residents_are_counted_where_they_lived_on_the_last_day(world):
    """As-of figures: a resident who moved between grids counts once, at the new home; one who
    left before the period's end does not count."""
    a = resident(world.grid, "甲", birth=datetime.date(1980, 1, 1))
    b = resident(world.grid, "乙", birth=datetime.date(1981, 1, 1))
    old = people_services.create_household(
        number="H-1", place=world.grid, head=a, since=datetime.date(2020, 1, 1), by=None
    )
    Residence.objects.create(
        household=old,
        resident=b,
        relation="子",
        since=datetime.date(2020, 1, 1),
        until=datetime.date(2025, 3, 1),
    )
    new = people_services.create_household(
        number="H-2", place=world.neighbour_grid, head=b, since=datetime.date(2025, 3, 2), by=None
    )
    assert new.pk
    figures = evaluate([BY_ID["population"], BY_ID["households"]], world.community, SPAN)
    assert figures.totals == {"population": 2, "households": 2}
    assert figures.by_child["population"] == {world.grid.pk: 1, world.neighbour_grid.pk: 1}
    early = evaluate(
        [BY_ID["population"]],
        world.community,
        Span(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
    )
    assert early.totals["population"] == 2 and early.by_child["population"] == {world.grid.pk: 2}


def test_rows_at_the_place_itself_form_their_own_bucket(world):
    WorkRecord.objects.create(kind="会议", title="两委会", date=SPAN.start, place=world.community)
    WorkRecord.objects.create(kind="会议", title="网格会", date=SPAN.start, place=world.grid)
    figures = evaluate([BY_ID["records.meeting"]], world.community, SPAN)
    assert figures.by_child["records.meeting"] == {OWN: 1, world.grid.pk: 1}


def test_the_groups_whose_numbers_are_sensitive_match_the_registry():
    sensitivity = {code: level for code, _name, _subject, level, _attrs in CATEGORIES}
    for code, perm in _SENSITIVE_GROUPS.items():
        assert (
            perm == {"health": Perm.VIEW_HEALTH, "judicial": Perm.VIEW_JUDICIAL}[sensitivity[code]]
        ), code
    for indicator in INDICATORS:
        if indicator.id.startswith("group."):
            code = indicator.id.removeprefix("group.")
            level = sensitivity[code]
            assert (level in ("health", "judicial")) == (code in _SENSITIVE_GROUPS), code
            assert GroupCategory.Sensitivity(level)


def test_every_indicator_has_an_id_a_url_can_carry_and_a_known_area():
    import re

    ids = [i.id for i in catalogue.INDICATORS] + [r.id for r in catalogue.RATES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z_.]+", i) for i in ids)
    assert all(i.area in catalogue.AREAS for i in catalogue.INDICATORS)


def test_a_repeated_evaluation_reuses_its_sql_and_still_counts_the_rows_of_now(
    world, django_assert_num_queries
):
    """The second evaluation of the same figures runs the SQL kept from the first (the same
    queries, no more) and sees a record written in between, in its totals, its break-down by
    grid and month, and the records behind each total."""
    WorkRecord.objects.create(kind="会议", title="两委会", date=SPAN.start, place=world.grid)
    with CaptureQueriesContext(connection) as cold:
        first = evaluate(INDICATORS, world.community, SPAN, rows=True)
    WorkRecord.objects.create(kind="会议", title="网格会", date=SPAN.end, place=world.community)
    with django_assert_num_queries(len(cold)):
        second = evaluate(INDICATORS, world.community, SPAN, rows=True)
    assert first.totals["records.meeting"] == 1 and second.totals["records.meeting"] == 2
    assert second.rows["records.meeting"] == 2
    assert second.by_child["records.meeting"] == {world.grid.pk: 1, OWN: 1}
    assert second.by_month["records.meeting"] == {
        SPAN.start.replace(day=1): 1,
        SPAN.end.replace(day=1): 1,
    }
    changed = {"records.meeting", "records.all"}
    assert {k: v for k, v in first.totals.items() if k not in changed} == {
        k: v for k, v in second.totals.items() if k not in changed
    }
