"""The demo's year of programs: campaigns with every stage of the funnel, honours, aid tied to
the memberships it rests on, drives and a store that never hand out more than they hold,
opinions taken to the residents' assemblies, a questionnaire — all in the past year, in the
community, and readable through the ledgers."""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger import demo as ledger_demo
from ledger.models import WorkRecord
from people import demo as people_demo
from programs import demo, services
from programs.models import (
    Application,
    Assistance,
    Campaign,
    Deliberation,
    Donation,
    DonationDrive,
    Honour,
    Opinion,
    Response,
    ResponseAnswer,
    Stock,
    SupplyMove,
)
from programs.tests.test_ledgers import CODES

TODAY = timezone.localdate()
YEAR_AGO = TODAY - datetime.timedelta(days=365)


@pytest.fixture
def year(world):
    people_demo.populate(world.community, random.Random(7))
    ledger_demo.populate(world.community, random.Random(9))
    return demo.populate(world.community, random.Random(11))


def test_every_stage_of_every_funnel_step_is_there(year, world):
    campaigns = list(Campaign.objects.filter(place_path__under=world.community.path))
    assert year["campaigns"] == len(campaigns) == 3
    stages = Counter(Application.objects.values_list("stage", flat=True))
    for stage in Application.Stage.values:
        assert stages[stage], stage
    assert sum(stages.values()) == year["applications"]
    for campaign in campaigns:
        funnel = services.funnel(campaign)
        assert funnel.applied >= funnel.passed >= funnel.shortlisted >= funnel.awarded
        assert funnel.eligible >= funnel.applied > 0, campaign.name
    awarded = Application.objects.filter(stage="授牌")
    assert awarded.filter(certificate=True).exists()
    for a in Application.objects.select_related("campaign"):
        assert a.campaign.starts_on <= a.applied_on <= min(a.campaign.ends_on, TODAY)
        assert (a.household_id is None) == (a.campaign.subject == "unit")
        if a.stage != "申报":
            assert a.applied_on <= a.reviewed_on <= TODAY and a.reason and a.reviewed_by
        if a.stage in ("入围", "未入围", "授牌"):
            # The shortlist decision has its own fields; the first review's are kept.
            assert a.reviewed_on <= a.shortlisted_on <= TODAY
            assert a.shortlist_reason and a.shortlisted_by
            assert a.reason != a.shortlist_reason
        else:
            assert a.shortlisted_on is None and not a.shortlist_reason
        if a.stage == "授牌":
            assert a.shortlisted_on <= a.awarded_on <= TODAY
    # The rule decided the water campaign's first review, in the words services.review writes.
    water = Campaign.objects.get(name="节水型家庭")
    for a in water.applications.filter(stage__in=["初审通过", "初审未通过"]):
        passed, reason = services.rule_passes(water, a)
        assert (a.stage == "初审通过") == passed and a.reason == reason


def test_aid_rests_on_the_memberships_in_force_on_the_day(year, world):
    aid = list(Assistance.objects.select_related("membership__category"))
    assert len(aid) == year["assistance"]
    kinds = Counter(a.kind for a in aid)
    for kind in ("低保金", "高龄补贴", "慰问金", "慰问物资", "临时救助"):
        assert kinds[kind], kind
    for a in aid:
        assert YEAR_AGO <= a.date <= TODAY and a.place_path.startswith(world.community.path)
        assert a.amount > 0 or a.goods
        group = services.AID_GROUPS.get(a.kind)
        if a.membership is None:
            assert a.kind not in services.AID_NEEDS_GROUP, a
            continue
        assert a.membership.category.code == group, a
        m = a.membership
        assert m.start <= a.date and (m.end is None or m.end >= a.date)
        if a.resident_id:
            assert m.resident_id == a.resident_id, a
        else:
            assert m.household_id == a.household_id, a
    subsistence = [a for a in aid if a.kind == "低保金"]
    assert all(a.membership is not None for a in subsistence)
    assert all(a.amount == Decimal(a.membership.attributes["monthly_amount"]) for a in subsistence)
    assert all(a.period_start.day == 1 and a.period_end >= a.period_start for a in subsistence)
    # Paid each month to each household: never twice in one month.
    months = Counter((a.household_id, a.period_start) for a in subsistence)
    assert max(months.values()) == 1


def test_drives_never_hand_out_more_than_they_hold(year, world):
    drives = list(DonationDrive.objects.filter(place_path__under=world.community.path))
    assert len(drives) == year["drives"] == 2
    for drive in drives:
        held: dict[str, Decimal] = defaultdict(Decimal)
        entries = list(drive.entries.order_by("date", "id"))
        assert {e.direction for e in entries} == {"in", "out"}, drive.name
        for entry in entries:
            sign = 1 if entry.direction == "in" else -1
            held[""] += sign * entry.money
            if entry.item:
                held[entry.item] += sign * entry.quantity
            assert min(held.values()) >= 0, (drive.name, entry)
            assert drive.starts_on <= entry.date <= TODAY
        assert services.balance(drive) == dict(held)
    assert Donation.objects.filter(direction="out", item="").exists()  # money handed out
    assert Donation.objects.filter(direction="out").exclude(item="").exists()  # and items


def test_stock_never_goes_negative_and_ends_where_the_moves_leave_it(year, world):
    moves = list(SupplyMove.objects.select_related("item").order_by("item_id", "id"))
    assert len(moves) == year["supply_moves"]
    running: dict[int, Decimal] = defaultdict(Decimal)
    for move in moves:
        running[move.item_id] += -move.quantity if move.is_issue else move.quantity
        assert running[move.item_id] >= 0 and move.balance == running[move.item_id], move
        assert YEAR_AGO <= move.date <= TODAY
    stock = {s.item_id: s.on_hand for s in Stock.objects.filter(place=world.community)}
    assert stock == dict(running)
    issues = [m for m in moves if m.is_issue]
    assert any(m.to_place_id for m in issues) and any(m.record_id for m in issues)
    assert any(m.campaign_id for m in issues) and any(m.to_unit_id for m in issues)
    assert {m.kind for m in moves} >= {"采购入库", "调拨入库", "捐赠入库", "发放出库"}


def test_opinions_go_to_the_residents_assemblies_or_get_an_answer(year, world):
    meetings = list(Deliberation.objects.select_related("record"))
    assert len(meetings) == year["deliberations"] >= 1
    for meeting in meetings:
        assert meeting.record.kind == WorkRecord.Kind.ASSEMBLY
        assert meeting.date == meeting.record.date
        assert meeting.opinions.exists()
        assert all(o.date <= meeting.date for o in meeting.opinions.all())
        if meeting.published_on:
            assert meeting.decision and meeting.date <= meeting.published_on <= TODAY
    outcomes = Counter(Opinion.objects.values_list("outcome", flat=True))
    assert all(outcomes[o] for o in Opinion.Outcome.values), outcomes
    assert not Opinion.objects.filter(outcome="已答复", reply="").exists()
    sources = Counter(Opinion.objects.values_list("source", flat=True))
    assert sources.most_common(1)[0][0] == "网格员"


def test_honours_and_the_questionnaire(year, world):
    honours = list(Honour.objects.all())
    assert len(honours) == year["honours"] >= 10
    assert {h.recipient for h in honours} == {"社区", "单位", "个人"}
    assert len({h.level for h in honours}) >= 3
    assert all(YEAR_AGO <= h.date <= TODAY for h in honours)
    responses = Response.objects.all()
    assert responses.count() == year["responses"] >= 40
    (survey,) = {r.questionnaire for r in responses}
    assert all(survey.starts_on <= r.date <= survey.ends_on for r in responses)
    for result in services.results(survey):
        ticked = sum(n for _option, n, _share in result["options"])
        if result["question"].kind == "single":
            assert ticked == len(responses)  # every response, one option each
        elif result["question"].kind == "multiple":
            assert ticked >= len(responses)
    values = ResponseAnswer.objects.select_related("question")
    assert all(a.value in a.question.choice_list() for a in values if a.question.kind != "text")


def test_the_demo_reads_through_every_programs_ledger(client, year, world):
    client.force_login(world.cast["community_head"])
    query = {"place": world.community.pk, "start": YEAR_AGO.isoformat(), "on": TODAY.isoformat()}
    for code in CODES:
        page = client.get(reverse("people:ledger-detail", args=[code]), query)
        assert page.status_code == 200 and page.context["rows"], code
        export = client.get(reverse("people:ledger-export", args=[code]), query)
        assert export.status_code == 200, code
