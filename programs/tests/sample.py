"""A hand-made year of programs in and around the home community — campaigns and awards,
honours, assistance, donations, supplies, opinions, deliberations and questionnaires — with what
each figure must come to (worked out by hand in the comments). The indicator tests and the
summary tests read the same data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from inspections.tests.factories import shop
from people import services as people
from people.models import GroupCategory, Household, Resident
from people.tests.factories import resident
from programs import services
from programs.models import (
    Application,
    Assistance,
    Campaign,
    Deliberation,
    Honour,
    Opinion,
    Questionnaire,
)
from programs.tests.aid_factories import item
from programs.tests.factories import dibao, household

Y = timezone.localdate().year - 1  # a whole year, over; the next one has begun


def day(month: int, d: int, year: int = Y) -> datetime.date:
    return datetime.date(year, month, d)


@dataclass
class Sample:
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    honours: dict[str, Honour] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    aid: dict[str, Assistance] = field(default_factory=dict)
    opinions: dict[str, Opinion] = field(default_factory=dict)
    deliberations: dict[str, Deliberation] = field(default_factory=dict)
    questionnaires: dict[str, Questionnaire] = field(default_factory=dict)


def _campaign(name, place, starts_on, ends_on, subject="household") -> Campaign:
    return services.create_campaign(
        services.CampaignData(
            name=name, subject=subject, criteria="按评选标准评定", starts_on=starts_on,
            ends_on=ends_on, place=place,
        ),
        by=None,
    )  # fmt: skip


def _through(campaign, applied_on, *, passed=None, shortlisted=None, awarded=None, cert=True,
             household_=None, unit=None) -> Application:  # fmt: skip
    """An application taken as far as the days given: reviewed (passed or failed) on
    `passed`/`failed`, shortlisted on `shortlisted`, awarded on `awarded`."""
    application = services.apply(
        campaign, household=household_, unit=unit, applied_on=applied_on, by=None
    )
    if passed is not None:
        ok, on = passed
        application = services.review(
            application, passed=ok, reason="符合" if ok else "不符合", day=on, by=None
        )
    if shortlisted is not None:
        application = services.shortlist(application, shortlisted=True, day=shortlisted, by=None)
    if awarded is not None:
        application = services.award(
            campaign, household=household_, unit=unit, day=awarded, certificate=cert, by=None
        )
    return application


def _campaigns(world, s: Sample) -> None:
    home = [household(world.grid, head_name=f"参评{n}") for n in range(4)]
    home.append(household(world.neighbour_grid, head_name="参评甲二"))
    h1, h2, h4, h5, h3 = home
    water = s.campaigns["water"] = _campaign("节水型家庭", world.community, day(2, 1), day(11, 30))
    a = s.applications
    a["a1"] = _through(water, day(3, 1), passed=(True, day(3, 10)), shortlisted=day(3, 20),
                       awarded=day(4, 1), cert=True, household_=h1)  # fmt: skip
    a["a2"] = _through(water, day(3, 2), passed=(True, day(3, 10)), shortlisted=day(3, 20),
                       awarded=day(4, 1), cert=False, household_=h2)  # fmt: skip
    a["a3"] = _through(water, day(3, 3), passed=(True, day(3, 10)), shortlisted=day(3, 20),
                       household_=h3)  # fmt: skip
    a["a4"] = _through(water, day(3, 4), passed=(False, day(3, 10)), household_=h4)
    a["a5"] = _through(water, day(3, 5), household_=h5)  # still waiting for its review

    # The sub-district's campaign across the new year: applied the year before, awarded in it.
    safe = s.campaigns["safe"] = _campaign("平安家庭", world.subdistrict, day(11, 1, Y - 1),
                                           day(1, 31))  # fmt: skip
    a["b1"] = _through(safe, day(12, 1, Y - 1), passed=(True, day(12, 10, Y - 1)),
                       shortlisted=day(12, 20, Y - 1), awarded=day(1, 10), cert=True,
                       household_=household(world.grid, head_name="平安"))  # fmt: skip
    theirs = household(world.neighbour_community.children.get(), head_name="乙户")
    a["b2"] = _through(safe, day(1, 5), passed=(True, day(1, 6)), shortlisted=day(1, 7),
                       awarded=day(1, 20), household_=theirs)  # fmt: skip

    # Units, at the year's end: one awarded only after it, one shortlisted only after it.
    units = s.campaigns["units"] = _campaign(
        "先进单位", world.community, day(10, 1), day(1, 31, Y + 1), subject="unit"
    )
    a["u1"] = _through(units, day(10, 10), passed=(True, day(11, 1)), shortlisted=day(12, 20),
                       awarded=day(1, 1, Y + 1), unit=shop(world.grid, "一号店"))  # fmt: skip
    a["u2"] = _through(units, day(10, 11), passed=(True, day(11, 1)),
                       shortlisted=day(1, 1, Y + 1), unit=shop(world.grid, "二号店"))  # fmt: skip


def _honours(world, s: Sample) -> None:
    staff = people.save_staff(
        None, by=None, name="李晓燕", sex="女", birth_date=datetime.date(1985, 3, 1),
        post="社区专职工作者", education="本科", political_status="中共党员",
        start_date=datetime.date(2015, 1, 1), place=world.community,
    )  # fmt: skip
    H = Honour.Recipient
    rows = [
        ("national", "全国文明社区", "国家级", "中央文明委", day(5, 1), H.PLACE, world.community,
         {}),
        ("city", "市级卫生先进单位", "市级", "市爱卫会", day(6, 1), H.UNIT, None,
         {"unit": shop(world.neighbour_grid, "三号店")}),
        ("district", "优秀社区工作者", "区级", "区民政局", day(12, 31), H.STAFF, None,
         {"staff": staff}),
        ("old", "平安社区", "街道级", "东街道", day(12, 31, Y - 1), H.PLACE, world.community, {}),
        ("neighbour", "文明社区", "市级", "市文明办", day(5, 1), H.PLACE,
         world.neighbour_community, {}),
    ]  # fmt: skip
    for key, title, level, issuer, on, recipient, place, extra in rows:
        s.honours[key] = services.record_honour(
            services.HonourData(title, level, issuer, on, recipient, place=place, **extra),
            by=None,
        )


def _give(kind, on, amount="", *, source="民政", **who) -> Assistance:
    return services.give_assistance(
        services.AssistanceData(kind, source, on, amount=amount, **who), by=None
    )


def _aid(world, s: Sample) -> None:
    d1 = s.households["d1"] = household(world.grid, members=3, head_name="低保甲")
    d2 = s.households["d2"] = household(world.neighbour_grid, members=2, head_name="低保乙")
    dibao(d1)
    dibao(d2)
    h1 = s.households["h1"] = household(world.grid, head_name="慰问户")
    r1 = s.residents["r1"] = resident(world.grid, "临时困难者")
    r2 = s.residents["r2"] = resident(world.grid, "高龄老人", birth=datetime.date(1938, 1, 1))
    r3 = s.residents["r3"] = resident(world.grid, "残疾居民", birth=datetime.date(1975, 5, 5))
    people.add_membership(
        GroupCategory.objects.get(code="disabled"),
        resident=r3,
        start=datetime.date(2020, 1, 1),
        attributes={"disability_type": "肢体", "grade": "一级"},
        by=None,
    )
    aid = s.aid
    for month in (1, 2, 3):
        aid[f"dibao{month}"] = _give("低保金", day(month, 10), "800", household=d1)
    aid["dibao_d2"] = _give("低保金", day(1, 10), "600", household=d2)
    aid["temp1"] = _give("临时救助", day(4, 1), "1500.50", source="社会捐助", resident=r1)
    aid["temp2"] = _give("临时救助", day(9, 1), "500", resident=r1)
    aid["goods"] = services.give_assistance(
        services.AssistanceData("慰问物资", "共建单位", day(1, 20), goods="米面油一套",
                                household=h1),
        by=None,
    )  # fmt: skip
    aid["elderly"] = _give("高龄补贴", day(6, 30), "100", resident=r2)
    aid["both"] = _give("慰问金", day(12, 31), "300", source="社区", household=d2,
                        resident=d2.head)  # fmt: skip
    aid["health1"] = _give("残疾人补贴", day(3, 31), "200", resident=r3)
    aid["health2"] = _give("残疾人补贴", day(6, 30), "200", resident=r3)
    # Outside the year, and next door.
    aid["before"] = _give("低保金", day(12, 10, Y - 1), "800", household=d1)
    aid["after"] = _give("低保金", day(1, 1, Y + 1), "800", household=d1)
    theirs = resident(world.neighbour_community.children.get(), "乙社区居民")
    aid["neighbour"] = _give("临时救助", day(5, 1), "999", resident=theirs)


def _donate(drive, direction, on, party, money="", item_="", quantity="", unit=""):
    services.record_donation(
        drive,
        services.DonationData(direction, on, party, money=money, item=item_, quantity=quantity,
                              item_unit=unit),
        by=None,
    )  # fmt: skip


def _donations(world) -> None:
    old = services.open_drive(name="去年助学", place=world.community, starts_on=day(12, 1, Y - 1),
                              by=None)  # fmt: skip
    _donate(old, "in", day(12, 5, Y - 1), "爱心人士", "1000")
    _donate(old, "out", day(1, 5), "困难学生", "300")  # in the year, from last year's drive
    warm = services.open_drive(name="冬季送温暖", place=world.community, starts_on=day(1, 15),
                               by=None)  # fmt: skip
    _donate(warm, "in", day(1, 20), "爱心企业", "2000", "棉被", "30", "条")
    _donate(warm, "in", day(1, 25), "张大妈", "200")
    _donate(warm, "in", day(2, 1), "粮油店", "", "大米", "10", "袋")
    _donate(warm, "out", day(2, 10), "困难户王某", "500", "棉被", "2")
    _donate(warm, "out", day(2, 11), "困难户赵某", "", "棉被", "3")
    theirs = services.open_drive(
        name="乙社区募捐", place=world.neighbour_community, starts_on=day(3, 1), by=None
    )
    _donate(theirs, "in", day(3, 1), "乙社区企业", "5000")


def _supplies(world) -> None:
    masks, rice = item("口罩", "个"), item("大米", "公斤")

    def move(place, thing, kind, quantity, on, **extra):
        extra.setdefault("counterpart", "药店")
        services.move_supplies(place, services.MoveData(thing, kind, quantity, on, **extra),
                               by=None)  # fmt: skip

    move(world.community, masks, "采购入库", "1000", day(3, 1))
    move(world.community, masks, "发放出库", "300", day(3, 5), to_place=world.grid)
    move(world.community, rice, "调拨入库", "200", day(4, 1), counterpart="东街道")
    move(world.community, rice, "发放出库", "50", day(4, 10), counterpart="重阳节慰问")
    move(world.community, masks, "发放出库", "100", day(1, 1, Y + 1))  # after the year
    move(world.subdistrict, masks, "采购入库", "500", day(3, 1))  # the sub-district's store
    move(world.neighbour_community, masks, "采购入库", "100", day(5, 1))


def _voice(world, s: Sample) -> None:
    def meeting(key, place, on, participants=0, decision="", published=None):
        s.deliberations[key] = services.record_deliberation(
            services.DeliberationData(f"议题{key}", on, place, participants=participants,
                                      decision=decision, published_on=published),
            by=None,
        )  # fmt: skip
        return s.deliberations[key]

    m1 = meeting("m1", world.community, day(3, 20), 18, "增划车位", day(3, 25))
    meeting("m2", world.grid, day(12, 28), 12, "更换路灯", day(1, 1, Y + 1))  # public after
    meeting("m3", world.community, day(6, 15))  # no decision yet
    meeting("m0", world.community, day(6, 1, Y - 1), 20, "去年的", day(6, 2, Y - 1))
    meeting("theirs", world.neighbour_community, day(5, 1), 9, "乙社区的", day(5, 2))

    def opinion(key, place, on, outcome=None, **extra):
        o = services.collect_opinion(
            services.OpinionData(on, "走访", "交通停车", f"意见{key}", place=place), by=None
        )
        if outcome:
            o = services.settle_opinion(o, outcome=outcome, by=None, **extra)
        s.opinions[key] = o

    opinion("o1", world.grid, day(3, 1), "提交议事", deliberation=m1)
    opinion("o2", world.grid, day(3, 5), "提交议事", deliberation=m1)
    opinion("o3", world.neighbour_grid, day(4, 1), "已答复", reply="已协调物业")
    opinion("o4", world.grid, day(5, 1), "已上报")
    opinion("o5", world.grid, day(11, 1))  # still waiting
    opinion("o6", world.community, day(12, 20))  # still waiting
    opinion("o7", world.grid, day(12, 1, Y - 1))  # the year before, still waiting
    opinion("o8", world.neighbour_community, day(6, 1))

    questions = [services.QuestionData("总体满意度", "single", "满意、不满意")]

    def questionnaire(key, place, starts, ends, by_household=False):
        s.questionnaires[key] = services.create_questionnaire(
            title=f"问卷{key}", place=place, starts_on=starts, ends_on=ends,
            by_household=by_household, questions=questions, by=None,
        )  # fmt: skip
        return s.questionnaires[key]

    def answer(q, on, **who):
        services.respond(q, answers={q.questions.get().pk: "满意"}, date=on, by=None, **who)

    q1 = questionnaire("q1", world.community, day(5, 1), day(5, 31))
    answer(q1, day(5, 2), resident=s.residents["r1"])
    answer(q1, day(5, 3), resident=s.residents["r2"])
    answer(q1, day(5, 4), resident=s.households["d1"].head)
    q0 = questionnaire("q0", world.community, day(12, 1, Y - 1), day(1, 15), by_household=True)
    answer(q0, day(12, 5, Y - 1), household=s.households["d1"])  # the year before
    answer(q0, day(1, 10), household=s.households["d2"])  # in the year
    theirs = questionnaire("theirs", world.neighbour_community, day(5, 1), day(5, 31))
    answer(theirs, day(5, 2), resident=Resident.objects.get(name="乙社区居民"))


def build(world) -> Sample:
    s = Sample()
    _campaigns(world, s)
    _honours(world, s)
    _aid(world, s)
    _donations(world)
    _supplies(world)
    _voice(world, s)
    return s


# What the home community's figures for the year Y come to, worked out by hand from build().
EXPECTED = {
    "campaigns.applied": 7,  # a1–a5 and u1 u2 (b1 applied the year before, b2 next door)
    "campaigns.shortlisted": 4,  # a1 a2 (awarded) a3, u1 (12-20); u2 only after the year
    "campaigns.won": 2,  # a1 a2; u1 awarded only after the year
    "campaigns.awarded": 3,  # a1 a2 and b1 (applied the year before, awarded 1-10)
    "campaigns.certificates": 2,  # a1 b1 (a2 without)
    "honours.all": 3,  # 全国文明社区, 市级卫生先进单位 (a unit), 优秀社区工作者 (12-31)
    "honours.national": 1,
    "honours.provincial": 0,
    "honours.city": 1,
    "honours.district": 1,
    "honours.subdistrict": 0,  # the one of the year before
    # d1 ×3, d2, r1 ×2, goods to h1, r2, 慰问金 to d2 and its head: 9; not the 残疾人补贴
    "aid.payments": 9,
    "aid.amount": Decimal("5400.50"),  # 2400 + 600 + 1500.50 + 500 + 100 + 300
    "aid.households": 3,  # d1, d2, h1 (d2 twice)
    "aid.persons": 3,  # r1 (twice), r2, d2's head (the 慰问金 named both)
    "aid.dibao_amount": Decimal("3000"),  # 800 × 3 + 600
    "aid.dibao_households": 2,
    "aid.health_payments": 2,
    "aid.health_amount": Decimal("400"),
    "aid.health_persons": 1,
    "donations.gifts": 3,  # 爱心企业, 张大妈, 粮油店 (items only)
    "donations.money_in": Decimal("2200"),  # 2000 + 200 (last year's 1000 was the year before)
    "donations.handouts": 3,  # 困难学生 (from last year's drive), 王某, 赵某
    "donations.money_out": Decimal("800"),  # 300 + 500
    "supplies.received": 2,  # masks 1000, rice 200 (the sub-district's store is above)
    "supplies.issued": 2,  # masks 300, rice 50 (masks 100 after the year)
    "opinions.all": 6,  # o1–o6
    "opinions.deliberated": 2,  # o1 o2
    "opinions.answered": 1,  # o3
    "opinions.referred": 1,  # o4
    "opinions.settled": 4,
    "opinions.open": 2,  # o5 o6 (o7 the year before)
    "deliberations.held": 3,  # m1 m2 m3
    "deliberations.participants": 30,  # 18 + 12 + 0
    "deliberations.published": 1,  # m1 (m2 published only after the year)
    "deliberations.unpublished": 2,  # m2 m3
    "questionnaires.all": 1,  # q1 (q0 began the year before)
    "questionnaires.responses": 4,  # three to q1, one to q0 in the year
}
EXPECTED_RATES = {
    "rate.campaigns.shortlisted": (4, 7, "57.1%"),
    "rate.campaigns.won": (2, 7, "28.6%"),
    "rate.opinions.settled": (4, 6, "66.7%"),
    "rate.opinions.deliberated": (2, 6, "33.3%"),
    "rate.opinions.answered": (1, 6, "16.7%"),
    "rate.deliberations.published": (1, 3, "33.3%"),
}
