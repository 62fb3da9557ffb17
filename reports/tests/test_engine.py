"""The engine against a naive count, record by record, on random data (hypothesis)."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Perm
from cases.models import Case
from ledger.models import Participant, Quantity, QuantityKind, WorkRecord
from people import services as people_services
from people.builtin_groups import CATEGORIES
from people.ledgers import Span
from people.models import GroupCategory, Residence
from people.tests.factories import resident
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
@given(records=record_rows, cases=case_rows)
def test_the_engine_counts_as_a_naive_loop_does(world, records, cases):
    places = _places(world)
    people = (
        [resident(places[i % 3], f"居民{i}", birth=datetime.date(1970 + i, 1, 1)) for i in range(4)]
        if not hasattr(world, "people")
        else world.people
    )
    world.people = people
    leaflets = QuantityKind.objects.get(name="宣传资料")
    savepoint = transaction.savepoint()
    try:
        expected = _naive(world, places, people, records, cases)
        _write(places, people, leaflets, records, cases)
        ids = [
            "records.all",
            "records.activity",
            "records.heads",
            "quantity.leaflets",
            "volunteers",
            "requests.all",
            "requests.satisfied",
            "disputes.all",
        ]
        figures = evaluate([BY_ID[i] for i in ids], world.subdistrict, SPAN)
        for id_ in ids:
            assert figures.totals[id_] == expected["total"][id_], id_
            assert _clean(figures.by_child[id_]) == _clean(expected["child"][id_]), id_
            if BY_ID[id_].additive:
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
