"""A campaign's decisions each keep their own record, and a closed campaign's population does
not drift as the registry changes after it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inspections.tests.factories import shop
from people import services as people
from people.tests.factories import resident
from programs import services
from programs.models import Application, Campaign
from programs.tests.factories import household
from shequ.errors import DomainError

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _campaign(world, **extra) -> Campaign:
    values = {
        "name": "平安家庭",
        "subject": "household",
        "criteria": "家庭和睦，无违法犯罪",
        "starts_on": TODAY - 60 * DAY,
        "ends_on": TODAY + 30 * DAY,
        "place": world.community,
        "rule": "manual",
    }
    values.update(extra)
    return services.create_campaign(services.CampaignData(**values), by=None)


def test_the_shortlist_keeps_the_first_reviews_reason_reviewer_and_date(world):
    campaign = _campaign(world)
    application = services.apply(
        campaign, household=household(world.grid), applied_on=TODAY - 20 * DAY, by=None
    )
    reviewer, panel = world.cast["community_worker"], world.cast["community_head"]
    services.review(
        application, passed=True, reason="邻里评价好", day=TODAY - 15 * DAY, by=reviewer
    )
    services.shortlist(
        application, shortlisted=True, reason="评审小组同意", day=TODAY - 5 * DAY, by=panel
    )
    a = Application.objects.get(pk=application.pk)
    assert (a.stage, a.reason, a.reviewed_by, a.reviewed_on) == (
        "入围",
        "邻里评价好",
        reviewer,
        TODAY - 15 * DAY,
    )
    assert (a.shortlist_reason, a.shortlisted_by, a.shortlisted_on) == (
        "评审小组同意",
        panel,
        TODAY - 5 * DAY,
    )


def test_a_shortlist_dated_before_the_first_review_is_refused_and_changes_nothing(world):
    campaign = _campaign(world)
    application = services.apply(
        campaign, household=household(world.grid), applied_on=TODAY - 20 * DAY, by=None
    )
    services.review(application, passed=True, reason="好", day=TODAY - 10 * DAY, by=None)
    with pytest.raises(DomainError, match="入围评审日期不能早于初审日期"):
        services.shortlist(application, shortlisted=True, day=TODAY - 12 * DAY, by=None)
    a = Application.objects.get(pk=application.pk)
    assert (a.stage, a.shortlisted_on, a.reviewed_on) == ("初审通过", None, TODAY - 10 * DAY)


def _home(place, since, *, dissolved=None):
    """A household whose head moved in on `since`, dissolved on `dissolved`."""
    head = resident(place, "户主")
    home = people.create_household(
        number=f"E-{head.pk}", place=place, head=head, since=since, by=None
    )
    if dissolved is not None:
        type(home).objects.filter(pk=home.pk).update(dissolved_on=dissolved)
    return home


def test_a_closed_campaigns_population_is_those_there_during_its_period(world):
    start, end = TODAY - 100 * DAY, TODAY - 40 * DAY
    campaign = _campaign(world, starts_on=start, ends_on=end)
    counted = [
        _home(world.grid, start - 300 * DAY),  # there all along
        _home(world.grid, end),  # moved in on the last day
        _home(world.grid, start - 300 * DAY, dissolved=start + DAY),  # gone during it
        _home(world.grid, start - 300 * DAY, dissolved=end + DAY),  # gone after it
    ]
    _home(world.grid, end + DAY)  # moved in the day after it ended
    _home(world.grid, TODAY)  # registered today
    _home(world.grid, start - 300 * DAY, dissolved=start - DAY)  # gone before it began
    _home(world.grid, start - 300 * DAY, dissolved=start)  # gone on its first day
    _home(world.neighbour_community, start - 300 * DAY)  # another community's
    # Hand count: the four above.
    assert set(services.eligible(campaign)) == set(counted)
    assert services.funnel(campaign).eligible == 4
    assert services.funnels([campaign])[campaign.pk].eligible == 4


def test_a_closed_unit_campaign_leaves_out_units_closed_before_it(world):
    start, end = TODAY - 100 * DAY, TODAY - 40 * DAY
    campaign = _campaign(world, subject="unit", starts_on=start, ends_on=end)
    kept = [shop(world.grid), shop(world.grid)]
    type(kept[1]).objects.filter(pk=kept[1].pk).update(closed_on=end)
    gone = shop(world.grid)
    type(gone).objects.filter(pk=gone.pk).update(closed_on=start - DAY)
    assert set(services.eligible(campaign)) == set(kept)
    assert services.funnel(campaign).eligible == 2


def test_coverage_of_a_closed_campaign_does_not_drift(world):
    start, end = TODAY - 100 * DAY, TODAY - 40 * DAY
    campaign = _campaign(world, starts_on=start, ends_on=end)
    homes = [_home(world.grid, start - 10 * DAY) for _ in range(4)]
    application = services.apply(campaign, household=homes[0], applied_on=start, by=None)
    services.review(application, passed=True, reason="好", day=start + DAY, by=None)
    services.shortlist(application, shortlisted=True, day=start + 2 * DAY, by=None)
    services.award(campaign, household=homes[0], day=end, by=None)
    before = services.funnel(campaign)
    assert (before.eligible, before.coverage) == (4, Decimal("25.0"))
    for _ in range(3):
        _home(world.grid, TODAY)  # households registered since it ended
    assert services.funnel(campaign) == before


def test_a_household_that_moved_in_after_the_application_day_cannot_apply_on_it(world):
    campaign = _campaign(world)
    late = _home(world.grid, TODAY - 5 * DAY)
    with pytest.raises(DomainError, match="不在本次评选的参评范围内"):
        services.apply(campaign, household=late, applied_on=TODAY - 10 * DAY, by=None)
    assert not Application.objects.exists()
