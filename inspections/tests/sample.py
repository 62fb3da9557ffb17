"""A hand-made year of inspections, rectification orders, monitoring counts and agreements in
and around the home community, with what each figure must come to (worked out by hand in the
comments). The ledger tests and the indicator tests read the same data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from inspections import services
from inspections.models import Agreement, Inspection, Rectification
from inspections.tests.factories import PEST, inspect, order, shop

Y = timezone.localdate().year - 1  # a whole year, over; the next one has begun


def day(month: int, d: int, year: int = Y) -> datetime.date:
    return datetime.date(year, month, d)


@dataclass
class Sample:
    inspections: dict[str, Inspection] = field(default_factory=dict)
    orders: dict[str, Rectification] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)


def _recheck(rect: Rectification, when: datetime.date, *, passed: bool, new_deadline=None):
    rect.refresh_from_db()
    services.recheck(
        rect,
        services.RecheckData(when, passed=passed, new_deadline=new_deadline),
        version=rect.version,
        by=None,
    )
    rect.refresh_from_db()


def _extra_order(inspection, issued, deadline, finding="现场发现问题") -> Rectification:
    """An order not tied to a checklist item (a second finding of the same inspection)."""
    return services.issue_rectification(
        inspection,
        services.OrderData(finding, "店主", deadline, issued_on=issued),
        by=None,
    )


def build(world) -> Sample:
    s = Sample()
    shop1 = shop(world.grid, "一号店")
    shop2 = shop(world.neighbour_grid, "二号店")  # the community's other grid
    shop3 = shop(world.grid, "三号店")
    shop(world.grid, "四号店")  # never inspected: 4 units, 3 of them inspected
    outsider = world.outsiders["community_worker"]  # 乙社区
    theirs = shop(world.neighbour_community, "隔壁店")

    # In the year, in the home community: six inspections (A–D fire, F–G pest control).
    a = s.inspections["A"] = inspect(world, unit=shop1, date=day(3, 1), fail=2)
    s.inspections["B"] = inspect(world, unit=shop1, date=day(6, 1))
    c = s.inspections["C"] = inspect(world, unit=shop2, date=day(9, 1), fail=1)
    d = s.inspections["D"] = inspect(world, unit=shop3, date=day(12, 20), fail=1)
    s.inspections["F"] = inspect(
        world, name=PEST, site="菜场外环境", place=world.grid, date=day(5, 1),
        counts=[services.CountData("重点单位", 10, 2, 1), services.CountData("居民户", 30, 1, 0)],
        outdoor_metres=1500, burrows=3,
    )  # fmt: skip
    s.inspections["G"] = inspect(
        world, name=PEST, unit=shop1, date=day(7, 1),
        counts=[services.CountData("一般单位", 20, 0, 4)], outdoor_metres=500, burrows=0,
    )  # fmt: skip

    # Orders issued in the year.
    o1 = s.orders["o1"] = order(a, issued_on=day(3, 1), deadline=day(3, 8))
    _recheck(o1, day(3, 5), passed=True)  # put right on time
    o2 = s.orders["o2"] = order(c, issued_on=day(9, 1), deadline=day(9, 10))
    _recheck(o2, day(9, 15), passed=False, new_deadline=day(9, 30))  # re-checked late
    _recheck(o2, day(10, 5), passed=True)  # put right, late
    s.orders["o3"] = order(d, issued_on=day(12, 20), deadline=day(1, 5, Y + 1))  # not due yet
    s.orders["o4"] = _extra_order(c, day(11, 1), day(11, 15))  # open, overdue at the year's end
    o5 = s.orders["o5"] = _extra_order(a, day(4, 1), day(4, 10), "灭火器过期")
    # Failed on its first deadline; the deadline set then is the year's last day: not overdue
    # on that day, overdue every day after.
    _recheck(o5, day(4, 10), passed=False, new_deadline=day(12, 31))
    o7 = s.orders["o7"] = _extra_order(c, day(12, 1), day(12, 10), "通道堵塞")
    _recheck(o7, day(1, 1, Y + 1), passed=True)  # put right only after the year

    # Before the year: an inspection whose order is still open (overdue at the year's end).
    old = s.inspections["old"] = inspect(world, unit=shop1, date=day(6, 1, Y - 1), fail=1)
    s.orders["o6"] = order(old, issued_on=day(6, 1, Y - 1), deadline=day(6, 10, Y - 1))
    # After the year: a pest inspection that must not count in it.
    s.inspections["after"] = inspect(
        world, name=PEST, site="河岸", place=world.grid, date=day(1, 1, Y + 1),
        counts=[services.CountData("居民户", 50, 5, 5)], outdoor_metres=800, burrows=9,
    )  # fmt: skip

    # Next door (乙社区), in the year: none of it counts for the home community.
    n = s.inspections["neighbour"] = inspect(
        world, unit=theirs, date=day(5, 5), fail=1, by=outsider
    )
    s.orders["neighbour"] = order(n, issued_on=day(5, 5), deadline=day(5, 6))
    s.inspections["neighbour_pest"] = inspect(
        world, name=PEST, site="乙社区菜场", place=world.neighbour_community, date=day(5, 5),
        counts=[services.CountData("居民户", 100, 50, 50)], outdoor_metres=1000, burrows=10,
        by=outsider,
    )  # fmt: skip

    # Agreements: two signed in the year at home, one the year before, one next door.
    def sign(kind, unit, signed, ends=None, by=None):
        return services.sign_agreement(
            services.AgreementData(kind, signed, ends_on=ends, unit=unit, signer="店主"),
            by=by,
        )

    s.agreements["fire"] = sign("消防安全责任书", shop1, day(2, 1), day(12, 31, Y + 3))
    s.agreements["front"] = sign("门前三包责任书", shop2, day(8, 1), day(10, 31))
    s.agreements["old"] = sign("食品安全承诺书", shop3, day(3, 1, Y - 1), day(2, 28))
    s.agreements["neighbour"] = sign("消防安全责任书", theirs, day(2, 1), by=outsider)
    return s


# What the home community's figures for the year Y come to, worked out by hand from build().
EXPECTED = {
    "inspections.all": 6,  # A B C D F G
    "inspections.hygiene": 2,  # F G
    "inspections.units": 3,  # 一号店 (A B G), 二号店 (C), 三号店 (D); F is a site
    "inspections.failed": 3,  # A C D
    "units": 4,  # 一号店 to 四号店
    "rectifications.issued": 6,  # o1 o2 o3 o4 o5 o7 (o6 the year before)
    "rectifications.done": 2,  # o1 o2 (o7 put right after the year)
    "rectifications.due": 5,  # o1 o2 o4 o5 o7 (o3's deadline is next year)
    "rectifications.on_time": 1,  # o1 (o2 late)
    "rectifications.overdue": 3,  # o4 o7 and o6 of the year before (o5's deadline: 12-31)
    "rooms.checked": 60,  # 10 + 30 + 20
    "rooms.positive": 3,  # 2 + 1 + 0
    "rooms.unproofed": 5,  # 1 + 0 + 4
    "outdoor.metres": 2000,  # 1500 + 500
    "outdoor.burrows": 3,  # 3 + 0
    "agreements.signed": 2,
}
EXPECTED_RATES = {
    "rate.inspections.failed": (3, 6, "50.0%"),
    "rate.inspections.coverage": (3, 4, "75.0%"),
    "rate.rectifications.done": (2, 6, "33.3%"),
    "rate.rectifications.on_time": (1, 5, "20.0%"),
    "rate.rooms.positive": (3, 60, "5.0%"),
    "rate.rooms.unproofed": (5, 60, "8.3%"),
    "rate.outdoor.burrows": (3, 2000, "1.5个/公里"),
}
