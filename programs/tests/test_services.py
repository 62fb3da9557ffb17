import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from inspections.tests.factories import shop
from programs import services
from programs.models import (
    Application,
    Assistance,
    Campaign,
    Donation,
    Opinion,
    Question,
    ResponseAnswer,
    Stock,
    SupplyMove,
)
from programs.tests.factories import dibao, household
from shequ.errors import DomainError

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
START = TODAY - 60 * DAY


def _campaign(world, **extra) -> Campaign:
    values = {
        "name": "节水型家庭",
        "subject": "household",
        "criteria": "全年人均用水量不超过30吨",
        "starts_on": START,
        "ends_on": TODAY + 30 * DAY,
        "place": world.community,
        "fields": "water:全年用水量:吨",
        "rule": "threshold",
        "rule_field": "water",
        "rule_per_member": True,
        "rule_op": "<=",
        "rule_value": Decimal("30"),
    }
    values.update(extra)
    return services.create_campaign(services.CampaignData(**values), by=None)


def test_funnel_and_coverage_match_a_hand_count(world):
    campaign = _campaign(world)
    homes = [household(world.grid, members=n) for n in (1, 2, 3, 2, 4)]
    household(world.grid, registration="流动")  # eligible, never applies
    household(world.neighbour_community)  # outside the campaign's place
    water = ["25", "70", "80", "40", "200"]  # per member: 25, 35, 26.7, 20, 50
    apps = [
        services.apply(campaign, household=h, values={"water": w}, applied_on=TODAY, by=None)
        for h, w in zip(homes, water, strict=True)
    ]
    assert services.screen_all(campaign, by=None) == 5
    stages = [Application.objects.get(pk=a.pk).stage for a in apps]
    assert stages == ["初审通过", "初审未通过", "初审通过", "初审通过", "初审未通过"]
    assert "人均全年用水量 35.00，不符合“不高于30.00”的标准" in (
        Application.objects.get(pk=apps[1].pk).reason
    )
    services.shortlist(apps[0], shortlisted=True, by=None)
    services.shortlist(apps[2], shortlisted=True, by=None)
    services.shortlist(apps[3], shortlisted=False, reason="材料不全", by=None)
    services.award(campaign, household=homes[0], certificate=True, by=None)
    services.award(campaign, household=homes[2], certificate=False, by=None)
    funnel = services.funnel(campaign)
    # Eligible: the 5 applicants and the 流动 household of the community, not the neighbour's.
    assert funnel == services.Funnel(
        eligible=6, applied=5, passed=3, shortlisted=2, awarded=2, certificates=1
    )
    assert funnel.coverage == Decimal("33.3")  # 2 / 6


def test_an_award_to_a_non_applicant_is_refused(world):
    campaign = _campaign(world)
    outsider = household(world.grid)
    with pytest.raises(DomainError, match="没有申报本次评选，不能授牌"):
        services.award(campaign, household=outsider, by=None)
    applicant = household(world.grid)
    services.apply(campaign, household=applicant, values={"water": "10"}, by=None)
    with pytest.raises(DomainError, match="处于“已申报”阶段，不能授牌"):
        services.award(campaign, household=applicant, by=None)
    assert not Application.objects.filter(stage="授牌").exists()


def test_a_rule_on_a_missing_field_is_refused(world):
    with pytest.raises(DomainError, match="初审依据的数据项“electricity”不存在"):
        _campaign(world, rule_field="electricity")
    assert not Campaign.objects.exists()


def test_an_applicant_outside_the_eligible_population_is_refused(world):
    campaign = _campaign(world, eligible_filter="户籍")
    with pytest.raises(DomainError, match="不在本次评选的参评范围内"):
        services.apply(
            campaign,
            household=household(world.grid, registration="流动"),
            values={"water": "1"},
            by=None,
        )
    with pytest.raises(DomainError, match="只能为本辖区"):
        services.apply(
            campaign,
            household=household(world.neighbour_community),
            values={"water": "1"},
            by=world.cast["community_worker"],
        )
    with pytest.raises(DomainError, match="不能为负数"):
        services.apply(campaign, household=household(world.grid), values={"water": "-3"}, by=None)
    assert not Application.objects.exists()


def test_manual_review_needs_a_reason(world):
    campaign = _campaign(world, rule="manual", subject="unit", fields="")
    application = services.apply(campaign, unit=shop(world.grid), by=None)
    with pytest.raises(DomainError, match="请写明理由"):
        services.review(application, passed=True, by=None)
    services.review(application, passed=True, reason="消防设施完善", by=None)
    assert Application.objects.get().stage == "初审通过"


def test_funnels_of_many_campaigns_match_each_funnel(world):
    campaigns = [_campaign(world), _campaign(world, subject="unit", fields="", rule="manual")]
    homes = [household(world.grid, members=2) for _ in range(3)]
    shop(world.grid)
    for home in homes[:2]:
        services.apply(campaigns[0], household=home, values={"water": "20"}, by=None)
    services.screen_all(campaigns[0], by=None)
    together = services.funnels(campaigns)
    assert together == {c.pk: services.funnel(c) for c in campaigns}
    assert together[campaigns[0].pk].passed == 2 and together[campaigns[1].pk].eligible == 1


def test_an_honour_is_corrected_and_outside_ones_place_refused(world):
    honour = services.record_honour(
        services.HonourData("文明社区", "区级", "区文明办", TODAY, "社区", place=world.community),
        by=None,
    )
    data = services.HonourData("文明社区", "市级", "市文明办", TODAY, "社区", place=world.community)
    services.update_honour(honour, data, by=world.cast["community_worker"])
    honour.refresh_from_db()
    assert (honour.level, honour.issuer) == ("市级", "市文明办")
    entry = AuditEntry.objects.get(action="honour.update")
    assert entry.changes["level"] == ["区级", "市级"]
    moved = services.HonourData(
        "文明社区", "市级", "市文明办", TODAY, "社区", place=world.neighbour_community
    )
    with pytest.raises(DomainError, match="只能登记本辖区的记录"):
        services.update_honour(honour, moved, by=world.cast["community_worker"])
    honour.refresh_from_db()
    assert honour.place == world.community


def test_aid_is_tied_to_the_group_it_depends_on(world):
    home = household(world.grid, members=2)
    with pytest.raises(DomainError, match="低保金只能发给在册的低保对象"):
        services.give_assistance(
            services.AssistanceData("低保金", "民政", TODAY, amount="800", household=home),
            by=None,
        )
    membership = dibao(home)
    aid = services.give_assistance(
        services.AssistanceData("低保金", "民政", TODAY, amount="800", household=home), by=None
    )
    assert aid.membership == membership and aid.amount == Decimal("800.00")
    assert AuditEntry.objects.filter(action="assistance.create").count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"amount": "-5"}, "金额不能为负数"),
        ({"amount": "abc"}, "金额应为数字"),
        ({"amount": "1.234"}, "最多保留两位小数"),
        ({"amount": ""}, "请填写金额或发放的物资"),
    ],
)
def test_bad_aid_saves_nothing(world, extra, message):
    data = services.AssistanceData("慰问金", "社区", TODAY, household=household(world.grid))
    for key, value in extra.items():
        setattr(data, key, value)
    with pytest.raises(DomainError, match=message):
        services.give_assistance(data, by=None)
    assert not Assistance.objects.exists()


def test_aid_outside_ones_place_is_refused(world):
    data = services.AssistanceData(
        "慰问金", "社区", TODAY, amount="200", household=household(world.neighbour_community)
    )
    with pytest.raises(DomainError, match="受助对象不在本辖区"):
        services.give_assistance(data, by=world.cast["community_worker"])
    assert not Assistance.objects.exists()


def test_a_drive_never_hands_out_more_than_it_holds(world):
    drive = services.open_drive(
        name="爱心捐赠", place=world.community, starts_on=TODAY - DAY, by=None
    )
    gift = services.DonationData("in", TODAY, "张三", money="500", item="大米", quantity="20")
    services.record_donation(drive, gift, by=None)
    out = services.DonationData("out", TODAY, "困难户李四", money="300", item="大米", quantity="5")
    services.record_donation(drive, out, by=None)
    assert services.balance(drive) == {"": Decimal("200.00"), "大米": Decimal("15.00")}
    too_much = services.DonationData("out", TODAY, "王五", money="201")
    with pytest.raises(DomainError, match=r"超过结余200\.00元"):
        services.record_donation(drive, too_much, by=None)
    rice = services.DonationData("out", TODAY, "王五", item="大米", quantity="16")
    with pytest.raises(DomainError, match="大米（16）超过结余（15）"):
        services.record_donation(drive, rice, by=None)
    assert Donation.objects.count() == 2


def _stock(world, quantity="10"):
    item = services.add_supply_item(name="口罩", unit="个", by=None)
    services.move_supplies(
        world.community,
        services.MoveData(item, "采购入库", quantity, TODAY, counterpart="药店"),
        by=None,
    )
    return item


def test_an_issue_beyond_stock_is_refused(world):
    item = _stock(world)
    issue = services.MoveData(item, "发放出库", "11", TODAY, to_place=world.grid)
    with pytest.raises(DomainError, match="口罩库存只有10个，不能发放11个"):
        services.move_supplies(world.community, issue, by=None)
    issue.quantity = "4"
    move = services.move_supplies(world.community, issue, by=None)
    assert move.balance == Decimal("6") and move.counterpart == world.grid.name
    assert Stock.objects.get().on_hand == Decimal("6")


@pytest.mark.django_db(transaction=True)
def test_stock_never_goes_negative_under_concurrent_issues(world):
    """Eight issues at once from a stock of ten. SQLite lets one writer in at a time, so there
    the race cannot happen; on PostgreSQL (CI's second run) a read-then-write would fail."""
    item = _stock(world, "10")
    outcomes, lock = [], threading.Lock()

    def issue():
        try:
            services.move_supplies(
                world.community,
                services.MoveData(item, "发放出库", "3", TODAY, counterpart="网格"),
                by=None,
            )
            result = "issued"
        except DomainError:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["issued"] * 3 + ["refused"] * 5
    assert Stock.objects.get(item=item).on_hand == Decimal("1")
    assert SupplyMove.objects.filter(kind="发放出库").count() == 3


def test_opinions_go_to_a_deliberation(world):
    opinion = services.collect_opinion(
        services.OpinionData(TODAY - DAY, "走访", "交通停车", "小区停车难", place=world.grid),
        by=None,
    )
    meeting = services.record_deliberation(
        services.DeliberationData("停车位划线", TODAY, world.community, participants=15),
        by=None,
    )
    with pytest.raises(DomainError, match="请选择提交的议事协商"):
        services.settle_opinion(opinion, outcome="提交议事", by=None)
    services.settle_opinion(opinion, outcome="提交议事", deliberation=meeting, by=None)
    assert Opinion.objects.get().deliberation == meeting
    with pytest.raises(DomainError, match="公示前请填写协商结果"):
        services.record_deliberation(
            services.DeliberationData("停车", TODAY, world.community, published_on=TODAY),
            by=None,
        )


def test_questionnaire_results_count_each_option(world):
    q = services.create_questionnaire(
        title="居民满意度",
        place=world.community,
        starts_on=TODAY - DAY,
        ends_on=TODAY + DAY,
        questions=[
            services.QuestionData("总体满意度", "single", "满意、基本满意、不满意"),
            services.QuestionData("希望增加的活动", "multiple", "文体、讲座、志愿"),
        ],
        by=None,
    )
    first, second = q.questions.all()
    people_ = [household(world.grid).head for _ in range(3)]
    picks = [("满意", ["文体", "讲座"]), ("满意", ["文体"]), ("不满意", [])]
    for who, (one, many) in zip(people_, picks, strict=True):
        services.respond(q, answers={first.pk: one, second.pk: many}, resident=who, by=None)
    with pytest.raises(DomainError, match="已经填写过"):
        services.respond(q, answers={first.pk: "满意"}, resident=people_[0], by=None)
    with pytest.raises(DomainError, match="只能选一项"):
        services.respond(
            q, answers={first.pk: ["满意", "不满意"]}, resident=household(world.grid).head,
            by=None,
        )  # fmt: skip
    result = {r["question"].text: r["options"] for r in services.results(q)}
    assert result["总体满意度"] == [
        ("满意", 2, Decimal("66.7")),
        ("基本满意", 0, Decimal("0.0")),
        ("不满意", 1, Decimal("33.3")),
    ]
    assert [o[:2] for o in result["希望增加的活动"]] == [("文体", 2), ("讲座", 1), ("志愿", 0)]
    assert ResponseAnswer.objects.count() == 6  # 3 + 2 + 1 options ticked
    assert Question.objects.count() == 2


def test_entries_are_made_in_date_order_so_no_balance_goes_below_zero_on_a_day(world):
    drive = services.open_drive(
        name="爱心捐赠", place=world.community, starts_on=TODAY - 9 * DAY, by=None
    )
    services.record_donation(
        drive, services.DonationData("in", TODAY - 2 * DAY, "张三", money="1000"), by=None
    )
    early = services.DonationData("out", TODAY - 5 * DAY, "李四", money="600")
    with pytest.raises(DomainError, match="日期不能早于本活动最近一笔收支"):
        services.record_donation(drive, early, by=None)
    item = _stock(world, "30")
    SupplyMove.objects.update(date=TODAY - DAY)
    backdated = services.MoveData(item, "发放出库", "10", TODAY - 3 * DAY, counterpart="网格")
    with pytest.raises(DomainError, match="最近一次出入库"):
        services.move_supplies(world.community, backdated, by=None)
    assert Donation.objects.count() == 1 and Stock.objects.get().on_hand == Decimal("30")


def test_campaign_terms_are_fixed_once_someone_applied(world):
    campaign = _campaign(world)
    services.apply(campaign, household=household(world.grid), values={"water": "500"}, by=None)
    data = services.CampaignData(
        name=campaign.name, subject="household", criteria=campaign.criteria,
        starts_on=campaign.starts_on, ends_on=campaign.ends_on, place=world.community,
        fields="usage:全年用水:吨", rule="threshold", rule_field="usage",
        rule_per_member=True, rule_op="<=", rule_value=Decimal("30"),
    )  # fmt: skip
    with pytest.raises(DomainError, match="已有申报，不能再更改"):
        services.update_campaign(campaign, data, by=None)
    campaign.refresh_from_db()
    assert campaign.rule_field == "water"
    with pytest.raises(DomainError, match="标准值不能为负数"):
        _campaign(world, rule_value=Decimal("-5"))
    with pytest.raises(DomainError, match="标准值应为数字"):
        _campaign(world, rule_value="1e3")
    with pytest.raises(DomainError, match="请填写标准值"):
        _campaign(world, rule_value="")


def test_aid_rests_only_on_a_member_living_there_that_day(world):
    from people import services as people
    from people.models import GroupCategory

    old_home, new_home = household(world.grid), household(world.grid)
    mover = household(world.grid).head
    people.move_in(old_home, mover, relation="子", since=TODAY - 400 * DAY, by=None)
    people.move_in(new_home, mover, relation="子", since=TODAY - 100 * DAY, by=None)
    people.add_membership(
        GroupCategory.objects.get(code="disabled"),
        resident=mover,
        start=TODAY - 500 * DAY,
        attributes={"disability_type": "肢体", "grade": "二级"},
        by=None,
    )
    aid = services.AssistanceData("残疾人补贴", "民政", TODAY, amount="100", household=old_home)
    with pytest.raises(DomainError, match="残疾人补贴只能发给在册的残疾人对象"):
        services.give_assistance(aid, by=None)
    aid.household = new_home
    assert services.give_assistance(aid, by=None).membership.resident == mover
