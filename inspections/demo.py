"""A year of a community's inspections for the demo: quarterly fire-safety checks of its local
units, food-hygiene checks of the shops that sell food, pest-control checks of the market and
the eateries, rented dwellings checked once or twice, a few sites (car parks, charging sheds),
and the monthly pest monitoring with its room counts, outdoor metres and burrows. Failing items
lead to rectification orders; re-checks close most of them on time, some late, and leave some
open past their deadline today. Responsibility agreements are signed with most units and many
landlords, and some have not signed.

Written in bulk (a few hundred inspections a community, where the services would take a query
per answer and stamp every row with today): each row is what the services would have written —
failures counted from the items' failing answers, one order per failing item that needs one,
re-checks in date order that close an order or set a later deadline, versions counted — only
dated in the past, with the demo community's own accounts as inspectors."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import Perm, has_perm
from areas.models import Estate, LocalUnit, Place
from inspections.models import (
    Agreement,
    Answer,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    Recheck,
    Rectification,
    RoomCount,
)
from people.models import Rental, Staff

DAY = datetime.timedelta(days=1)
FIRE, PEST = "消防安全检查", "爱国卫生/病媒生物防制检查"
FOOD, RENTAL = "食品卫生检查", "出租房屋安全检查"
FOOD_SHOPS = ("餐馆", "早餐店", "超市", "便利店", "水果店")
EATERIES = ("餐馆", "早餐店")
MONITORING_SITE = "辖区外环境及居民小区"
SITES = ["地下车库", "电动自行车集中充电点"]

# What an inspector writes beside a failing item, and what the order then asks: by item label.
PROBLEMS: dict[str, tuple[list[str], str]] = {
    "灭火器配置齐全且在有效期内": (
        ["灭火器已过有效期", "灭火器压力不足", "未配置灭火器"],
        "更换或重新充装灭火器，放置在明显、便于取用的位置",
    ),
    "疏散通道、安全出口畅通": (
        ["后门通道堆放货物", "安全出口营业期间上锁"],
        "立即清理通道内杂物，营业期间安全出口不得锁闭",
    ),
    "应急照明和疏散指示标志完好": (
        ["应急照明灯损坏", "疏散指示标志不亮"],
        "维修或更换应急照明灯和疏散指示标志",
    ),
    "存在私拉乱接电线": (
        ["私拉电线给冰柜供电", "多个插线板串接使用"],
        "拆除私拉乱接的电线，由持证电工规范敷设线路",
    ),
    "电动自行车在室内或楼道停放、充电": (
        ["店内给电动自行车充电", "楼道内停放电动自行车"],
        "电动自行车到集中充电点停放充电，不得在室内、楼道停放充电",
    ),
    "违规存放易燃易爆物品": (
        ["店内存放多瓶液化石油气", "仓库内存放汽油"],
        "清除易燃易爆物品，液化石油气钢瓶单独存放",
    ),
    "“三合一”场所住人": (
        ["阁楼住人，未做防火分隔"],
        "住宿部分与经营、仓储部分实施防火分隔，或搬离住人",
    ),
    "营业执照、食品经营许可证齐全有效": (
        ["食品经营许可证已过期"],
        "尽快办理食品经营许可证延续手续，证照齐全后方可经营",
    ),
    "从业人员持有效健康证明": (
        ["1名从业人员健康证明过期", "新入职人员未办理健康证明"],
        "从业人员取得有效健康证明后方可上岗",
    ),
    "生熟分开存放，无过期变质食品": (
        ["冰柜内生熟食品混放", "货架上有过期食品"],
        "生熟食品分开存放，立即下架销毁过期食品",
    ),
    "餐饮具清洗消毒设施正常使用": (
        ["消毒柜未通电使用"],
        "餐饮具每次使用后清洗消毒，做好消毒记录",
    ),
    "“三防”设施（防鼠、防蝇、防尘）齐全": (
        ["后厨门口未设挡鼠板", "操作间纱窗破损"],
        "安装挡鼠板，修补纱窗，做到防鼠、防蝇、防尘",
    ),
    "卫生状况": (["后厨地面、灶台油污较多"], "彻底清扫后厨，保持环境整洁"),
    "室内外环境整洁，无卫生死角": (
        ["门前堆放杂物", "楼道角落堆积垃圾"],
        "清理杂物和垃圾，落实门前三包责任",
    ),
    "垃圾分类投放，日产日清": (["垃圾桶满溢，未及时清运"], "增加清运频次，做到日产日清"),
    "防鼠设施（挡鼠板、防鼠网）完好": (
        ["仓库门口未设挡鼠板", "下水道口防鼠网缺失"],
        "安装高度不低于60厘米的挡鼠板，补装防鼠网",
    ),
    "发现蚊蝇孳生地（积水容器等）": (
        ["花盆托盘积水", "废弃轮胎积水", "绿化带内废弃容器积水"],
        "清除积水和废弃容器，翻盆倒罐",
    ),
    "发现蟑螂活体或卵鞘": (["后厨发现蟑螂活体"], "请有资质的机构开展灭蟑，清除卵鞘"),
    "承租人信息已登记": (["新入住承租人未登记"], "三日内到社区登记承租人信息"),
    "群租（人均面积过小或隔断出租）": (
        ["客厅隔断出租，住8人"],
        "拆除隔断，居住人数符合人均面积要求",
    ),
    "配置灭火器或简易消防器材": (["未配置灭火器"], "配置不少于1具灭火器"),
    "私拉乱接电线、超负荷用电": (
        ["从窗口拉线给电动自行车充电", "多个插线板串接、超负荷用电"],
        "拆除私拉电线，规范安全用电",
    ),
    "燃气使用安全（软管、报警器）": (
        ["燃气软管老化", "未安装燃气泄漏报警器"],
        "更换燃气软管，安装燃气泄漏报警器",
    ),
}
PASSED_NOTES = ["经复查，已按要求整改到位", "已整改完毕，现场核实无误", "问题已整改，予以销号"]
FAILED_NOTES = ["经复查，尚未整改到位，已再次督促", "整改未完成，责任人承诺尽快整改"]


@dataclass
class _Planned:
    """One inspection with its answers, counts and orders, before saving."""

    inspection: Inspection
    inspectors: list[User]
    answers: list[Answer] = field(default_factory=list)
    counts: list[RoomCount] = field(default_factory=list)
    orders: list[tuple[Rectification, list[Recheck]]] = field(default_factory=list)


def _moment(rng: random.Random, day: datetime.date) -> datetime.datetime:
    at = datetime.time(rng.randint(8, 17), rng.randint(0, 59))
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _day_in(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


@dataclass
class _Team:
    """Who inspects: accounts, staff named beside them, and who entered it into shequ."""

    accounts: list[User]
    others: str
    clerk: User


class _Inspectors:
    """The people who inspect in a community: its own accounts (workers, the head, a grid
    worker in the grid) with now and then a colleague who has no account; where the community
    has no account of its own, two of its staff, entered by the administrator above it."""

    def __init__(self, community: Place, rng: random.Random) -> None:
        self.rng = rng
        self.users = [
            u
            for u in User.objects.filter(is_active=True).select_related("place").order_by("pk")
            if has_perm(u, Perm.EDIT_RECORDS)
        ]
        self.community = community
        self.staff = list(
            Staff.objects.filter(place_path=community.path)
            .order_by("pk")
            .values_list("name", flat=True)
        )

    def for_place(self, path: str) -> _Team:
        rng = self.rng
        allowed = [u for u in self.users if path.startswith(u.scope_path)]
        local = [u for u in allowed if u.scope_path.startswith(self.community.path)]
        if not local:
            deepest = max(len(u.scope_path) for u in allowed)
            clerk = rng.choice([u for u in allowed if len(u.scope_path) == deepest])
            if len(self.staff) < 2:
                return _Team([clerk], "", clerk)
            return _Team([], "、".join(rng.sample(self.staff, k=2)), clerk)
        weights = [{"community_worker": 4, "grid_worker": 3}.get(u.role, 1) for u in local]
        chosen = [rng.choices(local, weights=weights)[0]]
        others = [u for u in local if u != chosen[0]]
        if others and rng.random() < 0.4:
            chosen.append(rng.choice(others))
        colleague = rng.choice(self.staff) if self.staff and rng.random() < 0.4 else ""
        return _Team(chosen, colleague, chosen[0])


class _Year:
    """The community's inspections over the year before today."""

    def __init__(self, community: Place, rng: random.Random, versions) -> None:
        self.community, self.rng, self.versions = community, rng, versions
        self.today = timezone.localdate()
        self.first = self.today - datetime.timedelta(days=364)
        self.inspectors = _Inspectors(community, rng)
        self.planned: list[_Planned] = []
        self.items = {name: list(v.items.all()) for name, v in versions.items()}
        self.property_company = "小区物业"  # who answers for the estates' sites

    # -- One inspection.

    def inspect(
        self,
        name: str,
        day: datetime.date,
        *,
        place: Place,
        target: str,
        unit: LocalUnit | None = None,
        dwelling_id: int | None = None,
        site: str = "",
        fail_rate: float = 0.15,
        answers: dict[str, str] | None = None,
        responsible: str = "",
        counts: list[tuple[str, int, int, int]] = (),
        outdoor: tuple[int, int] | None = None,
    ) -> _Planned | None:
        version = self.versions.get(name)
        if version is None or day > self.today:
            return None
        rng = self.rng
        team = self.inspectors.for_place(place.path)
        inspection = Inspection(
            checklist_version=version,
            area=version.checklist.area,
            place=place,
            place_path=place.path,
            unit=unit,
            dwelling_id=dwelling_id,
            site=site,
            target_name=target,
            date=day,
            other_inspectors=team.others,
            created_by=team.clerk,
        )
        if outdoor is not None:
            inspection.outdoor_metres, inspection.burrows = outdoor
        plan = _Planned(inspection, team.accounts)
        failing = self._failing(name, fail_rate)
        for item in self.items[name]:
            value = (answers or {}).get(item.label) or self._passing(item, unit)
            note = ""
            if item.label in failing:
                value = item.failing_list()[0]
                note = rng.choice(PROBLEMS.get(item.label, (["现场发现问题"], ""))[0])
            failed = item.fails(value)
            plan.answers.append(Answer(item=item, value=value, failed=failed, note=note))
        inspection.failures = sum(a.failed for a in plan.answers)
        plan.counts = [
            RoomCount(category=c, rooms=r, positive=p, unproofed=u) for c, r, p, u in counts
        ]
        for answer in plan.answers:
            if answer.failed and answer.item.needs_rectification:
                plan.orders.append(self._order(inspection, answer, responsible, team))
        self.planned.append(plan)
        return plan

    def _failing(self, name: str, rate: float) -> set[str]:
        """Which rectifiable items fail this time: usually none, one now and then, rarely two."""
        if self.rng.random() >= rate:
            return set()
        candidates = [i.label for i in self.items[name] if i.needs_rectification]
        return set(self.rng.sample(candidates, k=1 if self.rng.random() < 0.75 else 2))

    def _passing(self, item: ChecklistItem, unit: LocalUnit | None) -> str:
        rng = self.rng
        if item.kind == ChecklistItem.Kind.NUMBER:
            if item.unit == "具":  # fire extinguishers: a school or a market has many
                big = unit is not None and unit.kind in ("学校", "农贸市场", "企业")
                return str(rng.randint(12, 40) if big else rng.randint(2, 6))
            return str(rng.randint(1, 4))
        if item.kind == ChecklistItem.Kind.TEXT:
            return ""
        passing = [c for c in item.choice_list() if not item.fails(c)]
        weights = [8, 2, 1][: len(passing)]
        value = rng.choices(passing, weights=weights)[0]
        if not item.needs_rectification and item.failing_list() and rng.random() < 0.04:
            value = item.failing_list()[0]  # a lapse that needs no order (e.g. never trained)
        return value

    # -- Its orders and their re-checks.

    def _order(self, inspection: Inspection, answer: Answer, responsible: str, team: _Team):
        rng = self.rng
        requirement = PROBLEMS.get(answer.item.label, ([], ""))[1]
        issued = min(inspection.date + DAY * rng.choice([0, 0, 0, 1, 2]), self.today)
        days = 7 if inspection.area in ("消防安全", "出租房屋") else 15
        deadline = issued + datetime.timedelta(days=rng.choice([days, days, days * 2]))
        order = Rectification(
            place=inspection.place,
            place_path=inspection.place_path,
            item=answer.item,
            finding=answer.note or answer.item.label,
            requirement=requirement,
            responsible=responsible[:100] or inspection.target_name[:100],
            issued_on=issued,
            first_deadline=deadline,
            deadline=deadline,
            created_by=team.clerk,
        )
        return order, self._rechecks(order, team)

    def _rechecks(self, order: Rectification, team: _Team) -> list[Recheck]:
        """Most put right by the deadline; some late after a failed re-check; some still
        open today, past their deadline or within it."""
        rng, today = self.rng, self.today
        by = rng.choice(team.accounts or [team.clerk])
        rechecks: list[Recheck] = []

        def check(day: datetime.date, passed: bool, new_deadline=None) -> None:
            note = rng.choice(PASSED_NOTES if passed else FAILED_NOTES)
            rechecks.append(
                Recheck(date=day, passed=passed, note=note, new_deadline=new_deadline, by=by)
            )
            if passed:
                order.closed_on = day
            else:
                order.deadline = new_deadline
            order.version += 1

        if order.deadline >= today:  # still within its time
            early = order.deadline - DAY * rng.randint(1, 4)
            if order.issued_on + 2 * DAY <= early <= today and rng.random() < 0.3:
                check(early, True)
            return rechecks
        plan = rng.choices(["on_time", "late", "overdue", "forgotten"], weights=[64, 18, 12, 6])[0]
        if plan == "on_time":
            check(max(order.issued_on, order.deadline - DAY * rng.randint(0, 3)), True)
        elif plan == "forgotten":
            pass  # nobody came back: overdue today
        else:
            first = min(order.deadline + DAY * rng.randint(0, 3), today)
            if plan == "overdue":
                new = min(first + DAY * rng.randint(5, 15), today - DAY)
                if new <= first:  # no room before today for a deadline that has passed
                    return rechecks
                check(first, False, new)
            else:
                new = first + DAY * rng.randint(5, 15)
                check(first, False, new)
                if new < today:
                    check(min(new + DAY * rng.randint(-2, 3), today), True)
        return rechecks


# --- The year's plan.


def _monitoring(year: _Year) -> None:
    """The month's pest monitoring (病媒生物监测): rooms checked per category with the few
    where rodent traces were found or rodent-proofing fails, outdoor metres walked and
    burrows seen. More traces in summer."""
    rng = year.rng
    for month in _months(year):
        day = min(month.replace(day=rng.randint(10, 25)), year.today)
        if day < year.first:  # the month the year starts in, that day gone by
            continue
        summer = 1.8 if month.month in (6, 7, 8, 9) else 1.0
        counts = []
        for category, (low, high), rate, unproofed in (
            ("重点单位", (8, 20), 0.03, 0.06),
            ("一般单位", (20, 40), 0.02, 0.04),
            ("居民户", (40, 80), 0.01, 0.02),
        ):
            rooms = rng.randint(low, high)
            positive = sum(rng.random() < rate * summer for _ in range(rooms))
            bad = sum(rng.random() < unproofed for _ in range(rooms))
            counts.append((category, rooms, positive, bad))
        metres = rng.randrange(1000, 2100, 100)
        burrows = sum(rng.random() < 0.3 * summer for _ in range(3))
        year.inspect(
            PEST,
            day,
            place=year.community,
            target=MONITORING_SITE,
            site=MONITORING_SITE,
            fail_rate=0.15 * summer,
            responsible=year.property_company,
            counts=counts,
            outdoor=(metres, burrows),
        )


def _months(year: _Year) -> list[datetime.date]:
    """The first day of each month the year touches."""
    months, month = [], year.first.replace(day=1)
    while month <= year.today:
        months.append(month)
        month = (month + 32 * DAY).replace(day=1)
    return months


def _quarters(year: _Year) -> list[tuple[datetime.date, datetime.date]]:
    spans, start = [], year.first
    while start <= year.today:
        end = min(start + datetime.timedelta(days=90), year.today)
        spans.append((start, end))
        start = end + DAY
    return spans


def _units(year: _Year, units: list[LocalUnit]) -> None:
    rng = year.rng
    for unit in units:
        who = unit.legal_representative or unit.contact_name or unit.name
        food = unit.kind in ("农贸市场", "学校") or unit.name.endswith(FOOD_SHOPS)
        eatery = unit.kind == "农贸市场" or unit.name.endswith(EATERIES)
        for first, last in _quarters(year):
            common = {"place": unit.place, "target": unit.name, "unit": unit, "responsible": who}
            if rng.random() < 0.9:  # now and then a quarter was missed
                year.inspect(FIRE, _day_in(rng, first, last), **common)
            if food:
                year.inspect(FOOD, _day_in(rng, first, last), fail_rate=0.12, **common)
        if eatery:
            for month in (4, 9):  # before the summer and after it
                day = _last_on(year, month, rng.randint(5, 25))
                rooms = rng.randint(2, 6)
                counts = [("重点单位", rooms, int(rng.random() < 0.1), int(rng.random() < 0.2))]
                year.inspect(PEST, day, fail_rate=0.2, counts=counts, **common)


def _last_on(year: _Year, month: int, day: int) -> datetime.date:
    """The most recent `month`/`day` on or before today."""
    date = datetime.date(year.today.year, month, day)
    return date if date <= year.today else date.replace(year=date.year - 1)


def _rentals(
    year: _Year,
    rentals: list[Rental],
    signed: dict[int, list[Agreement]],
    agreements: list[Agreement],
) -> None:
    """About a third of the lets checked in the year, some twice. Whether the landlord signed
    the security agreement is answered from the agreements; a landlord who had not signed
    mostly signs one there and then."""
    rng = year.rng
    for rental in rentals:
        if rng.random() >= 0.35:
            continue
        first = max(rental.start, year.first)
        last = min(rental.end or year.today, year.today)
        days = sorted(_day_in(rng, first, last) for _ in range(2 if rng.random() < 0.15 else 1))
        for day in days:
            held = signed.setdefault(rental.pk, [])
            agreed = any(a.in_force_on(day) for a in held)
            if not agreed and rng.random() < 0.85:
                agreement = _rental_agreement(year, rental, day, day + 364 * DAY)
                held.append(agreement)
                agreements.append(agreement)
                agreed = True
            answers = {"签订出租房屋治安责任书": "是" if agreed else "否"}
            if rental.tenants:
                answers["居住人数"] = str(rental.tenants)
            year.inspect(
                RENTAL,
                day,
                place=rental.dwelling.place,
                target=rental.dwelling.address,
                dwelling_id=rental.dwelling_id,
                fail_rate=0.15,
                answers=answers,
                responsible=rental.landlord_name,
            )


def _sites(year: _Year, estates: list[Estate]) -> None:
    rng = year.rng
    for estate in rng.sample(estates, k=min(2, len(estates))):
        for kind in SITES:
            site = f"{estate.name}{kind}"
            for half in (0, 1):
                first = year.first + datetime.timedelta(days=182 * half)
                day = _day_in(rng, first, min(first + datetime.timedelta(days=181), year.today))
                year.inspect(
                    FIRE,
                    day,
                    place=estate.place,
                    target=site,
                    site=site,
                    fail_rate=0.25,
                    responsible=year.property_company,
                )


# --- Responsibility agreements.


def _agreement(
    year: _Year,
    kind: str,
    party: str,
    signer: str,
    place: Place,
    signed_on: datetime.date,
    ends_on: datetime.date,
    **party_fk,
) -> Agreement:
    """An agreement as sign_agreement saves it: its term starts the day it is signed."""
    return Agreement(
        kind=kind,
        party_name=party[:100],
        signer=signer[:50],
        signed_on=signed_on,
        starts_on=signed_on,
        ends_on=ends_on,
        place=place,
        place_path=place.path,
        created_by=year.inspectors.for_place(place.path).clerk,
        **party_fk,
    )


def _rental_agreement(year: _Year, rental: Rental, day: datetime.date, ends: datetime.date):
    party = f"{rental.dwelling.address}（房东：{rental.landlord_name}）"
    return _agreement(
        year,
        Agreement.Kind.RENTAL,
        party,
        rental.landlord_name,
        rental.place,
        day,
        ends,
        rental=rental,
    )


def _agreements(year: _Year, units, rentals) -> tuple[list[Agreement], dict[int, list]]:
    """This year's fire-safety agreements with most units, food-safety promises with most
    shops that sell food and 门前三包 with some shops, many of them signed last year too (run
    out now); security agreements with many landlords, a few run out and not renewed. The
    rest have not signed."""
    rng, today = year.rng, year.today
    jan = datetime.date(today.year, 1, 1)
    last_jan = jan.replace(year=jan.year - 1)
    first_quarter = min(jan + 89 * DAY, today)
    rows: list[Agreement] = []
    for unit in units:
        signer = unit.legal_representative or unit.contact_name
        food = unit.kind in ("农贸市场", "学校") or unit.name.endswith(FOOD_SHOPS)
        kinds = [(Agreement.Kind.FIRE, 0.85)]
        kinds += [(Agreement.Kind.FOOD, 0.7)] if food else []
        kinds += [(Agreement.Kind.FRONT, 0.6)] if unit.kind == "商铺" else []
        for kind, share in kinds:
            terms = []
            if rng.random() < 0.5:
                terms.append((_day_in(rng, last_jan, last_jan + 89 * DAY), jan - DAY))
            if rng.random() < share:
                terms.append((_day_in(rng, jan, first_quarter), jan.replace(month=12, day=31)))
            for signed_on, ends_on in terms:
                rows.append(
                    _agreement(
                        year, kind, unit.name, signer, unit.place, signed_on, ends_on, unit=unit
                    )
                )
    by_rental: dict[int, list[Agreement]] = {}
    for rental in rentals:
        roll = rng.random()
        if roll < 0.55:  # signed within the year, for a year
            day = _day_in(rng, max(rental.start, year.first), today)
        elif roll < 0.65:  # signed the year before and not renewed
            day = year.first - DAY * rng.randint(30, 300)
            if day < rental.start:
                continue
        else:
            continue
        agreement = _rental_agreement(year, rental, day, day + 364 * DAY)
        rows.append(agreement)
        by_rental.setdefault(rental.pk, []).append(agreement)
    return rows, by_rental


# --- Saving.


def _stamp(model, rows: list[tuple[Any, datetime.datetime]]) -> None:
    """Set `created_at`, which bulk_create stamps with the present moment, to when each row
    was entered: one prepared UPDATE run over all rows (bulk_update's CASE over a thousand
    rows costs ten times as much)."""
    quote, ops = connection.ops.quote_name, connection.ops
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    # Names from the model, values as parameters.
    sql = f"UPDATE {table} SET {quote('created_at')} = %s WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(ops.adapt_datetimefield_value(at), row.pk) for row, at in rows])


def _save(year: _Year, agreements: list[Agreement]) -> dict[str, int]:
    rng, plans = year.rng, sorted(year.planned, key=lambda p: p.inspection.date)
    inspections = [p.inspection for p in plans]
    Inspection.objects.bulk_create(inspections, batch_size=500)
    Through = Inspection.inspectors.through
    Through.objects.bulk_create(
        [Through(inspection=p.inspection, user=u) for p in plans for u in p.inspectors],
        batch_size=2000,
    )
    answers, counts, orders, rechecks = [], [], [], []
    for plan in plans:
        for row in plan.answers:
            row.inspection = plan.inspection
        for row in plan.counts:
            row.inspection = plan.inspection
        answers += plan.answers
        counts += plan.counts
        for order, checks in plan.orders:
            order.inspection = plan.inspection
            orders.append(order)
            rechecks.append((order, checks))
    Answer.objects.bulk_create(answers, batch_size=2000)
    RoomCount.objects.bulk_create(counts, batch_size=2000)
    Rectification.objects.bulk_create(orders, batch_size=500)
    done = []
    for order, checks in rechecks:
        for row in checks:
            row.rectification = order
            done.append(row)
    Recheck.objects.bulk_create(done, batch_size=1000)
    Agreement.objects.bulk_create(agreements, batch_size=1000)
    # Registered on the day, not when the demo ran.
    _stamp(Inspection, [(row, _moment(rng, row.date)) for row in inspections])
    _stamp(Rectification, [(row, _moment(rng, row.issued_on)) for row in orders])
    _stamp(Recheck, [(row, _moment(rng, row.date)) for row in done])
    _stamp(Agreement, [(row, _moment(rng, row.signed_on)) for row in agreements])
    return {
        "inspections": len(inspections),
        "rectifications": len(orders),
        "rechecks": len(done),
        "agreements": len(agreements),
    }


def versions() -> dict[str, ChecklistVersion]:
    """The current version of each built-in checklist the demo uses (those still there)."""
    found = Checklist.objects.filter(name__in=[FIRE, PEST, FOOD, RENTAL])
    return {c.name: v for c in found if (v := c.current()) is not None}


def populate(
    community: Place, rng: random.Random, current: dict[str, ChecklistVersion] | None = None
) -> dict[str, int]:
    """The community's inspections, orders and agreements over the year before today."""
    year = _Year(community, rng, current if current is not None else versions())
    if not year.versions or not year.inspectors.users:
        return {}
    units = list(
        LocalUnit.objects.filter(place_path__under=community.path, closed_on__isnull=True)
        .select_related("place")
        .order_by("pk")
    )
    rentals = list(
        Rental.objects.filter(place_path__under=community.path, start__lte=year.today)
        .filter(Q(end__isnull=True) | Q(end__gte=year.first))
        .select_related("place", "dwelling__place")
        .order_by("pk")
    )
    estates = list(Estate.objects.filter(place_path__under=community.path).select_related("place"))
    company = next((u for u in units if u.kind == "企业" and "物业" in u.name), None)
    year.property_company = company.name if company else "小区物业"
    agreements, signed = _agreements(year, units, rentals)
    _monitoring(year)
    _units(year, units)
    _rentals(year, rentals, signed, agreements)
    _sites(year, estates)
    return _save(year, agreements)
