"""Each kind of case declares here, and nowhere else, its states, the actions that move it and
from which states they may start, what each action asks for, and its categories and channels.
The services check a change against this table; the case page offers what it allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# What an action's form may ask for. "note" is the event's text; the others change the case.
NOTE = "note"
ASSIGNEE = "assignee"
RATING = "rating"

SATISFIED, FAIRLY_SATISFIED, UNSATISFIED = "满意", "基本满意", "不满意"
RATINGS = (SATISFIED, FAIRLY_SATISFIED, UNSATISFIED)


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: tuple[str, ...]  # the states it may start from; () means every open state
    target: str | None = None  # None: the state stays
    asks: tuple[str, ...] = ()
    needs_note: bool = False
    note_label: str = _("说明")
    # A rating that sends the case elsewhere: 不满意 at the follow-up reopens it.
    target_if_rating: dict[str, str] = field(default_factory=dict)
    refusal: str = ""  # why it is not allowed now, when there is more to say than the state
    marks_done: bool = False  # the handling is finished: on-time is judged at this moment
    marks_closed: bool = False
    public: bool = False  # a resident may do it with the request's tracking code
    public_note: bool = False  # its note is shown to the resident who looks the request up
    extends_due_days: int = 0  # 延期: moves the due date
    once: str = ""  # taken at most once per case; the refusal when tried again
    sets_due_days: int = 0  # starts a statutory period: due = today + this many days
    agreed: bool | None = None  # a dispute's mediation reached agreement (True) or not

    def target_for(self, rating: str = "") -> str | None:
        return self.target_if_rating.get(rating, self.target)


@dataclass(frozen=True)
class Flow:
    kind: str
    slug: str  # in URLs: /cases/new/request/
    label: str
    opened_label: str  # the first event's name: 受理, 登记, 建档
    states: tuple[str, ...]  # in the order a case usually passes them; the first is initial
    closed: tuple[str, ...]  # the states in which the case is over
    actions: tuple[Action, ...]
    categories: tuple[str, ...]
    category_label: str = _("类别")
    channels: tuple[str, ...] = ()
    due_days: int | None = None  # default time to handle, from receipt
    supervision: bool = False  # one file per person, judicial data

    @property
    def initial(self) -> str:
        return self.states[0]

    def action(self, code: str) -> Action | None:
        return next((a for a in self.actions if a.code == code), None)

    def allowed(self, state: str) -> list[Action]:
        """The actions a case in `state` may take, in declaration order."""
        if state in self.closed:
            return [a for a in self.actions if state in a.sources]
        return [a for a in self.actions if not a.sources or state in a.sources]


_PROGRESS = Action(
    "note", _("记录进展"), (), asks=(NOTE,), needs_note=True, note_label=_("进展情况")
)


def _log(code: str, label: str, note_label: str) -> Action:
    """An entry in a supervision file: the state stays, the text is required."""
    return Action(code, label, (), asks=(NOTE,), needs_note=True, note_label=note_label)


REQUEST = Flow(
    kind="诉求",
    slug="request",
    label=_("居民诉求/报修"),
    opened_label=_("受理"),
    states=("已受理", "已派单", "处理中", "已办结", "已回访", "已结案"),
    closed=("已结案",),
    categories=(
        "水电维修",
        "房屋修缮",
        "环境卫生",
        "物业管理",
        "市政设施",
        "治安消防",
        "噪音扰民",
        "政策咨询",
        "其他",
    ),
    channels=("电话", "来访", "网格员上报", "居民自助"),
    due_days=7,
    actions=(
        Action(
            "assign", _("派单"), ("已受理", "已派单", "处理中"), "已派单", asks=(ASSIGNEE, NOTE)
        ),
        Action("start", _("开始处理"), ("已派单",), "处理中", asks=(NOTE,)),
        Action(
            "finish",
            _("办结"),
            ("已派单", "处理中"),
            "已办结",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("办理结果（居民查询时可见）"),
            marks_done=True,
            public_note=True,
        ),
        Action(
            "follow_up",
            _("回访"),
            ("已办结",),
            "已回访",
            asks=(RATING, NOTE),
            note_label=_("回访意见"),
            target_if_rating={UNSATISFIED: "处理中"},
            refusal=_("办结后才能回访"),
            public=True,
        ),
        Action(
            "close",
            _("结案"),
            ("已回访",),
            "已结案",
            asks=(NOTE,),
            refusal=_("回访完成后才能结案"),
            marks_closed=True,
        ),
        _PROGRESS,
    ),
)

# 信访工作条例: 15 days to decide whether to accept, 60 to handle once accepted, and one
# extension of at most 30 days.
PETITION = Flow(
    kind="信访",
    slug="petition",
    label=_("信访"),
    opened_label=_("登记"),
    states=("已登记", "办理中", "已答复", "已办结", "不予受理"),
    closed=("已办结", "不予受理"),
    categories=("城乡建设", "劳动社保", "民政", "环境保护", "治安", "物业", "涉法涉诉", "其他"),
    channels=("来信", "来访", "网上信访", "电话"),
    due_days=15,
    actions=(
        Action("accept", _("受理"), ("已登记",), "办理中", asks=(NOTE,), sets_due_days=60),
        Action(
            "reject",
            _("不予受理"),
            ("已登记",),
            "不予受理",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("不予受理的理由"),
            marks_done=True,
            marks_closed=True,
        ),
        Action(
            "extend",
            _("延期"),
            ("办理中",),
            asks=(NOTE,),
            needs_note=True,
            note_label=_("延期理由"),
            extends_due_days=30,
            once=_("已延期过一次，不能再延期"),
        ),
        Action(
            "reply",
            _("答复"),
            ("办理中",),
            "已答复",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("答复意见"),
            marks_done=True,
            refusal=_("受理后才能答复"),
        ),
        Action(
            "close",
            _("办结"),
            ("已答复",),
            "已办结",
            asks=(NOTE,),
            refusal=_("答复后才能办结"),
            marks_closed=True,
        ),
        _PROGRESS,
    ),
)

DISPUTE = Flow(
    kind="纠纷",
    slug="dispute",
    label=_("矛盾纠纷"),
    opened_label=_("登记"),
    states=("已登记", "调解中", "调解成功", "调解不成功", "已结案"),
    closed=("已结案",),
    categories=("邻里", "婚姻家庭", "物业", "劳资", "其他"),
    category_label=_("纠纷类型"),
    channels=("排查发现", "当事人申请", "网格员上报", "上级交办"),
    due_days=30,
    actions=(
        Action(
            "mediate",
            _("调解"),
            ("已登记", "调解中"),
            "调解中",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("调解经过"),
        ),
        Action(
            "agree",
            _("达成协议"),
            ("调解中",),
            "调解成功",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("协议内容"),
            marks_done=True,
            agreed=True,
            refusal=_("调解后才能登记结果"),
        ),
        Action(
            "fail",
            _("调解不成"),
            ("调解中",),
            "调解不成功",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("去向（如引导诉讼、移交有关部门）"),
            marks_done=True,
            agreed=False,
            refusal=_("调解后才能登记结果"),
        ),
        Action(
            "close",
            _("结案"),
            ("调解成功", "调解不成功"),
            "已结案",
            asks=(NOTE,),
            refusal=_("有调解结果后才能结案"),
            marks_closed=True,
        ),
        _PROGRESS,
    ),
)

_SUPERVISION_LOG = (
    Action("assign", _("指定责任人"), (), asks=(ASSIGNEE, NOTE)),
    _log("visit", _("走访"), _("走访情况")),
    _log("talk", _("谈话"), _("谈话内容")),
    _log("education", _("教育学习"), _("学习内容")),
    _log("guardian", _("监护人联系"), _("联系情况")),
    _log("report", _("向司法所报告"), _("报告内容")),
)

CORRECTION = Flow(
    kind="矫正",
    slug="correction",
    label=_("社区矫正"),
    opened_label=_("建档"),
    states=("在矫", "已解矫"),
    closed=("已解矫",),
    categories=("管制", "缓刑", "假释", "暂予监外执行"),
    category_label=_("矫正类别"),
    supervision=True,
    actions=(
        *_SUPERVISION_LOG,
        Action(
            "end",
            _("解除矫正"),
            ("在矫",),
            "已解矫",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("解除原因（期满、收监等）"),
            marks_done=True,
            marks_closed=True,
        ),
    ),
)

RELEASE = Flow(
    kind="帮教",
    slug="release",
    label=_("安置帮教"),
    opened_label=_("建档"),
    states=("帮教中", "已解除"),
    closed=("已解除",),
    categories=("刑满释放",),
    category_label=_("帮教类别"),
    supervision=True,
    actions=(
        *_SUPERVISION_LOG,
        Action(
            "end",
            _("解除帮教"),
            ("帮教中",),
            "已解除",
            asks=(NOTE,),
            needs_note=True,
            note_label=_("解除原因（期满等）"),
            marks_done=True,
            marks_closed=True,
        ),
    ),
)

FLOWS: dict[str, Flow] = {f.kind: f for f in (REQUEST, PETITION, DISPUTE, CORRECTION, RELEASE)}
BY_SLUG: dict[str, Flow] = {f.slug: f for f in FLOWS.values()}
SUPERVISION_KINDS = tuple(k for k, f in FLOWS.items() if f.supervision)
# The group (people.builtin_groups) whose members a supervision file follows.
SUPERVISION_GROUPS = {CORRECTION.kind: "correction", RELEASE.kind: "released"}
