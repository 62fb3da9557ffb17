"""The demo's year of cases: every kind in every state, overdue ones and unsatisfied follow-ups,
timelines that the flows allow, in time order and none in the future."""

import datetime
import itertools
import random
from collections import Counter

import pytest
from django.utils import timezone

from cases import demo
from cases.flows import FLOWS, UNSATISFIED
from cases.models import Case, Screening
from cases.services import half_month_of, may_handle
from people import demo as people_demo
from people.models import Membership


@pytest.fixture
def year(world):
    people_demo.populate(world.community, random.Random(7))
    made = demo.populate(world.community, random.Random(11))
    cases = list(
        Case.objects.filter(place_path__under=world.community.path)
        .select_related("assignee", "membership__category", "subject")
        .prefetch_related("events", "parties")
    )
    return made, cases


def test_every_kind_appears_in_every_state(year):
    made, cases = year
    assert made["cases"] == len(cases)
    seen = Counter((c.kind, c.state) for c in cases)
    for kind, flow in FLOWS.items():
        for state in flow.states:
            assert seen[(kind, state)], (kind, state)
    kinds = Counter(c.kind for c in cases)
    assert 40 <= kinds["诉求"] <= 80 and 5 <= kinds["信访"] <= 10 and 10 <= kinds["纠纷"] <= 20
    assert 1 <= kinds["矫正"] <= 4 and 1 <= kinds["帮教"] <= 4


def test_overdue_cases_unsatisfied_follow_ups_and_the_petition_exceptions_exist(year, world):
    _made, cases = year
    overdue = Case.objects.filter(place_path__under=world.community.path).overdue()
    assert {c.kind for c in overdue} >= {"诉求", "信访", "纠纷"}
    requests = [c for c in cases if c.kind == "诉求"]
    unsatisfied = [c for c in requests if any(
        e.data.get("rating") == UNSATISFIED for e in c.events.all())]  # fmt: skip
    assert any(c.state == "已结案" for c in unsatisfied), "reopened, redone and then satisfied"
    assert any(c.rating == UNSATISFIED and c.state == "处理中" for c in unsatisfied)
    closed = [c for c in requests if c.state == "已结案"]
    assert sum(c.on_time is False for c in closed) >= 2  # some finished late
    assert all(c.rating for c in closed)
    public = [c for c in requests if c.channel == "居民自助"]
    assert public and all(c.tracking_code and len(c.tracking_code) == 8 for c in public)
    assert all(c.place_path == world.community.path for c in public)  # as the public page files
    petitions = [c for c in cases if c.kind == "信访"]
    actions = Counter(e.action for c in petitions for e in c.events.all())
    assert actions["reject"] >= 1 and actions["extend"] >= 1
    disputes = [c for c in cases if c.kind == "纠纷"]
    assert all(c.parties.all() for c in disputes)
    assert Counter(c.agreed for c in disputes)[True] > Counter(c.agreed for c in disputes)[False]


def test_every_timeline_is_one_the_flows_allow_in_order_and_in_the_past(year, world):
    _made, cases = year
    now = timezone.now()
    for case in cases:
        flow = FLOWS[case.kind]
        events = sorted(case.events.all(), key=lambda e: e.id)
        assert events[0].action == "open" and events[0].at == case.received_at
        assert events[0].state == flow.initial
        state, done, closed = flow.initial, None, None
        for before, event in itertools.pairwise(events):
            assert before.at <= event.at <= now, case
            action = flow.action(event.action)
            assert action in flow.allowed(state), (case, state, event.action)
            rating = event.data.get("rating", "")
            state = action.target_for(rating) or state
            assert event.state == state
            if rating and action.target_for(rating) != action.target:
                done = None
            if action.marks_done:
                done = event.at
            if action.marks_closed:
                closed = event.at
        assert case.state == state and case.version == len(events) - 1, case
        assert (case.done_at, case.closed_at) == (done, closed), case
        assert case.received_at <= now and case.created_at >= case.received_at
        if case.assignee is not None:
            assert may_handle(case.assignee, case.place_path, case.kind), case
    # The community's own workers carry most of its cases: "my cases" is not empty.
    worker = world.cast["community_worker"]
    assert sum(c.assignee == worker and c.is_open for c in cases) >= 1


def test_supervision_files_follow_their_group_membership_with_monthly_entries(year, world):
    _made, cases = year
    files = [c for c in cases if FLOWS[c.kind].supervision]
    assert files
    for case in files:
        membership = case.membership
        assert membership.resident_id == case.subject_id
        assert case.subject.place_path.startswith(world.community.path)
        assert membership.category.code == {"矫正": "correction", "帮教": "released"}[case.kind]
        assert (membership.end is None) == case.is_open
        if not case.is_open:
            assert membership.end == timezone.localtime(case.closed_at).date()
        months = {
            (e.at.year, e.at.month) for e in case.events.all() if e.action in ("visit", "report")
        }
        age = (timezone.now() - case.received_at).days
        assert len(months) >= min(age // 31 - 1, 10), case  # every month the file was open
    assert (
        not Membership.objects.filter(
            category__code__in=("correction", "released"),
            end__isnull=True,
            place_path__startswith=world.community.path,
        )
        .exclude(resident__supervision_files__closed_at__isnull=True)
        .exists()
    ), "a file per member"


def test_the_half_monthly_screening_has_a_gap_and_counts_what_it_found(year, world):
    _made, cases = year
    screenings = list(Screening.objects.filter(place=world.community))
    assert 22 <= len(screenings) <= 23
    assert sum(s.nothing_found for s in screenings) > len(screenings) // 2
    found = Counter(
        half_month_of(timezone.localtime(c.received_at).date())
        for c in cases
        if c.kind == "纠纷" and c.channel == "排查发现"
    )
    for screening in screenings:
        assert screening.found == found.get(screening.period_start, 0)
        assert screening.created_at.date() >= screening.period_start
    latest = half_month_of(half_month_of(timezone.localdate()) - datetime.timedelta(days=1))
    assert max(s.period_start for s in screenings) <= latest
