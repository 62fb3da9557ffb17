"""The demo's year of inspections: every built-in checklist used, failing items with their
orders, orders closed on time, late and still overdue, monthly pest monitoring with plausible
counts, agreements with many units and landlords — each row as the services would have
written it, by the community's own accounts, nothing in the future."""

import datetime
import random
from collections import Counter

import pytest
from django.utils import timezone

from areas.models import LocalUnit
from inspections import demo
from inspections.models import Agreement, Inspection, Rectification, RoomCount
from people import demo as people_demo
from people.models import Rental

TODAY = timezone.localdate()


@pytest.fixture
def year(world):
    people_demo.populate(world.community, random.Random(7))
    made = demo.populate(world.community, random.Random(11))
    inspections = list(
        Inspection.objects.filter(place_path__under=world.community.path)
        .select_related("checklist_version__checklist", "place", "created_by__place")
        .prefetch_related(
            "answers__item", "room_counts", "inspectors__place", "checklist_version__items"
        )
    )
    orders = list(
        Rectification.objects.filter(place_path__under=world.community.path)
        .select_related("inspection", "item")
        .prefetch_related("rechecks")
    )
    return made, inspections, orders


def test_all_four_checklists_are_used_with_orders_in_every_state(year, world):
    made, inspections, orders = year
    assert made["inspections"] == len(inspections) and made["rectifications"] == len(orders)
    used = Counter(i.checklist_version.checklist.name for i in inspections)
    assert set(used) == {demo.FIRE, demo.PEST, demo.FOOD, demo.RENTAL}
    assert Counter(i.target for i in inspections).keys() == {"unit", "dwelling", "site"}
    failed = [i for i in inspections if i.failures]
    assert 0.1 < len(failed) / len(inspections) < 0.4
    overdue = Rectification.objects.filter(place_path__under=world.community.path).overdue()
    assert overdue.count() >= 2
    closed = [o for o in orders if o.closed_on]
    assert sum(o.on_time for o in closed) > sum(not o.on_time for o in closed) > 0
    assert any(not r.passed for o in orders for r in o.rechecks.all())


def test_each_inspection_is_what_the_services_would_have_saved(year, world):
    _made, inspections, _orders = year
    for inspection in inspections:
        answers = list(inspection.answers.all())
        items = list(inspection.checklist_version.items.all())
        assert sorted(a.item_id for a in answers) == sorted(i.pk for i in items)
        for answer in answers:
            assert answer.failed == answer.item.fails(answer.value), answer
            assert answer.value or not answer.item.required, answer
        assert inspection.failures == sum(a.failed for a in answers)
        assert inspection.area == inspection.checklist_version.checklist.area
        assert inspection.date <= TODAY and inspection.date > TODAY - datetime.timedelta(days=366)
        assert timezone.localtime(inspection.created_at).date() == inspection.date
        assert inspection.place_path.startswith(world.community.path)
        assert inspection.inspectors.all() or inspection.other_inspectors
        if inspection.unit_id:
            assert inspection.target_name == LocalUnit.objects.get(pk=inspection.unit_id).name


def test_the_inspectors_are_the_communitys_own_accounts(year, world):
    _made, inspections, _orders = year
    names = Counter()
    for inspection in inspections:
        for user in [*inspection.inspectors.all(), inspection.created_by]:
            assert user.scope_path.startswith(world.community.path), user
            assert inspection.place_path.startswith(user.scope_path), (user, inspection)
            names[user.username] += 1
    assert {"in_community_worker", "in_community_head"} <= set(names)


def test_orders_follow_failing_items_and_rechecks_close_or_extend_them(year):
    _made, _inspections, orders = year
    assert orders
    for order in orders:
        answer = order.inspection.answers.get(item=order.item)
        assert answer.failed and order.item.needs_rectification
        assert order.inspection.date <= order.issued_on <= order.first_deadline
        assert order.finding and order.responsible and order.place_id == order.inspection.place_id
        rechecks = list(order.rechecks.all())
        assert order.version == len(rechecks)
        deadline, last = order.first_deadline, order.issued_on
        for n, recheck in enumerate(rechecks):
            assert last <= recheck.date <= TODAY
            last = recheck.date
            if recheck.passed:
                assert n == len(rechecks) - 1 and order.closed_on == recheck.date
            else:
                assert recheck.new_deadline > recheck.date
                deadline = recheck.new_deadline
        assert order.deadline == deadline
        if order.closed_on is None:
            assert not rechecks or not rechecks[-1].passed


def test_monthly_monitoring_counts_are_consistent_and_low(year):
    _made, inspections, _orders = year
    monitoring = [i for i in inspections if i.site == demo.MONITORING_SITE]
    months = Counter((i.date.year, i.date.month) for i in monitoring)
    assert len(months) >= 12 and set(months.values()) == {1}
    rows = [r for i in monitoring for r in i.room_counts.all()]
    assert {r.category for r in rows} == set(RoomCount.Category.values)
    assert all(r.positive <= r.rooms and r.unproofed <= r.rooms for r in rows)
    rooms, positive = sum(r.rooms for r in rows), sum(r.positive for r in rows)
    assert 0 < positive / rooms < 0.05
    assert all(1000 <= i.outdoor_metres <= 2000 and i.burrows <= 3 for i in monitoring)
    units = [i for i in inspections if i.checklist_version.checklist.counts and i.unit_id]
    assert units and all(i.room_counts.all() for i in units)


def test_agreements_cover_many_units_and_landlords_but_not_all(year, world):
    path = world.community.path
    agreements = list(Agreement.objects.filter(place_path__under=path))
    units = set(LocalUnit.objects.filter(place_path__under=path).values_list("pk", flat=True))
    signed = {a.unit_id for a in agreements if a.in_force_on() and a.unit_id}
    assert len(signed) >= len(units) / 2 and signed < units
    rentals = set(Rental.objects.filter(place_path__under=path).values_list("pk", flat=True))
    landlords = {a.rental_id for a in agreements if a.in_force_on() and a.rental_id}
    assert len(rentals) / 3 < len(landlords) < len(rentals)
    assert {a.kind for a in agreements} >= {
        "消防安全责任书",
        "出租房屋治安责任书",
        "食品安全承诺书",
    }
    assert any(not a.in_force_on() for a in agreements)  # last year's, run out
    for a in agreements:
        assert a.signed_on == a.starts_on <= TODAY and a.ends_on >= a.starts_on
        assert timezone.localtime(a.created_at).date() == a.signed_on


def test_a_rental_inspection_answers_the_agreement_question_from_the_agreements(year):
    _made, inspections, _orders = year
    checked = [i for i in inspections if i.dwelling_id]
    assert checked
    for inspection in checked:
        answer = next(a for a in inspection.answers.all() if a.item.label.startswith("签订"))
        held = Agreement.objects.filter(rental__dwelling=inspection.dwelling_id)
        assert (answer.value == "是") == any(a.in_force_on(inspection.date) for a in held)


def test_the_same_seed_builds_the_same_year(world):
    people_demo.populate(world.community, random.Random(7))
    demo.populate(world.community, random.Random(11))

    def snapshot():
        return (
            list(Inspection.objects.order_by("pk").values_list("date", "target_name", "failures")),
            list(Rectification.objects.order_by("pk").values_list("finding", "deadline")),
        )

    first = snapshot()
    for model in (Rectification, Inspection, Agreement):  # re-checks, answers, counts follow
        model.objects.all().delete()
    demo.populate(world.community, random.Random(11))
    assert snapshot() == first
