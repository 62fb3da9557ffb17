"""A year of a community's programs for the demo: three campaigns (平安家庭 judged by hand,
节水型家庭 screened by its rule on water per member, 先进单位 over the local units) with
applications at every stage and awards with certificates; a dozen honours for the community, its
units and its staff; the year's aid — monthly 低保金 and 高龄补贴 tied to the memberships they
rest on, quarterly 残疾人补贴, festival 慰问金 and 慰问物资 for low-income households, the elderly
and old party members, a few 临时救助; two donation drives with money and items in and out; the
supplies store with receipts and issues (to grids, units, a campaign and the work records they
served); opinions gathered by the grid workers, some taken to the residents' assemblies of the
work records, the rest answered or referred; and one questionnaire with its responses.

Written in bulk, as cases/demo.py is: the services stamp every change with the present moment
and an audit row each, and take 7–15 ms a call (measured on the demo: a year of aid for six
communities alone would cost more than all the rest of the demo). Each row is what the service
would have written — the same checks (stock and drive balances never below zero, 低保金 only to a
household in the group on the day), the same membership ties (`services.AID_GROUPS`), the same
screening verdicts and reasons (`services.rule_passes`) — only dated in the past."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from accounts.roles import Perm, has_perm
from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place
from ledger.models import WorkRecord
from people.models import Household, Membership, Residence, Resident, Staff
from programs import services
from programs.models import (
    Application,
    Assistance,
    Campaign,
    Deliberation,
    Donation,
    DonationDrive,
    Honour,
    Opinion,
    Question,
    Questionnaire,
    Response,
    ResponseAnswer,
    Stock,
    SupplyItem,
    SupplyMove,
)

DAY = datetime.timedelta(days=1)
A = Assistance.Kind
S = Application.Stage
# (name, unit): the supplies catalogue.
CATALOGUE = [("口罩", "个"), ("消毒液", "瓶"), ("大米", "公斤"), ("食用油", "桶"), ("慰问品", "份"),
             ("灭鼠毒饵", "公斤"), ("垃圾袋", "卷"), ("灭火器", "具")]  # fmt: skip
# Festival days (春节, 重阳节) of the coming years; past the table, a day near them.
SPRING_FESTIVAL = [datetime.date(*d) for d in ((2025, 1, 29), (2026, 2, 17), (2027, 2, 6),
                   (2028, 1, 26), (2029, 2, 13), (2030, 2, 3), (2031, 1, 23))]  # fmt: skip
DOUBLE_NINTH = [datetime.date(*d) for d in ((2025, 10, 29), (2026, 10, 18), (2027, 10, 8),
                (2028, 10, 26), (2029, 10, 16), (2030, 10, 5), (2031, 10, 24))]  # fmt: skip

SAFE_CRITERIA = (
    "家庭成员遵纪守法，无违法犯罪记录；邻里和睦，近一年无矛盾纠纷；家中用火、用电、用气安全，"
    "配备灭火器等消防器材；积极参加平安创建和志愿巡逻活动。"
)
WATER_CRITERIA = (
    "家庭全年人均用水量不超过36吨（每人每月3吨）；家中使用节水型器具，无跑冒滴漏；"
    "积极参与节水宣传。凭水费单据申报全年用水量，按户内在住人数计算人均用水量。"
)
UNIT_CRITERIA = (
    "遵守法律法规，诚信经营，近一年无行政处罚；门前三包、消防安全落实到位；"
    "积极参与社区共建、志愿服务和公益活动。"
)
SAFE_PASS = ["家庭和睦，邻里评价好，无违法犯罪记录", "家中消防器材齐全，用电用气安全",
             "家庭成员积极参加平安巡逻志愿服务", "入户核查情况属实，符合申报条件"]  # fmt: skip
SAFE_FAIL = ["入户核查发现楼道堆放杂物，存在消防隐患", "申报材料不全，未提供消防器材照片",
             "近一年有邻里纠纷调解记录"]  # fmt: skip
NOT_SHORTLISTED = ["名额有限，综合评议未进入前列", "公示期间收到居民异议，经核实暂缓入围"]
WATER_NOT_SHORTLISTED = "入户核查发现卫生间水箱漏水，整改后可下次申报"
UNIT_PASS = ["诚信经营，积极参与社区共建", "门前三包落实到位，消防检查合格"]
UNIT_FAIL = "近一年消防检查整改未按期完成"

# (title, level, issuer; "{district}"/"{subdistrict}" stand for the place's own names)
PLACE_HONOURS = [
    ("全国示范性老年友好型社区", "国家级", "全国老龄工作委员会办公室"),
    ("省级文明社区", "省级", "省精神文明建设委员会"),
    ("省级民主法治示范社区", "省级", "省司法厅、省民政厅"),
    ("市级平安社区", "市级", "市委政法委员会"),
    ("市级绿色社区", "市级", "市住房和城乡建设局"),
    ("区级先进基层党组织", "区级", "中共{district}委员会"),
    ("区级和谐社区", "区级", "{district}民政局"),
    ("年度综合考评先进社区", "街道级", "{subdistrict}办事处"),
    ("垃圾分类示范社区", "街道级", "{subdistrict}办事处"),
]
UNIT_HONOURS = {
    LocalUnit.Kind.SHOP: [
        ("食品安全示范店", "区级", "{district}市场监督管理局"),
        ("诚信经营示范店", "街道级", "{subdistrict}办事处"),
    ],
    LocalUnit.Kind.MEDICAL: [("巾帼文明岗", "市级", "市妇女联合会")],
    LocalUnit.Kind.SCHOOL: [("市级文明校园", "市级", "市精神文明建设委员会")],
    LocalUnit.Kind.MARKET: [("放心农贸市场", "区级", "{district}市场监督管理局")],
    LocalUnit.Kind.COMPANY: [
        ("消防安全标准化管理达标单位", "区级", "{district}消防救援大队"),
        ("社区共建先进单位", "街道级", "{subdistrict}工作委员会"),
    ],
}
STAFF_HONOURS = [
    ("优秀社区工作者", "区级", "{district}民政局"),
    ("优秀共产党员", "街道级", "中共{subdistrict}工作委员会"),
    ("优秀网格员", "街道级", "{subdistrict}办事处"),
    ("三八红旗手", "市级", "市妇女联合会"),
    ("人民调解能手", "区级", "{district}司法局"),
]
WINTER_GIFTS = [("棉被", "条", (20, 40)), ("羽绒服", "件", (10, 30)), ("大米", "公斤", (200, 500))]
TEMPORARY_NOTES = ["因病住院，医疗费用负担重", "家中突发火灾，生活用品损毁",
                   "家庭主要劳动力意外受伤，暂时失去收入", "子女就学费用困难"]  # fmt: skip

# (category, what residents said, what they were told)
OPINIONS = {
    "交通停车": (["小区停车位不足，晚上车辆乱停乱放", "电动车停放在楼道口，堵塞消防通道",
                "希望在小区门口增设减速带"],
               "已协调物业重新规划停车区域，增设电动车集中停放点"),
    "环境卫生": (["垃圾分类投放点异味大，希望增加清洗频次", "楼道小广告多，影响美观",
                "绿化带被个别居民种菜，希望清理"],
               "已督促保洁公司每日清洗投放点，并组织志愿者清理小广告"),
    "设施建设": (["小区健身器材老化损坏，希望更换", "老旧楼栋希望加装电梯",
                "希望在小区增设电动车充电桩"],
               "已将需求报街道，列入明年老旧小区改造项目"),
    "物业管理": (["物业保洁不及时，楼道卫生差", "物业费收支情况不透明，希望公开"],
               "已约谈物业公司，物业承诺每季度公示收支情况"),
    "治安安全": (["夜间小区门口有人聚集喧哗", "希望在小区出入口增加监控探头"],
               "已联系派出所加强夜间巡逻，并协调物业增设监控"),
    "公共服务": (["希望开设老年助餐点", "希望开设四点半课堂，方便双职工家庭",
                "希望社区卫生服务站延长门诊时间"],
               "已纳入社区服务项目计划，下季度试点开办"),
    "民生保障": (["咨询高龄津贴的办理流程", "希望加大对困难家庭的帮扶力度"],
               "已向居民说明政策和办理流程"),
}  # fmt: skip
OPINION_SOURCES = ["网格员"] * 6 + ["走访", "走访", "座谈会", "意见箱", "热线", "网络"]
REFERRED = "已上报街道相关科室协调处理"
# (topic, category the opinions come from, decision)
MEETINGS = [
    ("小区停车位规划和电动车停放", "交通停车",
     "在小区东侧空地增划停车位20个，设置电动车集中停放充电点2处，由物业负责管理"),
    ("老旧健身器材更换", "设施建设",
     "申请社区惠民资金更换健身器材8件，由居民代表监督施工，年内完成"),
    ("垃圾分类投放点设置", "环境卫生",
     "投放点由4处调整为6处，实行定时定点投放，志愿者轮流值守督导"),
    ("物业服务质量提升", "物业管理", "物业每季度公示收支，设立物业服务评议小组，每半年评议一次"),
    ("小区安防设施完善", "治安安全",
     "在小区出入口增设监控探头6个，由物业负责维护，费用从公共收益中列支"),
]  # fmt: skip
# The questionnaire: (text, kind, choices, weights or None)
SURVEY = [
    ("您对社区工作的总体评价", "single", ["满意", "基本满意", "不满意"], [62, 31, 7]),
    ("您对小区环境卫生的评价", "single", ["满意", "基本满意", "不满意"], [48, 40, 12]),
    ("您希望社区增加哪些服务（可多选）", "multiple",
     ["老年助餐", "四点半课堂", "文体活动", "健康讲座", "法律咨询"], None),
    ("您对社区工作的意见和建议", "text", [], None),
]  # fmt: skip
SUGGESTIONS = ["希望多组织文体活动", "楼道灯经常坏，希望及时修", "社区工作人员态度很好",
               "希望增加老年人活动场所", "停车问题希望尽快解决"]  # fmt: skip


def ensure_catalogue() -> None:
    """The supplies catalogue, once for every community."""
    present = set(SupplyItem.objects.values_list("name", flat=True))
    missing = [SupplyItem(name=n, unit=u) for n, u in CATALOGUE if n not in present]
    SupplyItem.objects.bulk_create(missing)


@dataclass
class _Home:
    """A household of the community, with who lived in it when."""

    pk: int
    number: str
    head_name: str
    place_id: int
    place_path: str
    stays: list[tuple[datetime.date, datetime.date | None]] = field(default_factory=list)

    def members(self, day: datetime.date) -> int:
        return sum(
            1 for since, until in self.stays if since <= day and (until is None or until >= day)
        )

    @property
    def label(self) -> str:
        """As services.apply names an applicant."""
        return f"{self.number}（{self.head_name}）" if self.head_name else self.number


@dataclass
class _Member:
    """A group membership, with what aid needs of its holder."""

    pk: int
    code: str
    resident_id: int | None
    household_id: int | None
    start: datetime.date
    end: datetime.date | None
    attributes: dict[str, Any]
    place_id: int
    place_path: str
    birth_date: datetime.date | None
    name: str

    def on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


class _Hands:
    """The demo accounts that may record at a place: the most local ones, as the services'
    scope check allows (a grid's worker at the grid, the community's workers above it, the
    sub-district's or district's administrators where a community has no account)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        users = User.objects.filter(is_active=True).select_related("place").order_by("username")
        self.users = [u for u in users if has_perm(u, Perm.EDIT_RECORDS)]

    def at(self, path: str) -> list[User]:
        allowed = [u for u in self.users if path.startswith(u.scope_path)]
        deepest = max((len(u.scope_path) for u in allowed), default=-1)
        return [u for u in allowed if len(u.scope_path) == deepest]

    def pick(self, path: str) -> User | None:
        found = self.at(path)
        return self.rng.choice(found) if found else None

    def head(self, path: str) -> User | None:
        found = self.at(path)
        heads = [u for u in found if u.role == "community_head"]
        return (heads or found or [None])[0]


class _Community:
    """What the demo reads of one community, once."""

    def __init__(self, community: Place, rng: random.Random, today: datetime.date) -> None:
        self.community, self.rng, self.today = community, rng, today
        self.year_ago = today - 364 * DAY
        self.hands = _Hands(rng)
        path = community.path
        self.subdistrict = community.parent
        self.district = self.subdistrict.parent if self.subdistrict else None
        self.grids = list(community.children.filter(kind=PlaceKind.GRID).order_by("code"))
        homes = {
            pk: _Home(pk, number, head or "", place_id, place_path)
            for pk, number, head, place_id, place_path in Household.objects.filter(
                place_path__under=path, dissolved_on__isnull=True
            )
            .order_by("pk")
            .values_list("pk", "number", "head__name", "place_id", "place_path")
        }
        for household_id, since, until in Residence.objects.filter(
            household__place_path__under=path
        ).values_list("household_id", "since", "until"):
            if household_id in homes:
                homes[household_id].stays.append((since, until))
        self.homes = homes
        self.members: dict[str, list[_Member]] = defaultdict(list)
        for row in (
            Membership.objects.filter(
                place_path__under=path,
                category__code__in=["dibao", "elderly", "party", "disabled", "unemployed"],
            )
            .order_by("pk")
            .values_list(
                "pk",
                "category__code",
                "resident_id",
                "household_id",
                "start",
                "end",
                "attributes",
                "place_id",
                "place_path",
                "resident__birth_date",
                "resident__name",
            )
        ):
            member = _Member(*row[:10], row[10] or "")
            self.members[member.code].append(member)
        self.adults = list(
            Resident.objects.filter(place_path__under=path, status="在住")
            .filter(birth_date__lte=today.replace(year=today.year - 18, day=1))
            .order_by("pk")
            .values_list("pk", "name", "place_id", "place_path")
        )
        self.units = list(
            LocalUnit.objects.filter(place_path__under=path, closed_on__isnull=True).order_by("pk")
        )
        self.staff = list(
            Staff.objects.filter(place_path__under=path, end_date__isnull=True).order_by("pk")
        )
        self.records = list(
            WorkRecord.objects.filter(place_path__under=path, date__gte=self.year_ago)
            .only("pk", "kind", "title", "date", "head_count", "place_path")
            .order_by("date", "pk")
        )

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        """When a worker entered something done on `day`: that day, in office hours."""
        moment = datetime.time(hour, self.rng.randint(0, 59))
        return timezone.make_aware(datetime.datetime.combine(day, moment))

    def names(self, text: str) -> str:
        return text.format(
            district=self.district.name if self.district else "",
            subdistrict=self.subdistrict.name if self.subdistrict else "",
        )

    def record(self, title: str, near: datetime.date, days: int = 30) -> WorkRecord | None:
        """The community's work record of that title closest to `near`, within `days`."""
        found = [r for r in self.records if r.title == title and abs((r.date - near).days) <= days]
        return min(found, key=lambda r: abs((r.date - near).days)) if found else None


def populate(community: Place, rng: random.Random) -> dict[str, int]:
    """The community's programs over the year before today. Returns how many of each were
    made."""
    ensure_catalogue()
    c = _Community(community, rng, timezone.localdate())
    if not c.homes:
        return {}
    campaigns, applications = _campaigns(c)
    honours = _honours(c)
    issues: list[_Issue] = []
    give = _Giver(c)
    _aid(c, give, issues)
    drives, entries = _drives(c, give)
    aid = give.rows
    Assistance.objects.bulk_create(aid, batch_size=1000)
    _restamp(aid, [a.date for a in aid], c)
    for campaign, awarded in campaigns:
        if awarded:
            day = max(a.awarded_on for a in awarded)
            issues.append(_Issue(day, "慰问品", len(awarded), campaign.name, campaign=campaign))
    moves = _supplies(c, issues)
    opinions, deliberations = _voice(c)
    responses = _questionnaire(c)
    return {
        "campaigns": len(campaigns),
        "applications": applications,
        "honours": honours,
        "assistance": len(aid),
        "drives": drives,
        "donations": entries,
        "supply_moves": moves,
        "opinions": opinions,
        "deliberations": deliberations,
        "responses": responses,
    }


def _restamp(rows: list, days: list[datetime.date], c: _Community) -> None:
    """Entered on the day each row says, in office hours, not when the demo ran (the field is
    stamped on creation): one UPDATE a day, not one a row."""
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    for row, day in zip(rows, days, strict=True):
        by_day[day].append(row.pk)
    for day, pks in sorted(by_day.items()):
        type(rows[0]).objects.filter(pk__in=pks).update(created_at=c.at(day))


# --- Campaigns.


def _campaigns(c: _Community) -> tuple[list[tuple[Campaign, list[Application]]], int]:
    """平安家庭 finished half a year ago, 节水型家庭 under way, 先进单位 just finished: between
    them every stage of the funnel."""
    today, place = c.today, c.community
    head = c.hands.head(place.path)
    made = [
        Campaign(
            name="平安家庭",
            subject=Campaign.Subject.HOUSEHOLD,
            criteria=SAFE_CRITERIA,
            starts_on=today - 240 * DAY,
            ends_on=today - 150 * DAY,
        ),
        Campaign(
            name="节水型家庭",
            subject=Campaign.Subject.HOUSEHOLD,
            criteria=WATER_CRITERIA,
            starts_on=today - 75 * DAY,
            ends_on=today + 20 * DAY,
            fields="water:全年用水量:吨",
            rule=Campaign.Rule.THRESHOLD,
            rule_field="water",
            rule_per_member=True,
            rule_op="<=",
            rule_value=Decimal("36.00"),
        ),
    ]
    if c.units:
        made.append(
            Campaign(
                name="先进单位",
                subject=Campaign.Subject.UNIT,
                criteria=UNIT_CRITERIA,
                starts_on=today - 200 * DAY,
                ends_on=today - 30 * DAY,
            )
        )
    for campaign in made:
        campaign.place, campaign.place_path, campaign.created_by = place, place.path, head
    Campaign.objects.bulk_create(made)
    _restamp(made, [m.starts_on - 3 * DAY for m in made], c)
    lists = [_safe(c, made[0], head), _water(c, made[1], head)]
    if c.units:
        lists.append(_units(c, made[2], head))
    applications = [a for apps in lists for a in apps]
    Application.objects.bulk_create(applications, batch_size=1000)
    awarded = [[a for a in apps if a.stage == S.AWARDED] for apps in lists]
    return list(zip(made, awarded, strict=True)), len(applications)


def _applicants(c: _Community, campaign: Campaign, n: int) -> list[_Home]:
    """Households living in the community when the campaign opened."""
    homes = [h for h in c.homes.values() if h.members(campaign.starts_on) > 0]
    return c.rng.sample(homes, k=min(n, len(homes)))


def _application(campaign: Campaign, applied_on: datetime.date, home=None, unit=None, **extra):
    return Application(
        campaign=campaign,
        household_id=home.pk if home else None,
        unit=unit,
        applicant_name=(home.label if home else unit.name)[:100],
        applied_on=applied_on,
        members=home.members(applied_on) if home else None,
        **extra,
    )


def _decide(application: Application, stage: str, reason: str, day: datetime.date, by) -> None:
    """初审 or 入围, as services.review and services.shortlist record them (each decision in
    its own fields)."""
    application.stage = stage
    if stage in (S.SHORTLISTED, S.NOT_SHORTLISTED):
        application.shortlist_reason = reason
        application.shortlisted_on, application.shortlisted_by = day, by
    else:
        application.reason, application.reviewed_on, application.reviewed_by = reason, day, by


def _award(application: Application, day: datetime.date, certificate: bool) -> None:
    application.stage, application.awarded_on, application.certificate = S.AWARDED, day, certificate


def _safe(c: _Community, campaign: Campaign, head) -> list[Application]:
    rng = c.rng
    homes = _applicants(c, campaign, rng.randint(24, 36))
    failed = max(1, len(homes) // 7)
    dropped = max(1, len(homes) // 8)
    apps = []
    for n, home in enumerate(homes):
        applied = campaign.starts_on + rng.randint(0, 35) * DAY
        app = _application(campaign, applied, home)
        reviewed = applied + rng.randint(3, 15) * DAY
        if n < failed:
            _decide(app, S.FAILED, rng.choice(SAFE_FAIL), reviewed, head)
        else:
            _decide(app, S.PASSED, rng.choice(SAFE_PASS), reviewed, head)
            decided = campaign.ends_on - rng.randint(5, 15) * DAY
            if n < failed + dropped:
                _decide(app, S.NOT_SHORTLISTED, rng.choice(NOT_SHORTLISTED), decided, head)
            else:
                _decide(app, S.SHORTLISTED, "经评审小组评议并公示，同意入围", decided, head)
                _award(app, campaign.ends_on, certificate=rng.random() < 0.85)
        apps.append(app)
    return apps


def _water(c: _Community, campaign: Campaign, head) -> list[Application]:
    """Screened by the rule, as services.screen_all does; the newest still waiting."""
    rng, today = c.rng, c.today
    homes = _applicants(c, campaign, rng.randint(20, 30))
    span = (today - DAY - campaign.starts_on).days
    apps = []
    for n, home in enumerate(homes):
        applied = campaign.starts_on + rng.randint(0, span) * DAY
        if n == len(homes) - 1:
            applied = today - rng.randint(0, 3) * DAY  # one just in
        members = max(1, home.members(applied))
        # Per member and year: some frugal, some not; the first few settle both outcomes.
        per_member = [28, 31, 25, 48, 30, 45][n] if n < 6 else rng.randint(20, 50)
        app = _application(campaign, applied, home, values={"water": f"{per_member * members}.00"})
        apps.append(app)
    apps.sort(key=lambda a: (a.applied_on, a.household_id))
    passed = []
    for app in apps:
        if app.applied_on > today - 8 * DAY:
            continue  # not yet reviewed
        ok, reason = services.rule_passes(campaign, app)
        day = min(app.applied_on + rng.randint(2, 6) * DAY, today)
        _decide(app, S.PASSED if ok else S.FAILED, reason, day, head)
        if ok:
            passed.append(app)
    # The latest to pass still wait; the others were visited: one not shortlisted.
    for n, app in enumerate(passed[:-2]):
        day = min(app.reviewed_on + rng.randint(3, 10) * DAY, today)
        if n == 0:
            _decide(app, S.NOT_SHORTLISTED, WATER_NOT_SHORTLISTED, day, head)
        else:
            _decide(app, S.SHORTLISTED, "入户核查属实，同意入围", day, head)
    return apps


def _units(c: _Community, campaign: Campaign, head) -> list[Application]:
    rng = c.rng
    units = rng.sample(c.units, k=min(len(c.units), max(4, len(c.units) * 2 // 3)))
    plans = [S.AWARDED, S.FAILED, S.SHORTLISTED, S.NOT_SHORTLISTED]
    plans += [S.AWARDED] * (len(units) - len(plans))
    apps = []
    for unit, plan in zip(units, plans, strict=False):
        applied = campaign.starts_on + rng.randint(0, 40) * DAY
        app = _application(campaign, applied, unit=unit)
        reviewed = applied + rng.randint(5, 20) * DAY
        if plan == S.FAILED:
            _decide(app, S.FAILED, UNIT_FAIL, reviewed, head)
        else:
            _decide(app, S.PASSED, rng.choice(UNIT_PASS), reviewed, head)
            decided = campaign.ends_on - rng.randint(3, 10) * DAY
            if plan == S.NOT_SHORTLISTED:
                _decide(app, S.NOT_SHORTLISTED, rng.choice(NOT_SHORTLISTED), decided, head)
            elif plan == S.SHORTLISTED:
                _decide(app, S.SHORTLISTED, "入围，待街道审定后授牌", decided, head)
            else:
                _decide(app, S.SHORTLISTED, "经评审小组评议并公示，同意入围", decided, head)
                _award(app, campaign.ends_on, certificate=True)
        apps.append(app)
    return apps


# --- Honours.


def _honours(c: _Community) -> int:
    rng, place = c.rng, c.community
    by = c.hands.pick(place.path)

    def day() -> datetime.date:
        return c.today - rng.randint(5, 360) * DAY

    def honour(recipient: str, template: tuple[str, str, str], place_id: int, **who) -> Honour:
        title, level, issuer = template
        return Honour(recipient=recipient, place_id=place_id, title=title, level=level,
                      issuer=c.names(issuer), date=day(), **who)  # fmt: skip

    made = [
        honour(Honour.Recipient.PLACE, template, place.pk)
        for template in rng.sample(PLACE_HONOURS, k=rng.randint(4, 5))
    ]
    units = [u for u in c.units if u.kind in UNIT_HONOURS]
    for unit in rng.sample(units, k=min(len(units), rng.randint(3, 4))):
        template = rng.choice(UNIT_HONOURS[unit.kind])
        made.append(honour(Honour.Recipient.UNIT, template, unit.place_id, unit=unit))
    people = rng.sample(c.staff, k=min(len(c.staff), 4))
    for person, template in zip(people, rng.sample(STAFF_HONOURS, k=4), strict=False):
        made.append(honour(Honour.Recipient.STAFF, template, person.place_id, staff=person))
    paths = {place.pk: place.path, **{u.place_id: u.place_path for u in c.units}}
    for honour in made:
        honour.place_path = paths.get(honour.place_id, place.path)
        honour.created_by = by
    Honour.objects.bulk_create(made)
    _restamp(made, [h.date + rng.randint(1, 5) * DAY for h in made], c)
    return len(made)


# --- Assistance.


@dataclass
class _Issue:
    """Supplies the year's work took from the store."""

    date: datetime.date
    item: str
    quantity: int
    counterpart: str
    record: WorkRecord | None = None
    campaign: Campaign | None = None
    to_place: Place | None = None
    to_unit: LocalUnit | None = None


def _months(c: _Community, pay_day: int) -> list[datetime.date]:
    """The pay days of the last twelve months, oldest first, none in the future."""
    days, month = [], c.today.replace(day=1)
    while len(days) < 12:
        day = month.replace(day=pay_day)
        if c.year_ago <= day <= c.today:
            days.append(day)
        month = (month - DAY).replace(day=1)
    return sorted(days)


def _month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + 4 * DAY).replace(day=1) - DAY


def _latest(days: list[datetime.date], c: _Community, fallback: tuple[int, int]) -> datetime.date:
    """The last of `days` on or before today (a day near it if the table has run out)."""
    past = [d for d in days if d <= c.today]
    if past and past[-1] > c.today - 365 * DAY:
        return past[-1]
    guess = c.today.replace(month=fallback[0], day=fallback[1])
    return guess if guess <= c.today else guess.replace(year=guess.year - 1)


def _holding(members: list[_Member], day: datetime.date) -> list[_Member]:
    """The members on `day`, one per holder (the latest begun, as the service picks)."""
    chosen: dict[tuple, _Member] = {}
    for m in sorted(members, key=lambda m: m.start):
        if m.on(day):
            chosen[(m.resident_id, m.household_id)] = m
    return list(chosen.values())


def _age(member: _Member, day: datetime.date) -> int:
    born = member.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class _Giver:
    """Aid rows as services.give_assistance writes them: placed where the household (or the
    resident) lives, tied to the membership in force on the day only for the kinds that rest
    on a group (AID_GROUPS) — 慰问金 to a 低保 household is not tied to its 低保."""

    def __init__(self, c: _Community) -> None:
        self.c, self.rows = c, []
        self.by = c.hands.pick(c.community.path)

    def __call__(self, kind: str, source: str, day: datetime.date, member: _Member | None = None,
                 *, home: _Home | None = None, amount: Any = 0, goods: str = "",
                 period: tuple[datetime.date, datetime.date] | None = None,
                 notes: str = "") -> None:  # fmt: skip
        holder = home or member
        tied = member is not None and services.AID_GROUPS.get(kind) == member.code
        resident_id = member.resident_id if member and not home else None
        self.rows.append(
            Assistance(
                kind=kind, source=source, date=day, amount=Decimal(amount), goods=goods,
                household_id=home.pk if home else None if resident_id else member.household_id,
                resident_id=resident_id, membership_id=member.pk if tied else None,
                period_start=period[0] if period else None,
                period_end=period[1] if period else None, notes=notes,
                place_id=holder.place_id, place_path=holder.place_path, created_by=self.by,
            )
        )  # fmt: skip


def _aid(c: _Community, give: _Giver, issues: list[_Issue]) -> None:
    """低保金 each month and 高龄补贴 and 残疾人护理补贴 each quarter to the members of the
    group on the day, 就业补贴 to a few unemployed, 临时救助 now and then, and the festivals."""
    rng, groups = c.rng, c.members
    for day in _months(c, 10):
        month = (day.replace(day=1), _month_end(day))
        for m in _holding(groups["dibao"], day):
            if Decimal(m.attributes.get("monthly_amount") or 0) > 0:
                give(A.SUBSISTENCE, "民政", day, m, amount=m.attributes["monthly_amount"],
                     period=month)  # fmt: skip
    for day in [d for d in _months(c, 20) if d.month % 3 == 0]:
        quarter = (day.replace(month=day.month - 2, day=1), _month_end(day))
        for m in _holding(groups["elderly"], day):
            if m.resident_id and m.birth_date:
                age = _age(m, day)
                monthly = 600 if age >= 100 else 300 if age >= 90 else 100
                give(A.ELDERLY, "民政", day, m, amount=3 * monthly, period=quarter,
                     notes=f"{age}周岁，每月{monthly}元")  # fmt: skip
        for m in _holding(groups["disabled"], day):
            if m.resident_id and m.attributes.get("grade") in ("一级", "二级"):
                give(A.DISABILITY, "工会/残联/妇联", day, m, amount=300, period=quarter,
                     notes="重度残疾人护理补贴")  # fmt: skip
    unemployed = _holding(groups["unemployed"], c.today - 60 * DAY)
    for m in rng.sample(unemployed, k=min(len(unemployed), rng.randint(2, 3))):
        day = c.today - rng.randint(20, 300) * DAY
        if m.on(day) and m.resident_id:
            give(A.EMPLOYMENT, "街道", day, m, amount=1000,
                 notes="介绍到辖区单位就业，发放一次性求职创业补贴")  # fmt: skip
    homes = list(c.homes.values())
    for _n in range(rng.randint(1, 3)):
        home, day = rng.choice(homes), c.today - rng.randint(10, 340) * DAY
        if home.members(day):
            give(A.TEMPORARY, "民政", day, home=home, amount=rng.choice([1000, 1500, 2000, 3000]),
                 notes=rng.choice(TEMPORARY_NOTES))  # fmt: skip
    _festivals(c, give, issues)


def _festivals(c: _Community, give: _Giver, issues: list[_Issue]) -> None:
    """春节: 慰问金 with rice and oil for the 低保 households, an allowance for a few old party
    members in need; 七一: the party members over 80; 重阳节: a gift for everyone over 80. The
    goods leave the supplies store on the day."""
    rng, groups = c.rng, c.members
    spring = _latest(SPRING_FESTIVAL, c, (2, 1)) - rng.randint(7, 12) * DAY
    low_income = _holding(groups["dibao"], spring)
    for m in low_income:
        give(A.CONDOLENCE, "街道", spring, m, amount=500, goods="大米10公斤、食用油1桶",
             notes="春节走访慰问低保户")  # fmt: skip
    if low_income:
        visit = c.record("走访慰问困难家庭", spring, days=10)
        issues.append(_Issue(spring, "大米", 10 * len(low_income), "春节慰问低保户", visit))
        issues.append(_Issue(spring, "食用油", len(low_income), "春节慰问低保户", visit))
    party = _holding(groups["party"], spring)
    old = [m for m in party if m.birth_date and _age(m, spring) >= 75]
    for m in rng.sample(old, k=min(len(old), rng.randint(2, 4))):
        give(A.PARTY, "街道", spring, m, amount=1000, notes="春节走访慰问生活困难党员")
    july = c.today.replace(month=6, day=28)
    july = july if july <= c.today else july.replace(year=july.year - 1)
    for m in _holding(groups["party"], july):
        if m.birth_date and _age(m, july) >= 80:
            give(A.CONDOLENCE, "社区", july, m, amount=300, notes="七一走访慰问老党员")
    ninth = _latest(DOUBLE_NINTH, c, (10, 15))
    elderly = [m for m in _holding(groups["elderly"], ninth) if m.resident_id]
    for m in elderly:
        give(A.GOODS, "共建单位", ninth, m, goods="慰问品1份", notes="重阳节慰问高龄老人")
    if elderly:
        gala = c.record("重阳节敬老文艺汇演", ninth, days=20)
        issues.append(_Issue(ninth, "慰问品", len(elderly), "重阳节慰问高龄老人", gala))


# --- Donations.


def _drives(c: _Community, give: _Giver) -> tuple[int, int]:
    """慈善一日捐 (money from residents, staff and units; part of it paid out as 临时救助, which
    the aid ledger shows too) and 冬季送温暖 (quilts, coats and rice from units, handed to the
    low-income households and the elderly living alone)."""
    rng, today, place = c.rng, c.today, c.community
    charity_start = today - rng.randint(100, 160) * DAY
    winter_start = today - rng.randint(330, 350) * DAY
    drives = [
        DonationDrive(name="慈善一日捐", purpose="用于辖区困难家庭临时救助",
                      starts_on=charity_start, ends_on=charity_start + 30 * DAY),
        DonationDrive(name="冬季送温暖", purpose="为低保户和高龄独居老人送去过冬物资",
                      starts_on=winter_start, ends_on=winter_start + 60 * DAY),
    ]  # fmt: skip
    for drive in drives:
        drive.place, drive.place_path, drive.created_by = place, place.path, give.by
    DonationDrive.objects.bulk_create(drives)
    _restamp(drives, [d.starts_on for d in drives], c)
    charity, winter = drives
    book = _Book()
    # Gifts come in during the first weeks; nothing is handed out before they are all in.
    for _n in range(rng.randint(15, 30)):
        pk, name, _place, _path = rng.choice(c.adults)
        day = charity.starts_on + rng.randint(0, 25) * DAY
        book.add(charity, "in", day, name, money=rng.choice([50, 100, 200, 300, 500]),
                 resident_id=pk)  # fmt: skip
    for person in c.staff[:8]:
        day = charity.starts_on + rng.randint(0, 5) * DAY
        book.add(charity, "in", day, person.name, money=200, notes="社区工作者")
    for unit in rng.sample(c.units, k=min(len(c.units), 3)):
        day = charity.starts_on + rng.randint(3, 20) * DAY
        book.add(charity, "in", day, unit.name, money=rng.choice([1000, 2000, 3000]),
                 unit_id=unit.pk)  # fmt: skip
    homes = list(c.homes.values())
    for _n in range(rng.randint(2, 3)):
        home, money = rng.choice(homes), rng.choice([1000, 1500, 2000])
        day = min(charity.ends_on + rng.randint(0, 30) * DAY, today)
        if home.members(day) and book.may_pay(charity, money):
            note = rng.choice(TEMPORARY_NOTES)
            book.add(charity, "out", day, f"{home.head_name or home.number}户", money=money,
                     household_id=home.pk, notes=note)  # fmt: skip
            give(A.TEMPORARY, "社会捐助", day, home=home, amount=money,
                 notes=f"{note}（慈善一日捐）")  # fmt: skip
    givers = [u for u in c.units if u.kind in (LocalUnit.Kind.COMPANY, LocalUnit.Kind.SHOP)]
    for item, measure, (low, high) in WINTER_GIFTS:
        giver = rng.choice(givers) if givers else None
        day = winter.starts_on + rng.randint(0, 15) * DAY
        book.add(winter, "in", day, giver.name if giver else "爱心人士", item=item,
                 quantity=rng.randint(low, high), item_unit=measure,
                 unit_id=giver.pk if giver else None)  # fmt: skip
    if givers:
        book.add(winter, "in", winter.starts_on + 2 * DAY, givers[0].name, money=2000,
                 unit_id=givers[0].pk)  # fmt: skip
    handed = winter.starts_on + rng.randint(25, 40) * DAY
    low_income = [c.homes[m.household_id] for m in _holding(c.members["dibao"], handed)
                  if m.household_id in c.homes]  # fmt: skip
    alone = {m.resident_id for m in c.members["elderly"] if m.attributes.get("living_alone")}
    for home in {h.pk: h for h in low_income + _alone_homes(c, alone, handed)}.values():
        name = f"{home.head_name or home.number}户"
        for item, measure, _range in WINTER_GIFTS:
            quantity = 10 if item == "大米" else 1
            if book.may_give(winter, item, quantity):
                book.add(winter, "out", handed, name, item=item, quantity=quantity,
                         item_unit=measure, household_id=home.pk)  # fmt: skip
        if book.may_pay(winter, 200):
            book.add(winter, "out", handed, name, money=200, household_id=home.pk)
    entries = book.in_order()
    for entry in entries:
        entry.created_by = give.by
    Donation.objects.bulk_create(entries, batch_size=1000)
    _restamp(entries, [e.date for e in entries], c)
    return len(drives), len(entries)


def _alone_homes(c: _Community, alone: set[int], day: datetime.date) -> list[_Home]:
    """The households of elderly people living alone."""
    homes = Residence.objects.filter(resident_id__in=alone, since__lte=day, until__isnull=True)
    ids = sorted(set(homes.values_list("household_id", flat=True)))
    return [c.homes[pk] for pk in ids if pk in c.homes]


class _Book:
    """A drive's entries, refusing what record_donation would refuse: handing out more money or
    more of an item than the drive holds. Each drive's gifts all come in before anything is
    handed out, so what it holds when handing out is what came in less what went out."""

    def __init__(self) -> None:
        self.entries: list[Donation] = []
        self.held: dict[tuple[int, str], Decimal] = defaultdict(Decimal)

    def may_pay(self, drive: DonationDrive, money) -> bool:
        return self.held[(drive.pk, "")] >= Decimal(money)

    def may_give(self, drive: DonationDrive, item: str, quantity) -> bool:
        return self.held[(drive.pk, item)] >= Decimal(quantity)

    def add(self, drive, direction, day, party, *, money=0, item="", quantity=0, item_unit="",
            notes="", **who) -> None:  # fmt: skip
        sign = 1 if direction == Donation.Direction.IN else -1
        self.held[(drive.pk, "")] += sign * Decimal(money)
        if item:
            self.held[(drive.pk, item)] += sign * Decimal(quantity)
        self.entries.append(
            Donation(drive=drive, direction=direction, date=day, party_name=party[:100],
                     money=Decimal(money), item=item, quantity=Decimal(quantity),
                     item_unit=item_unit, notes=notes, **who)
        )  # fmt: skip

    def in_order(self) -> list[Donation]:
        """By drive and day, as they would have been entered."""
        return sorted(self.entries, key=lambda e: (e.drive.starts_on, e.date, e.direction))


# --- Supplies.


def _supplies(c: _Community, issues: list[_Issue]) -> int:
    """A year of the store: bought and allocated in, issued to grids, units, a campaign and the
    work records they served; an issue beyond the stock is preceded by a purchase, so the stock
    never goes below zero (move_supplies refuses it)."""
    rng, today, place = c.rng, c.today, c.community
    start = c.year_ago + 5 * DAY
    subdistrict = c.subdistrict.name if c.subdistrict else "街道"
    receipts = [
        (start, "口罩", "采购入库", 2000, "康民大药房"),
        (start, "消毒液", "采购入库", 120, "康民大药房"),
        (start + 3 * DAY, "垃圾袋", "采购入库", 300, "社区超市"),
        (start + 10 * DAY, "灭火器", "调拨入库", 20, subdistrict),
        (c.today - 230 * DAY, "灭鼠毒饵", "调拨入库", 100, subdistrict),
        (c.today - 70 * DAY, "灭鼠毒饵", "调拨入库", 80, subdistrict),
    ]
    for issue in issues:
        giver = next((u.name for u in c.units if u.kind == LocalUnit.Kind.COMPANY), "共建单位")
        kind = "捐赠入库" if issue.item == "慰问品" else "采购入库"
        source = giver if kind == "捐赠入库" else "社区超市"
        amount = issue.quantity + (10 if issue.item == "慰问品" else 0)
        receipts.append((issue.date - rng.randint(3, 10) * DAY, issue.item, kind, amount, source))
    for grid in c.grids:
        for month in (1, 4, 7, 10):
            day = c.year_ago + (month * 30 + rng.randint(0, 10)) * DAY
            issues.append(_Issue(day, "口罩", rng.randint(100, 200), grid.name, to_place=grid))
            issues.append(_Issue(day, "消毒液", rng.randint(5, 10), grid.name, to_place=grid))
        for when in (c.today - 225 * DAY, c.today - 65 * DAY):
            issues.append(_Issue(when, "灭鼠毒饵", rng.randint(5, 10), grid.name, to_place=grid))
        issues.append(_Issue(start + 20 * DAY, "灭火器", 2, grid.name, to_place=grid))
    market = [u for u in c.units if u.kind in (LocalUnit.Kind.MARKET, LocalUnit.Kind.SHOP)]
    for unit in market[:3]:
        issues.append(
            _Issue(c.today - 220 * DAY, "灭鼠毒饵", rng.randint(5, 15), unit.name, to_unit=unit)
        )
    for record in c.records:
        if record.title == "楼道清洁义务劳动":
            issues.append(_Issue(record.date, "垃圾袋", rng.randint(10, 20), record.title, record))
    items = {i.name: i for i in SupplyItem.objects.filter(name__in=[n for n, _u in CATALOGUE])}
    events = [
        (day, 0, item, kind, Decimal(q), party, None) for day, item, kind, q, party in receipts
    ]
    events += [
        (i.date, 1, i.item, "发放出库", Decimal(i.quantity), i.counterpart, i) for i in issues
    ]
    events = [e for e in events if c.year_ago <= e[0] <= today]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    by = c.hands.pick(place.path)
    stock: dict[str, Decimal] = defaultdict(Decimal)
    moves = []

    def move(day, item, kind, quantity, party, issue=None):
        stock[item] += -quantity if kind == "发放出库" else quantity
        moves.append(
            SupplyMove(
                place=place,
                place_path=place.path,
                item=items[item],
                kind=kind,
                quantity=quantity,
                date=day,
                counterpart=party[:100],
                balance=stock[item],
                to_place=issue.to_place if issue else None,
                to_unit=issue.to_unit if issue else None,
                campaign=issue.campaign if issue else None,
                record=issue.record if issue else None,
                created_by=by,
            )
        )

    for day, _order, item, kind, quantity, party, issue in events:
        if issue is not None and stock[item] < quantity:
            short = quantity - stock[item]
            bought = (short / 50).to_integral_value(rounding=ROUND_CEILING) * 50
            move(day, item, "采购入库", bought, "社区超市（补充采购）")
        move(day, item, kind, quantity, party, issue)
    SupplyMove.objects.bulk_create(moves, batch_size=1000)
    _restamp(moves, [m.date for m in moves], c)
    Stock.objects.bulk_create(
        [
            Stock(place=place, place_path=place.path, item=items[n], on_hand=q)
            for n, q in stock.items()
        ]
    )
    return len(moves)


# --- Residents' voice.


def _voice(c: _Community) -> tuple[int, int]:
    """Opinions over the year, most gathered by the grid workers; those on a meeting's subject
    taken to the next residents' assembly (议事协商 on the assembly's work record), the others
    answered, referred up, or — the latest — still open."""
    rng, today = c.rng, c.today
    assemblies = [r for r in c.records if r.kind == WorkRecord.Kind.ASSEMBLY and r.date <= today]
    opinions: list[Opinion] = []

    def opinion(day, category, content) -> Opinion:
        pk, name, place_id, path = rng.choice(c.adults)
        source = rng.choice(OPINION_SOURCES)
        anonymous = source == "意见箱"
        made = Opinion(
            date=day,
            source=source,
            category=category,
            content=content,
            resident_id=None if anonymous else pk,
            from_name="" if anonymous else name,
            place_id=place_id,
            place_path=path,
            created_by=c.hands.pick(path),
        )
        opinions.append(made)
        return made

    meetings = []
    for record, (topic, _category, decision) in zip(
        assemblies, rng.sample(MEETINGS, k=len(MEETINGS)), strict=False
    ):
        published = record.date + rng.randint(2, 6) * DAY
        meeting = Deliberation(
            topic=topic,
            date=record.date,
            record=record,
            participants=record.head_count or 0,
            decision=decision,
            published_on=published if published <= today else None,
            place=c.community,
            place_path=c.community.path,
            created_by=c.hands.pick(c.community.path),
        )
        meetings.append(meeting)
    Deliberation.objects.bulk_create(meetings)
    _restamp(meetings, [m.date for m in meetings], c)
    for meeting in meetings:
        category = next(cat for t, cat, _d in MEETINGS if t == meeting.topic)
        said, _reply = OPINIONS[category]
        for content in rng.sample(said, k=min(len(said), rng.randint(2, 3))):
            day = meeting.date - rng.randint(5, 40) * DAY
            taken = opinion(max(day, c.year_ago), category, content)
            taken.outcome, taken.deliberation = Opinion.Outcome.DELIBERATION, meeting
    for _n in range(rng.randint(18, 30)):
        category = rng.choice(list(OPINIONS))
        said, reply = OPINIONS[category]
        day = today - rng.randint(0, 360) * DAY
        given = opinion(day, category, rng.choice(said))
        if (today - day).days < 15:
            continue  # still open
        if rng.random() < 0.2:
            given.outcome, given.reply = Opinion.Outcome.REFERRED, REFERRED
        else:
            given.outcome, given.reply = Opinion.Outcome.ANSWERED, reply
    opinions.sort(key=lambda o: o.date)
    Opinion.objects.bulk_create(opinions, batch_size=1000)
    _restamp(opinions, [o.date for o in opinions], c)
    return len(opinions), len(meetings)


def _questionnaire(c: _Community) -> int:
    """社区服务居民满意度调查, closed a month and a half ago, answered by 40–80 residents."""
    rng, place = c.rng, c.community
    starts, ends = c.today - 75 * DAY, c.today - 45 * DAY
    by = c.hands.pick(place.path)
    survey = Questionnaire(
        title="社区服务居民满意度调查",
        place=place,
        place_path=place.path,
        intro="为改进社区服务，请您花几分钟填写本问卷，谢谢支持！",
        starts_on=starts,
        ends_on=ends,
        created_by=by,
    )
    survey.save()
    _restamp([survey], [starts - 2 * DAY], c)
    questions = [
        Question(questionnaire=survey, order=n, text=text, kind=kind, choices="、".join(choices))
        for n, (text, kind, choices, _weights) in enumerate(SURVEY, start=1)
    ]
    Question.objects.bulk_create(questions)
    people = rng.sample(c.adults, k=min(len(c.adults), rng.randint(40, 80)))
    responses = [
        Response(
            questionnaire=survey,
            resident_id=pk,
            date=starts + rng.randint(0, (ends - starts).days) * DAY,
            created_by=by,
        )
        for pk, _name, _place, _path in people
    ]
    Response.objects.bulk_create(responses, batch_size=1000)
    answers = []
    for response in responses:
        for question, (_text, kind, choices, weights) in zip(questions, SURVEY, strict=True):
            if kind == "single":
                picked = rng.choices(choices, weights=weights)
            elif kind == "multiple":
                picked = rng.sample(choices, k=rng.randint(1, 3))
            else:
                picked = [rng.choice(SUGGESTIONS)] if rng.random() < 0.3 else []
            answers += [
                ResponseAnswer(response=response, question=question, value=v) for v in picked
            ]
    ResponseAnswer.objects.bulk_create(answers, batch_size=2000)
    return len(responses)
