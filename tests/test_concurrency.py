"""Two people saving the same record at the same moment, over real HTTP against a live server
(threaded, on the test database's file or PostgreSQL): exactly one save wins, the other is told
in Chinese and keeps what they typed, and the database holds the winner's change."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from tests.live import Person, Response, at_once

# Transactional: the live server's threads see what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _builtins():
    """The rows the migrations put in (topics, group categories, checklists), which an earlier
    transactional test's flush took away. (Not serialized_rollback: after another
    transactional test's flush has made the content types again, loading them again fails.)"""
    from shequ.demo import ensure_catalogues

    ensure_catalogues()


STALE = "刚被他人"  # every conflict message of the project says so


def _two_people(live_server, world, role="community_worker", other="community_head"):
    return Person(live_server.url, world.cast[role]), Person(live_server.url, world.cast[other])


def _winner_and_loser(answers: list[Response], told: str = STALE) -> tuple[int, Response]:
    """Exactly one answer is the redirect of a saved form; the other re-shows the form with
    the message `told`."""
    saved = [i for i, a in enumerate(answers) if a.status == 302]
    assert len(saved) == 1, [(a.status, a.text[:200]) for a in answers]
    loser = answers[1 - saved[0]]
    assert loser.status in (200, 409)
    assert told in loser.text
    return saved[0], loser


def test_two_people_saving_one_resident_at_once(live_server, world):
    from people.models import Resident
    from people.tests.factories import resident

    person = resident(world.grid, "赵六", phone="13700001111")
    url = reverse("people:resident-edit", args=[person.pk])
    a, b = _two_people(live_server, world)
    form_a, form_b = a.get(url).form(), b.get(url).form()
    notes = ["甲填写的备注", "乙填写的备注"]
    answers = at_once(
        lambda: a.submit(url, form_a, notes=notes[0], work_unit="甲单位"),
        lambda: b.submit(url, form_b, notes=notes[1], work_unit="乙单位"),
    )
    won, loser = _winner_and_loser(answers)
    assert loser.status == 409
    assert notes[1 - won] in loser.text  # the loser's input is still on the form
    person.refresh_from_db()
    assert (person.notes, person.version) == (notes[won], 1)
    assert AuditEntry.objects.filter(action="resident.update").count() == 1
    # Saving again from the re-shown form is a deliberate overwrite, and it goes through.
    again = (a, b)[1 - won].submit(url, loser.form())
    assert again.status == 302
    assert Resident.objects.get(pk=person.pk).notes == notes[1 - won]


def test_two_people_correcting_one_work_record_at_once(live_server, world):
    from ledger import services
    from ledger.models import Topic, WorkRecord

    record = services.save_record(
        None,
        services.RecordData(
            kind="宣传", title="防诈宣传", date=datetime.date(2025, 4, 15), place=world.grid,
            topics=[Topic.objects.get(code="law")],
        ),
        by=world.cast["community_worker"],
    )  # fmt: skip
    url = reverse("ledger:record-edit", args=[record.pk])
    a, b = _two_people(live_server, world)
    form_a, form_b = a.get(url).form(), b.get(url).form()
    titles = ["甲改的标题", "乙改的标题"]
    answers = at_once(
        lambda: a.submit(url, form_a, title=titles[0]),
        lambda: b.submit(url, form_b, title=titles[1]),
    )
    won, loser = _winner_and_loser(answers)
    assert loser.status == 409 and titles[1 - won] in loser.text
    assert WorkRecord.objects.get(pk=record.pk).title == titles[won]


def test_two_people_acting_on_one_case_at_once(live_server, world):
    from cases.models import Case
    from cases.tests.factories import open_case

    case = open_case(world, "诉求", assignee=world.cast["community_worker"])
    detail = reverse("cases:case-detail", args=[case.pk])
    act = reverse("cases:case-act", args=[case.pk, "finish"])
    a, b = _two_people(live_server, world)
    form_a, form_b = a.get(detail).form(act), b.get(detail).form(act)
    notes = ["甲：灯已修好", "乙：已联系物业修好"]
    answers = at_once(
        lambda: a.submit(detail, form_a, **{"finish-note": notes[0]}),
        lambda: b.submit(detail, form_b, **{"finish-note": notes[1]}),
    )
    won, loser = _winner_and_loser(answers)
    assert notes[1 - won] in loser.text
    case = Case.objects.get(pk=case.pk)
    assert case.state != "已派单"
    finished = case.events.filter(action="finish")
    assert [e.note for e in finished] == [notes[won]]


def test_two_people_correcting_one_inspection_at_once(live_server, world):
    from inspections.models import Inspection
    from inspections.tests.factories import inspect

    inspection = inspect(world, fail=1)
    url = reverse("inspections:inspection-edit", args=[inspection.pk])
    a, b = _two_people(live_server, world)
    form_a, form_b = a.get(url).form(), b.get(url).form()
    notes = ["甲：店主在场", "乙：店员在场"]
    answers = at_once(
        lambda: a.submit(url, form_a, notes=notes[0]),
        lambda: b.submit(url, form_b, notes=notes[1]),
    )
    won, loser = _winner_and_loser(answers)
    assert notes[1 - won] in loser.text
    inspection = Inspection.objects.get(pk=inspection.pk)
    assert (inspection.notes, inspection.version) == (notes[won], 1)


def test_two_people_correcting_one_payment_at_once(live_server, world):
    from programs.models import Assistance
    from programs.tests.aid_factories import assistance

    aid = assistance(world)
    url = reverse("programs:assistance-correct", args=[aid.pk])
    a, b = _two_people(live_server, world)
    form_a, form_b = a.get(url).form(), b.get(url).form()
    answers = at_once(
        lambda: a.submit(url, form_a, amount="350", reason="甲：金额录错"),
        lambda: b.submit(url, form_b, amount="360", reason="乙：金额录错"),
    )
    # The payment the loser was correcting is void now, and the page says so.
    won, loser = _winner_and_loser(answers, told="不能再次作废或更正")
    assert ("乙：金额录错", "甲：金额录错")[won] in loser.text
    aid.refresh_from_db()
    assert aid.is_voided and aid.void_reason == ("甲：金额录错", "乙：金额录错")[won]
    right = Assistance.objects.get(replaces=aid)
    assert right.amount == Decimal(("350", "360")[won])
    assert Assistance.objects.count() == 2


def test_two_people_changing_one_campaign_at_once(live_server, world):
    from programs import services
    from programs.models import Campaign

    today = timezone.localdate()
    campaign = services.create_campaign(
        services.CampaignData(
            name="文明家庭", subject="household", criteria="原标准", place=world.community,
            starts_on=today - datetime.timedelta(days=10), ends_on=today,
        ),
        by=None,
    )  # fmt: skip
    url = reverse("programs:campaign-edit", args=[campaign.pk])
    a, b = _two_people(live_server, world)
    form_a, form_b = a.get(url).form(), b.get(url).form()
    criteria = ["甲改的评选标准", "乙改的评选标准"]
    answers = at_once(
        lambda: a.submit(url, form_a, criteria=criteria[0]),
        lambda: b.submit(url, form_b, criteria=criteria[1]),
    )
    won, loser = _winner_and_loser(answers)
    assert loser.status == 409 and criteria[1 - won] in loser.text
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert (campaign.criteria, campaign.version) == (criteria[won], 1)
    assert AuditEntry.objects.filter(action="campaign.update").count() == 1


def test_two_people_correcting_one_rental_at_once(live_server, world):
    from areas.models import Dwelling
    from people.models import Rental

    dwelling = Dwelling.objects.create(address="和平里7号", place=world.grid)
    rental = Rental.objects.create(
        dwelling=dwelling, landlord_name="房东甲", start=datetime.date(2025, 1, 1), place=world.grid
    )
    url = reverse("people:rental-edit", args=[rental.pk])
    a, b = _two_people(live_server, world)
    form_a, form_b = a.get(url).form(), b.get(url).form()
    tenants = ["甲登记的承租人", "乙登记的承租人"]
    answers = at_once(
        lambda: a.submit(url, form_a, tenant_name=tenants[0]),
        lambda: b.submit(url, form_b, tenant_name=tenants[1]),
    )
    won, loser = _winner_and_loser(answers)
    assert loser.status == 409 and tenants[1 - won] in loser.text
    rental.refresh_from_db()
    assert (rental.tenant_name, rental.version) == (tenants[won], 1)
    assert AuditEntry.objects.filter(action="rental.update").count() == 1


@pytest.mark.parametrize("people", [4])
def test_concurrent_issues_never_take_stock_below_zero(
    live_server, transactional_db, world, people
):
    """Four people issue 2 of the last 5 masks at once: two issues go through, the others are
    refused with the stock they would overdraw, and the stock ends at 1."""
    from programs.models import Stock, SupplyMove
    from programs.tests.aid_factories import receive

    move = receive(world.community, "5")
    url = reverse("programs:supply-issue")
    people = 4
    staff = ["community_worker", "community_head"] * 2
    crowd = [Person(live_server.url, world.cast[role]) for role in staff]
    forms = [p.get(url).form() for p in crowd]
    today = timezone.localdate().isoformat()
    data = {"place": world.community.pk, "item": move.item_id, "quantity": "2", "date": today}

    def issue(i: int):
        return crowd[i].submit(url, forms[i], **data, to_place=world.grid.pk, notes=f"第{i}人")

    answers = at_once(*[lambda i=i: issue(i) for i in range(people)])
    statuses = sorted(a.status for a in answers)
    assert statuses == [200] * (people - 2) + [302, 302], [a.text[:300] for a in answers]
    for refused in (a for a in answers if a.status == 200):
        assert "库存只有1个，不能发放2个" in refused.text
    assert Stock.objects.get().on_hand == 1
    issued = SupplyMove.objects.filter(kind="发放出库").order_by("pk")
    assert [m.balance for m in issued] == [3, 1]
