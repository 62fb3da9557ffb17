"""A year of a community's cases for the demo: requests in every state (most closed and rated,
a few reopened after 不满意, a few open past their due date), petitions (replied, rejected,
extended, overdue), disputes (mostly settled by mediation), the half-monthly screening with a
gap or two, and supervision files with a year of monthly entries.

Written in bulk, since the services stamp every change with the present moment and a demo needs
a year of history. Each case is walked through its flow (cases/flows.py) by `_Story`, which
applies an action the way services.act does — the same allowed-from states, targets, due dates,
done and closed stamps and version — so the rows are what the services would have written, only
dated in the past. The accounts named are the demo's own, as the services would allow them."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accounts.models import User
from areas.models import LocalUnit, Place, community_path
from cases.flows import FAIRLY_SATISFIED, FLOWS, SATISFIED, SUPERVISION_GROUPS, UNSATISFIED
from cases.models import Case, Event, Party, Screening
from cases.services import CODE_ALPHABET, CODE_LENGTH, PUBLIC_NAME, half_month_of, may_handle
from people.models import GroupCategory, Membership, Residence, Resident, Staff

K = Case.Kind
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
RESIDENT_RATING = "居民本人评价"  # what services.rate_by_resident writes as the actor

# (category, title, what the resident said, what was done)
REQUESTS = [
    (
        "水电维修",
        "厨房水管漏水",
        "厨房水池下水管接头漏水，地面积水",
        "物业维修工上门更换了水管接头",
    ),
    ("水电维修", "楼道灯不亮", "单元楼道声控灯坏了，晚上上下楼看不见", "更换了楼道声控灯"),
    ("水电维修", "卫生间下水道堵塞", "卫生间下水道堵塞返水", "联系疏通师傅疏通了下水道"),
    ("水电维修", "家中频繁跳闸", "家里一开空调就跳闸", "电工上门检查，更换了漏电保护开关"),
    (
        "房屋修缮",
        "外墙渗水",
        "卧室外墙下雨渗水，墙皮脱落",
        "协调物业申请维修资金，对外墙做了防水处理",
    ),
    ("房屋修缮", "顶楼漏雨", "顶楼防水层老化，下雨天屋内漏雨", "对楼顶防水层进行了修补"),
    ("房屋修缮", "单元门关不上", "单元门闭门器坏了，门关不上", "更换了单元门闭门器"),
    (
        "环境卫生",
        "垃圾清运不及时",
        "小区垃圾桶满了没人清运，有异味",
        "督促保洁公司增加清运频次，每日两次",
    ),
    (
        "环境卫生",
        "楼道堆放杂物",
        "楼道里堆放纸箱杂物，影响通行",
        "上门劝导住户清理了杂物，并张贴提示",
    ),
    ("环境卫生", "绿化带杂草丛生", "楼前绿化带杂草很多，蚊虫多", "联系绿化养护单位清除了杂草"),
    (
        "物业管理",
        "电梯经常停运",
        "电梯近期多次故障停运，老人上下楼困难",
        "督促物业联系维保单位检修了电梯",
    ),
    ("物业管理", "小区门禁损坏", "小区门禁坏了，外来人员随意进出", "物业更换了门禁读卡器"),
    ("市政设施", "路灯不亮", "小区门口路灯不亮，晚上出行不安全", "报市政部门维修，路灯已恢复"),
    ("市政设施", "井盖破损", "人行道井盖破损，有安全隐患", "报市政部门更换了井盖"),
    ("市政设施", "道路积水", "下雨后小区门口道路积水严重", "协调市政部门疏通了雨水口"),
    ("治安消防", "消防通道被占用", "有私家车长期停在消防通道上", "联系车主挪车，并设置了禁停标识"),
    (
        "治安消防",
        "楼道内给电动车充电",
        "有住户把电动车推进楼道充电",
        "上门劝导，引导到集中充电点充电",
    ),
    (
        "噪音扰民",
        "夜间装修噪音",
        "楼上晚上十点后还在装修，影响休息",
        "上门劝导，约定装修时间为8时至18时",
    ),
    (
        "噪音扰民",
        "广场舞音响声音过大",
        "晚上广场舞音响声音太大",
        "与舞蹈队协商降低音量、21时前结束",
    ),
    ("政策咨询", "咨询低保申请条件", "想了解低保申请条件和需要的材料", "已告知申请条件和材料清单"),
    ("政策咨询", "咨询高龄津贴办理", "父亲满80岁了，想办理高龄津贴", "已指导在线申请，津贴已发放"),
    (
        "政策咨询",
        "咨询城乡居民医保缴费",
        "想了解医保缴费时间和标准",
        "已告知缴费时间、标准和缴费渠道",
    ),
    ("其他", "快递柜设置位置不合理", "快递柜放在消防通道旁边", "与快递公司协商将快递柜移至门卫旁"),
]
CHANNELS = (["电话"] * 35) + (["来访"] * 25) + (["网格员上报"] * 25) + (["居民自助"] * 15)
SATISFIED_NOTES = ["居民表示满意", "问题已解决，感谢社区", "处理很及时", "师傅服务态度好"]
FAIR_NOTES = ["问题基本解决，希望以后处理快一些", "基本满意，还需要继续观察"]
UNSATISFIED_NOTES = ["维修后仍有渗漏", "问题反复出现，没有彻底解决", "处理后第二天又坏了"]
REDO_NOTES = ["再次上门，彻底更换了相关部件", "联系专业维修单位重新处理，已验收"]

PETITIONS = [
    (
        "城乡建设",
        "反映老旧小区改造进度缓慢",
        "经了解，改造工程因管线迁改延误，已协调施工单位增派人员，预计下月完工",
    ),
    ("劳动社保", "反映原单位未足额缴纳社保", "已协助信访人向区人社局劳动监察大队反映，单位已补缴"),
    ("民政", "对低保审核结果有异议", "经重新入户核查并复核家庭收入，符合条件，已纳入低保"),
    ("环境保护", "反映周边餐馆油烟扰民", "已会同街道执法队督促餐馆安装油烟净化设备"),
    ("治安", "反映小区周边夜间有人聚集喧哗", "已联系派出所加强夜间巡逻，情况已好转"),
    (
        "物业",
        "反映物业公司违规收取停车费",
        "经核查，物业停车收费未经业主大会同意，已责令整改并退还多收费用",
    ),
    ("其他", "反映公交站点设置不便", "已将意见转交区交通部门，站点调整已列入计划"),
]
PETITION_CHANNELS = ["来访", "来访", "来信", "网上信访", "电话"]
REJECTION = (
    "涉法涉诉",
    "对法院民事判决不服要求重新处理",
    "该事项属于涉法涉诉，依法应通过诉讼程序解决，已书面告知信访人向人民法院申请再审",
)

# (type, title, agreement)
DISPUTES = [
    ("邻里", "楼上漏水致楼下墙面受损", "楼上住户承担维修费用1200元，并于10日内修复防水层"),
    ("邻里", "邻居装修噪音扰民", "装修方承诺每日8时至18时施工，午休时间不施工"),
    ("邻里", "公共楼道堆放杂物引发争吵", "双方各自清理楼道杂物，今后保持楼道畅通"),
    ("邻里", "宠物狗咬伤邻居", "狗主人赔偿医疗费、误工费共计2800元，外出遛狗一律拴绳"),
    ("婚姻家庭", "子女赡养老人费用分担", "三名子女每人每月支付赡养费600元，轮流照顾老人"),
    ("婚姻家庭", "夫妻因家务琐事争吵", "双方同意互相体谅，共同承担家务，不再争吵"),
    ("物业", "停车位使用争议", "物业重新划定车位，双方按新划定车位停放"),
    ("物业", "拖欠物业费争议", "业主一次性补缴物业费，物业负责修复楼道破损"),
    ("劳资", "装修工人讨要工资", "雇主于5日内一次性支付拖欠工资4500元"),
    ("其他", "共用水管维修费用分摊", "三户按户平均分摊维修费用，每户300元"),
]  # fmt: skip
DISPUTE_CHANNELS = ["排查发现", "排查发现", "当事人申请", "当事人申请", "网格员上报", "上级交办"]
MEDIATION_NOTES = [
    "组织双方到调解室调解，双方各自陈述了意见",
    "分别做双方思想工作，释法明理",
    "邀请楼栋长、网格员共同参与调解，双方分歧缩小",
    "现场查看情况后再次组织调解",
]
FAILURE_NOTES = [
    "双方分歧较大，调解不成，已引导当事人向人民法院起诉",
    "一方拒绝继续调解，已告知可申请劳动仲裁",
]

SUPERVISION_NOTES = {
    "visit": ["入户走访，本人在家，情绪稳定", "到工作单位走访，表现良好", "走访家属，了解近期表现"],
    "talk": ["个别谈话，本人汇报近期思想和工作情况", "谈话教育，提醒遵守外出请假规定"],
    "education": ["参加司法所集中教育学习4小时", "参加社区公益活动8小时", "参加法律知识讲座"],
    "guardian": ["电话联系监护人，反映其在家表现良好", "与监护人面谈，共同做好监管"],
    "report": ["向司法所报告本月监管情况，无异常", "向司法所书面报告本月思想汇报和走访情况"],
}  # fmt: skip
# Entries made each month in a file, and every how many months the others come.
MONTHLY = ("visit", "talk", "report")
EVERY = {K.CORRECTION: {"education": 1, "guardian": 2}, K.RELEASE: {"education": 3, "guardian": 3}}
TERMS = {K.CORRECTION: (365, 3 * 365), K.RELEASE: (3 * 365, 5 * 365)}  # days
END_NOTES = {K.CORRECTION: "矫正期满，依法解除社区矫正", K.RELEASE: "帮教期满，解除安置帮教"}


@dataclass
class _Person:
    """A resident living in the community now: who, their phone, where they live."""

    pk: int
    name: str
    phone: str
    birth_date: datetime.date
    address: str
    household_id: int
    relation: str
    place_id: int
    place_path: str


@dataclass
class _Story:
    """One case walked through its flow, in the past."""

    case: Case
    now: datetime.datetime
    events: list[Event] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    stopped: bool = False

    @property
    def flow(self):
        return FLOWS[self.case.kind]

    @property
    def at(self) -> datetime.datetime:
        return self.events[-1].at if self.events else self.case.received_at

    def open(self, by: User | None) -> None:
        case = self.case
        if case.due is None and self.flow.due_days:
            case.due = _local_day(case.received_at) + datetime.timedelta(days=self.flow.due_days)
        self.events.append(
            Event(
                at=case.received_at,
                by=by,
                by_name=by.name if by else PUBLIC_NAME,
                action="open",
                label=str(self.flow.opened_label),
                state=case.state,
                note=case.description,
            )
        )

    def act(
        self,
        code: str,
        after: datetime.timedelta,
        *,
        by: User | None,
        note: str = "",
        assignee: User | None = None,
        rating: str = "",
        by_name: str = "",
    ) -> bool:
        """Take the action `after` the last one, as services.act would; stop the story at the
        present moment (what has not happened yet stays undone)."""
        at = _office_hours(self.at + after)
        if self.stopped or at >= self.now:
            self.stopped = True
            return False
        case, action = self.case, self.flow.action(code)
        if action not in self.flow.allowed(case.state):
            raise ValueError(f"{case.kind}: {code} is not allowed from {case.state}")
        day = _local_day(at)
        case.state = action.target_for(rating) or case.state
        if code == "assign":
            case.assignee = assignee
        if rating:
            case.rating = rating
            if action.target_for(rating) != action.target:
                case.done_at = None
        if action.marks_done:
            case.done_at = at
        if action.marks_closed:
            case.closed_at = at
        if action.agreed is not None:
            case.agreed = action.agreed
        if action.sets_due_days:
            case.due = day + datetime.timedelta(days=action.sets_due_days)
        if action.extends_due_days:
            case.due = (case.due or day) + datetime.timedelta(days=action.extends_due_days)
        case.version += 1
        data: dict[str, Any] = {"rating": rating} if rating else {}
        if assignee is not None:
            data["assignee"] = assignee.name
        self.events.append(
            Event(
                at=at,
                by=by,
                by_name=by.name if by else by_name or PUBLIC_NAME,
                action=code,
                label=str(action.label),
                state=case.state,
                note=note,
                data=data,
            )
        )
        return True


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _office_hours(moment: datetime.datetime) -> datetime.datetime:
    """Work done out of hours is dated the next morning: nobody mends a pipe at 3 a.m."""
    local = timezone.localtime(moment)
    if local.hour < 8:
        return local.replace(hour=8, minute=30 + local.minute % 30)
    if local.hour >= 19:
        return (local + DAY).replace(hour=8, minute=30 + local.minute % 30)
    return local


def _moment(rng: random.Random, day: datetime.date, first: int = 8, last: int = 17):
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randint(first, last), rng.randint(0, 59)))
    )


def _hours(rng: random.Random, low: float, high: float) -> datetime.timedelta:
    return datetime.timedelta(hours=rng.uniform(low, high))


def _days(rng: random.Random, low: float, high: float) -> datetime.timedelta:
    return datetime.timedelta(days=rng.uniform(low, high))


class _Cast:
    """The demo accounts that may handle a community's cases, as services.may_handle allows:
    its own workers where it has any, else the sub-district's or district's administrators."""

    def __init__(self, community: Place, rng: random.Random) -> None:
        self.rng = rng
        self.users = list(
            User.objects.filter(is_active=True).select_related("place").order_by("username")
        )
        self.community = community

    def handlers(self, path: str, kind: str) -> list[User]:
        allowed = [u for u in self.users if may_handle(u, path, kind)]
        local = [u for u in allowed if u.scope_path.startswith(self.community.path)]
        if local:
            return local
        deepest = max((len(u.scope_path) for u in allowed), default=0)
        return [u for u in allowed if len(u.scope_path) == deepest]

    def pick(self, path: str, kind: str) -> User | None:
        """Community workers get most of the work, grid workers the grid's, the head some."""
        found = self.handlers(path, kind)
        if not found:
            return None
        weights = [{"community_worker": 4, "grid_worker": 3}.get(u.role, 1) for u in found]
        return self.rng.choices(found, weights=weights)[0]

    def desk(self, path: str, kind: str) -> User | None:
        """Who takes a case in at the office: the head where there is one, else a handler."""
        found = self.handlers(path, kind)
        heads = [u for u in found if u.role == "community_head"]
        return (heads or found or [None])[0]


def populate(community: Place, rng: random.Random, *, factor: int = 1) -> dict[str, int]:
    """The community's cases over the year before now, `factor` times as many requests,
    petitions and disputes as a demo community has (a larger community brings more).
    Returns how many of each were made."""
    now = timezone.now()
    everyone = _residents(community)
    adult = _local_day(now) - datetime.timedelta(days=18 * 366)
    people = [p for p in everyone if p.phone and p.birth_date <= adult]
    if not people:
        return {}
    cast = _Cast(community, rng)
    codes = set(
        Case.objects.filter(tracking_code__isnull=False).values_list("tracking_code", flat=True)
    )
    stories = [
        *_requests(community, people, cast, rng, now, codes, factor),
        *_petitions(people, cast, rng, now, factor),
        *_disputes(community, people, cast, rng, now, factor),
    ]
    files, memberships = _supervision(community, everyone, cast, rng, now)
    stories += files
    _save(stories)
    Membership.objects.bulk_update(memberships, ["end"])
    screenings = _screenings(community, stories, cast, rng, now)
    return {
        "cases": len(stories),
        "case_events": sum(len(s.events) for s in stories),
        "screenings": screenings,
    }


def _residents(community: Place) -> list[_Person]:
    """Everyone living in the community now, read once as plain values (a community has a few
    thousand; model instances of them and their households would cost more than the cases).
    Who has moved out is left out here rather than in SQL: right after the demo's bulk load
    PostgreSQL has no statistics yet, and with `until IS NULL` in the query it probed the
    partial index of current residences once per household (0.35 s a community, not 0.02)."""
    rows = (
        Residence.objects.filter(
            household__place_path__under=community.path, resident__status="在住"
        )
        .order_by("resident_id")
        .values_list(
            "resident_id",
            "resident__name",
            "resident__phone",
            "resident__birth_date",
            "household__dwelling__address",
            "household_id",
            "relation",
            "household__place_id",
            "household__place_path",
            "until",
        )
    )
    return [_Person(*row[:4], row[4] or "", *row[5:9]) for row in rows if row[9] is None]


def _case(kind: str, *, place_id: int, path: str, received: datetime.datetime, **fields) -> Case:
    return Case(
        kind=kind,
        state=FLOWS[kind].initial,
        received_at=received,
        place_id=place_id,
        place_path=path,
        **fields,
    )


def _reported(kind: str, person, received: datetime.datetime, **fields) -> Case:
    """A case a resident of the registry brought, placed where they live."""
    return _case(
        kind,
        place_id=person.place_id,
        path=person.place_path,
        received=received,
        reporter_id=person.pk,
        reporter_name=person.name,
        reporter_phone=person.phone,
        address=person.address,
        **fields,
    )


def _handled(case: Case, cast, now: datetime.datetime):
    """The case given to a handler the rules allow, registered at the desk: its story begun."""
    handler = cast.pick(case.place_path, case.kind)
    case.assignee = handler
    case.created_by = cast.desk(case.place_path, case.kind) or handler
    story = _Story(case, now)
    story.open(case.created_by)
    return story, handler


def _when(rng: random.Random, now: datetime.datetime, low: float, high: float):
    """A moment in office hours between `high` and `low` days before now, never later than
    an hour ago."""
    day = _local_day(now - _days(rng, low, high))
    moment = _moment(rng, day)
    return min(moment, now - HOUR)


# --- Requests.


def _requests(community, people, cast, rng, now, codes, factor: int) -> list[_Story]:
    n = rng.randint(40, 80) * factor
    # Every state appears among the recent ones; the rest of the year is mostly done.
    plans = ["已受理", "已派单", "处理中", "已办结", "已回访", "reopened"]
    plans += ["overdue"] * rng.randint(2, 4) + ["redone"] * max(2, n // 12)
    plans += ["late"] * max(2, n // 10)
    plans += ["closed"] * (n - len(plans))
    stories = []
    for plan in plans:
        category, title, said, done = rng.choice(REQUESTS)
        person = rng.choice(people)
        channel = rng.choice(CHANNELS)
        public = channel == "居民自助"
        if plan in FLOWS[K.REQUEST].states or plan == "reopened":
            received = _when(rng, now, 4, 6)
        elif plan == "overdue":
            received = _when(rng, now, 12, 80)
        else:
            received = _when(rng, now, 8, 364)
        place_id, path = (
            (community.pk, community.path) if public else (person.place_id, person.place_path)
        )
        case = _case(
            K.REQUEST,
            place_id=place_id,
            path=path,
            received=received,
            title=title,
            description=said,
            category=category,
            channel=channel,
            reporter_id=None if public else person.pk,
            reporter_name=person.name,
            reporter_phone=person.phone,
            address=person.address,
            tracking_code=_tracking_code(rng, codes) if public else None,
        )
        desk = None if public else cast.desk(path, K.REQUEST)
        case.created_by = desk
        story = _Story(case, now)
        story.open(desk)
        _handle_request(story, plan, cast, rng, done, public)
        stories.append(story)
    return stories


def _tracking_code(rng: random.Random, taken: set) -> str:
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def _handle_request(story: _Story, plan: str, cast: _Cast, rng, done: str, public: bool):
    case = story.case
    handler = cast.pick(case.place_path, K.REQUEST)
    dispatcher = cast.desk(case.place_path, K.REQUEST) or handler
    quick = plan in FLOWS[K.REQUEST].states or plan == "reopened"
    gap = (lambda: _hours(rng, 1, 4)) if quick else (lambda: _hours(rng, 2, 40))
    steps: list[Callable[[], bool]] = [
        lambda: story.act("assign", gap(), by=dispatcher, assignee=handler),
        lambda: story.act("start", gap(), by=handler, note="已联系反映人，上门查看"),
    ]
    if plan == "overdue":
        # Dispatched, perhaps started, then stuck waiting for parts or another department.
        for step in steps[: rng.randint(1, 2)]:
            step()
        story.act("note", _days(rng, 1, 4), by=handler, note="需协调相关单位，等待配件")
        return
    if plan == "late":
        steps.append(lambda: story.act("finish", _days(rng, 8, 12), by=handler, note=done))
    else:
        steps.append(lambda: story.act("finish", gap(), by=handler, note=done))
    stop = {"已受理": 0, "已派单": 1, "处理中": 2, "已办结": 3}.get(plan)
    for step in steps[:stop]:
        step()
    if stop is not None:
        return
    if plan in ("redone", "reopened"):
        _follow_up(story, rng, UNSATISFIED, dispatcher, public, gap)
        if plan == "reopened":
            return
        story.act("finish", _days(rng, 1, 4), by=handler, note=rng.choice(REDO_NOTES))
    rating = SATISFIED if rng.random() < 0.75 else FAIRLY_SATISFIED
    _follow_up(story, rng, rating, dispatcher, public, gap)
    if plan != "已回访":
        story.act("close", gap(), by=handler, note="")


def _follow_up(story: _Story, rng, rating: str, by, public: bool, gap) -> None:
    notes = {SATISFIED: SATISFIED_NOTES, FAIRLY_SATISFIED: FAIR_NOTES}.get(rating)
    note = rng.choice(notes or UNSATISFIED_NOTES)
    if public and rng.random() < 0.6:  # the resident rated it with the tracking code
        story.act("follow_up", gap(), by=None, by_name=RESIDENT_RATING, rating=rating, note=note)
    else:
        story.act("follow_up", gap(), by=by, rating=rating, note=f"电话回访：{note}")


# --- Petitions.


def _petitions(people, cast, rng, now, factor: int) -> list[_Story]:
    n = rng.randint(5, 10) * factor
    plans = ["rejected", "extended", "overdue", "已登记", "已答复"]
    plans += ["closed"] * (n - len(plans))
    subjects = rng.sample(PETITIONS, k=min(len(PETITIONS), n))
    stories = []
    for i, plan in enumerate(plans):
        category, title, reply = REJECTION if plan == "rejected" else subjects[i % len(subjects)]
        person = rng.choice(people)
        received = {
            "已登记": lambda: _when(rng, now, 1, 8),
            "已答复": lambda: _when(rng, now, 55, 70),
            "overdue": lambda: _when(rng, now, 100, 180),
            "extended": lambda: _when(rng, now, 150, 300),
        }.get(plan, lambda: _when(rng, now, 60, 364))()
        case = _reported(
            K.PETITION,
            person,
            received,
            title=title,
            description=f"信访人{person.name}{title}",
            category=category,
            channel=rng.choice(PETITION_CHANNELS),
        )
        story, handler = _handled(case, cast, now)
        if plan == "已登记":
            stories.append(story)
            continue
        if plan == "rejected":
            story.act("reject", _days(rng, 3, 10), by=handler, note=reply)
            stories.append(story)
            continue
        story.act("accept", _days(rng, 2, 10), by=handler, note="经审查，符合受理条件，予以受理")
        if plan == "overdue":
            story.act("note", _days(rng, 15, 30), by=handler, note="已转请相关部门协助核查")
            stories.append(story)
            continue
        if plan == "extended":
            story.act("extend", _days(rng, 45, 55), by=handler, note="情况复杂，需多部门会商")
            story.act("reply", _days(rng, 20, 30), by=handler, note=reply)
        else:
            story.act("note", _days(rng, 5, 15), by=handler, note="已实地调查核实")
            story.act("reply", _days(rng, 5, 25), by=handler, note=reply)
        if plan != "已答复":
            story.act("close", _days(rng, 1, 5), by=handler, note="信访人对答复无异议")
        stories.append(story)
    return stories


# --- Disputes.


def _disputes(community, people, cast, rng, now, factor: int) -> list[_Story]:
    n = rng.randint(10, 20) * factor
    plans = ["已登记", "调解中", "调解成功", "调解不成功", "stuck"]
    plans += ["failed"] * rng.randint(1, 3)
    plans += ["settled"] * (n - len(plans))
    companies = list(
        LocalUnit.objects.filter(place_path__under=community.path, kind="企业")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    stories = []
    for plan in plans:
        category, title, agreement = rng.choice(DISPUTES)
        first, second = rng.sample(people, k=2)
        received = {
            "已登记": lambda: _when(rng, now, 1, 3),
            "调解中": lambda: _when(rng, now, 8, 15),
            "调解成功": lambda: _when(rng, now, 14, 20),
            "调解不成功": lambda: _when(rng, now, 25, 28),
            "stuck": lambda: _when(rng, now, 45, 90),
        }.get(plan, lambda: _when(rng, now, 45, 364))()
        case = _reported(
            K.DISPUTE,
            first,
            received,
            title=title,
            description=f"{first.name}反映：{title}，请求社区调解",
            category=category,
            channel=rng.choice(DISPUTE_CHANNELS),
        )
        story, mediator = _handled(case, cast, now)
        story.parties.append(Party(role="申请人", resident_id=first.pk))
        if category == "物业" and companies:
            story.parties.append(Party(role="被申请人", unit_id=rng.choice(companies)))
        else:
            story.parties.append(Party(role="被申请人", resident_id=second.pk))
        _mediate(story, plan, mediator, rng, agreement)
        stories.append(story)
    return stories


def _mediate(story: _Story, plan: str, mediator, rng, agreement: str) -> None:
    if plan == "已登记":
        return
    rounds = 1 if plan in ("调解中", "调解成功") else rng.randint(1, 3)
    for n in range(rounds):
        story.act("mediate", _days(rng, 1, 6), by=mediator, note=MEDIATION_NOTES[n % 4])
    if plan in ("调解中", "stuck"):
        return
    if plan in ("failed", "调解不成功"):
        story.act("fail", _days(rng, 1, 5), by=mediator, note=rng.choice(FAILURE_NOTES))
    else:
        story.act("agree", _days(rng, 1, 5), by=mediator, note=f"双方自愿达成协议：{agreement}")
    if plan in ("settled", "failed"):
        note = "回访确认协议已履行" if plan == "settled" else "当事人已通过其他途径解决，结案"
        story.act("close", _days(rng, 3, 15), by=mediator, note=note)


# --- Supervision files.


def _supervision(community, everyone, cast, rng, now) -> tuple[list[_Story], list[Membership]]:
    """1–3 files of each kind: one for each current member of the group (a file follows a
    membership), more members registered when there are fewer; now and then one that ended in
    the year, its membership ended with it."""
    stories, ended = [], []
    today = _local_day(now)
    year_ago = today - datetime.timedelta(days=365)
    taken = set(Case.objects.filter(subject__isnull=False).values_list("subject_id", flat=True))
    oldest, youngest = (today - datetime.timedelta(days=y * 365) for y in (60, 20))
    candidates = [p for p in everyone if oldest <= p.birth_date <= youngest]
    family = _families(everyone)
    for kind, code in SUPERVISION_GROUPS.items():
        category = GroupCategory.objects.get(code=code)
        current = list(
            Membership.objects.filter(
                category=category, end__isnull=True, place_path__under=community.path
            )
            .exclude(resident_id__in=taken)
            .select_related("resident")
            .order_by("pk")
        )
        plans = [("open", m) for m in current]
        plans += [("open", None)] * max(0, rng.randint(1, 2) - len(current))
        if rng.random() < 0.75:
            plans.append(("ended", None))
        low, high = TERMS[kind]
        for plan, membership in plans:
            if plan == "ended":
                ends = today - datetime.timedelta(days=rng.randint(30, 300))
                starts = ends - datetime.timedelta(days=rng.randint(low, high))
            elif membership is None:
                starts = today - datetime.timedelta(days=rng.randint(60, low))
                ends = starts + datetime.timedelta(days=rng.randint(low, high))
            else:
                starts = membership.start
                ends = starts + datetime.timedelta(days=rng.randint(low, high))
            # An open file's term has not run out: it would have been ended.
            if plan == "open":
                ends = max(ends, today + datetime.timedelta(days=rng.randint(60, 400)))
            if membership is None:
                free = [p for p in candidates if p.pk not in taken]
                if not free:
                    break
                resident = Resident.objects.get(pk=rng.choice(free).pk)
                membership = Membership(
                    category=category,
                    resident=resident,
                    start=starts,
                    attributes=_attributes(kind, rng, starts),
                    place_id=resident.place_id,
                )
                membership.save()
            taken.add(membership.resident_id)
            story = _file(kind, membership, cast, rng, now, starts, ends, family, year_ago)
            if story.case.closed_at is not None:
                membership.end = _local_day(story.case.closed_at)
                ended.append(membership)
            stories.append(story)
    return stories, ended


def _attributes(kind: str, rng: random.Random, starts: datetime.date) -> dict[str, Any]:
    if kind == K.CORRECTION:
        return {"correction_type": rng.choice(["缓刑", "缓刑", "假释", "管制"])}
    return {"released_on": starts.isoformat()}


def _families(everyone: list[_Person]) -> dict[int, list[_Person]]:
    """Who lives with whom: the subject's guardian is one of the household."""
    households: dict[int, list[_Person]] = {}
    for person in everyone:
        households.setdefault(person.household_id, []).append(person)
    return households


def _file(kind, membership, cast, rng, now, starts, ends, family, year_ago) -> _Story:
    resident = membership.resident
    cadre = cast.pick(resident.place_path, kind)
    staff = list(
        Staff.objects.filter(place_path=community_path(resident.place_path))
        .order_by("pk")
        .values_list("name", flat=True)[:8]
    )
    helpers = rng.sample(staff, k=min(2, len(staff)))
    team = "、".join(
        [*(f"{name}（社区）" for name in helpers), f"{rng.choice('王李张刘陈')}警官（民警）"]
    )
    home = next((h for h in family.values() if any(p.pk == resident.pk for p in h)), [])
    relatives = [p for p in home if p.pk != resident.pk]
    guardian = f"{relatives[0].name}（{relatives[0].relation}）" if relatives else ""
    category = (
        membership.attributes.get("correction_type")
        if kind == K.CORRECTION
        and membership.attributes.get("correction_type") in FLOWS[kind].categories
        else rng.choice(FLOWS[kind].categories)
    )
    opened = max(starts, year_ago - datetime.timedelta(days=30))
    case = _case(
        kind,
        place_id=resident.place_id,
        path=resident.place_path,
        received=min(_moment(rng, opened), now - HOUR),
        title=f"{resident.name}{FLOWS[kind].label}档案",
        description=f"{resident.name}，{category}，自{starts:%Y年%m月%d日}起接受{FLOWS[kind].label}。",
        category=category,
        subject=resident,
        membership=membership,
        starts_on=starts,
        ends_on=ends,
        guardian=guardian,
        team=team[:100],
        assignee=cadre,
        created_by=cadre,
    )
    story = _Story(case, now)
    story.open(cadre)
    # Registered with its cadre: open_case records that as the file's first 指定责任人.
    story.act("assign", datetime.timedelta(minutes=rng.randint(1, 20)), by=cadre, assignee=cadre)
    _entries(story, kind, cadre, rng, ends)
    return story


def _entries(story: _Story, kind: str, cadre, rng, ends: datetime.date) -> None:
    """Month by month from the file's opening: a visit, a talk and a report each month, the
    education and guardian contacts every so many months; the file ends at its term."""
    month = _local_day(story.case.received_at).replace(day=1)
    n = 0
    while not story.stopped:
        month = (month + datetime.timedelta(days=32)).replace(day=1)
        if month > ends:
            break
        codes = list(MONTHLY[:2])
        codes += [code for code, every in EVERY[kind].items() if n % every == 0]
        codes.append(MONTHLY[2])  # the month's report comes last
        for code in codes:
            day = month + datetime.timedelta(days=rng.randint(2, 9) + 5 * codes.index(code))
            if day > ends:
                break
            after = max(_moment(rng, day) - story.at, datetime.timedelta(minutes=30))
            story.act(code, after, by=cadre, note=rng.choice(SUPERVISION_NOTES[code]))
        n += 1
    if not story.stopped:
        story.act("end", max(_moment(rng, ends) - story.at, HOUR), by=cadre,
                  note=END_NOTES[kind])  # fmt: skip


# --- Saving, and the half-monthly screening.


def _save(stories: list[_Story]) -> None:
    cases = [s.case for s in stories]
    Case.objects.bulk_create(cases, batch_size=500)
    for case in cases:
        # Registered a few minutes after it came in, not when the demo ran.
        case.created_at = case.received_at + datetime.timedelta(minutes=5)
    Case.objects.bulk_update(cases, ["created_at"], batch_size=500)
    events, parties = [], []
    for story in stories:
        for event in story.events:
            event.case = story.case
            events.append(event)
        for party in story.parties:
            party.case = story.case
            parties.append(party)
    Event.objects.bulk_create(events, batch_size=1000)
    Party.objects.bulk_create(parties, batch_size=1000)


def _screenings(community, stories, cast, rng, now) -> int:
    """The 24 half-months before the current one: what the screening found is the disputes
    registered from it; one or two half-months, in which it found nothing, were never
    reported."""
    today = _local_day(now)
    starts, day = [], half_month_of(today)
    while len(starts) < 24:
        day = half_month_of(day - DAY)
        starts.append(day)
    found: dict[datetime.date, int] = dict.fromkeys(starts, 0)
    for story in stories:
        case = story.case
        if case.kind == K.DISPUTE and case.channel == "排查发现":
            period = half_month_of(_local_day(case.received_at))
            if period in found:
                found[period] += 1
    quiet = [d for d in starts if not found[d]]
    missing = set(rng.sample(quiet, k=min(len(quiet), rng.randint(1, 2))))
    by = cast.desk(community.path, K.DISPUTE)
    rows = []
    for start in starts:
        if start in missing:
            continue
        n = found[start]
        rows.append(
            Screening(
                place=community,
                place_path=community.path,
                period_start=start,
                found=n,
                nothing_found=not n,
                notes=(
                    f"排查辖区各网格、重点楼栋，发现矛盾纠纷{n}起，均已登记调处"
                    if n
                    else "排查辖区各网格、重点楼栋，未发现矛盾纠纷"
                ),
                by=by,
            )
        )
    Screening.objects.bulk_create(rows)
    for row in rows:
        end = row.period_start.replace(day=15) if row.period_start.day == 1 else None
        end = end or (row.period_start + datetime.timedelta(days=17)).replace(day=1) - DAY
        row.created_at = min(_moment(rng, end + datetime.timedelta(days=rng.randint(0, 2))), now)
    Screening.objects.bulk_update(rows, ["created_at"])
    return len(rows)
