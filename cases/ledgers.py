"""Case ledgers (诉求/报修台账, 信访台账, 矛盾纠纷排查调处台账, 矛盾纠纷排查台账, 社区矫正台账,
安置帮教台账): column layouts over the cases of a place in a period, registered beside the
registry's and the work records' ledgers (DESIGN.md rule 5). Each reads a fixed number of
queries however many rows: what a column needs from the timeline comes prefetched or annotated.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm
from areas.kinds import PlaceKind
from areas.models import Place, community_path
from cases.flows import FLOWS
from cases.models import Case, Event, Party, Screening, half_month_label
from cases.services import half_month_of
from people.ledgers import Col, Ledger, Span, register
from people.models import Residence

K = Case.Kind
# The entries of a supervision file counted per period, in the order the ledger shows them.
SUPERVISION_LOG = (
    ("visit", _("走访次数")),
    ("talk", _("谈话次数")),
    ("education", _("教育学习次数")),
    ("guardian", _("监护人联系次数")),
    ("report", _("报告次数")),
)


def _bounds(span: Span) -> tuple[datetime.datetime, datetime.datetime]:
    """The span as aware datetimes: from the first day's midnight up to (not including) the
    midnight after the last day, in the local time zone the dates were chosen in."""
    start = timezone.make_aware(datetime.datetime.combine(span.start, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(span.end + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _key_events(*actions: str) -> Prefetch:
    """The timeline entries a ledger's columns read (a reply, an agreement…), in one query per
    page rather than one per row."""
    return Prefetch(
        "events",
        queryset=Event.objects.filter(action__in=actions).order_by("at", "id"),
        to_attr="key_events",
    )


def _received(kind: str, *actions: str) -> Callable[[Place, Span, Any], QuerySet]:
    """The cases of `kind` under the place received in the span."""

    def source(place: Place, span: Span, user) -> QuerySet:
        start, end = _bounds(span)
        qs = (
            Case.objects.visible_to(user)
            .filter(kind=kind, place_path__under=place.path)
            .filter(received_at__gte=start, received_at__lt=end)
            .select_related("assignee", "place__parent")
            .order_by("received_at", "id")
        )
        if actions:
            qs = qs.prefetch_related(_key_events(*actions))
        if kind == K.DISPUTE:
            qs = qs.prefetch_related(
                Prefetch("parties", Party.objects.select_related("resident", "household", "unit"))
            )
        return qs

    return source


def _last(case: Case, action: str) -> Event | None:
    found = [e for e in case.key_events if e.action == action]
    return found[-1] if found else None


def _note(action: str) -> Callable[[Case], str]:
    def get(case: Case) -> str:
        event = _last(case, action)
        return event.note if event else ""

    return get


def _event_day(action: str) -> Callable[[Case], datetime.date | None]:
    def get(case: Case) -> datetime.date | None:
        event = _last(case, action)
        return _day(event.at) if event else None

    return get


def _on_time(case: Case) -> str:
    """是 / 否 once the handling is finished; 逾期 while it is unfinished past its due date."""
    if case.on_time is None:
        return str(_("逾期未办结")) if case.is_overdue() else ""
    return str(_("是")) if case.on_time else str(_("否"))


def _accepted(case: Case) -> str:
    if case.state == "不予受理":
        return str(_("否"))
    if case.state == FLOWS[K.PETITION].initial:
        return str(_("待定"))
    return str(_("是"))


def _reply(case: Case) -> str:
    """What the petitioner was told: the reply, or the reason the petition was not accepted."""
    reply = _last(case, "reply")
    if reply is not None:
        return reply.note
    rejection = _last(case, "reject")
    return str(_("不予受理：%(reason)s") % {"reason": rejection.note}) if rejection else ""


def _reply_day(case: Case) -> datetime.date | None:
    event = _last(case, "reply") or _last(case, "reject")
    return _day(event.at) if event else None


def _mediations(case: Case) -> int:
    return sum(1 for e in case.key_events if e.action == "mediate")


def _outcome(case: Case) -> str:
    if case.agreed is True:
        return str(_("调解成功"))
    if case.agreed is False:
        return str(_("调解不成功"))
    return str(_("调解中")) if _mediations(case) else str(_("待调解"))


def _parties(case: Case) -> str:
    return "、".join(p.shown_name for p in case.parties.all())


def _name(get: Callable[[Any], Any]) -> Callable[[Any], str]:
    def read(record: Any) -> str:
        user = get(record)
        return user.name if user is not None else ""

    return read


_NUMBER = Col(_("编号"), lambda c: c.number, 14, as_text=True)
_CATEGORY = Col(_("类别"), lambda c: c.category, 10)
_TITLE = Col(_("事由"), lambda c: c.title, 30)
_ASSIGNEE = Col(_("承办人"), _name(lambda c: c.assignee), 10)
_DUE = Col(_("办理期限"), lambda c: c.due, 12)
_ON_TIME = Col(_("是否按期"), _on_time, 10)
_STATE = Col(_("状态"), lambda c: c.state, 10)


def _full_place(place) -> str:
    """A grid with its community (柳岸社区第一网格): a sub-district's ledger lists many 第一网格."""
    if place.kind == PlaceKind.GRID and place.parent is not None:
        return f"{place.parent.name}{place.name}"
    return place.name


_PLACE = Col(_("社区/网格"), lambda c: _full_place(c.place), 16)


# --- 矛盾纠纷排查台账: every half-month of every community, reported or not.


@dataclass
class HalfMonthRow:
    """One line of the screening ledger: a screening as recorded, or a half-month a community
    left unreported (`screening` None, 未报 as on the screening page)."""

    place: Place
    period_start: datetime.date
    screening: Screening | None = None

    @property
    def period_label(self) -> str:
        return half_month_label(self.period_start)

    @property
    def report(self) -> str:
        if self.screening is None:
            return str(_("未报"))
        return str(_("零报告")) if self.screening.nothing_found else str(_("发现纠纷"))


class Rows:
    """A ready list that answers what a ledger asks of its source: count(), slicing for the
    pager and iterator() for the export."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int | slice) -> Any:
        return self._rows[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def count(self) -> int:
        return len(self._rows)

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        return iter(self._rows)


def half_months(span: Span) -> list[datetime.date]:
    """The first day of each half-month that overlaps the span."""
    days, day = [], half_month_of(span.start)
    while day <= span.end:
        days.append(day)
        day = day.replace(day=16) if day.day == 1 else _next_month(day)
    return days


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _half_month_end(start: datetime.date) -> datetime.date:
    return start.replace(day=15) if start.day == 1 else _next_month(start) - datetime.timedelta(1)


def _screenings(place: Place, span: Span, user) -> Rows:
    """The screenings recorded under the place in the span, and a 未报 line for each half-month
    that has ended without any screening in a community (at the community or one of its
    grids). Communities report; a grid on its own is shown what it recorded, not held to it."""
    periods = half_months(span)
    recorded = list(
        Screening.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .filter(period_start__gte=periods[0], period_start__lte=span.end)
        .select_related("place__parent", "by")
        .order_by("place_path", "period_start")
    )
    if place.kind == PlaceKind.GRID:
        communities = []
    else:
        communities = list(
            Place.objects.visible_to(user)
            .filter(path__under=place.path, kind=PlaceKind.COMMUNITY)
            .order_by("path")
        )
    today = timezone.localdate()
    rows = [HalfMonthRow(s.place, s.period_start, s) for s in recorded]
    for community in communities:
        reported = {s.period_start for s in recorded if s.place_path.startswith(community.path)}
        for start in periods:
            ended = _half_month_end(start) < today
            retired = community.retired_on is not None and community.retired_on <= start
            if ended and not retired and start not in reported:
                rows.append(HalfMonthRow(community, start))
    # Community by community (a grid's rows under its community), each in time order.
    rows.sort(key=lambda r: (community_path(r.place.path), r.period_start, r.place.path))
    return Rows(rows)


def _screening_place(row: HalfMonthRow) -> str:
    return _full_place(row.place)


def _screening(get: Callable[[Screening], Any]) -> Callable[[HalfMonthRow], Any]:
    def read(row: HalfMonthRow) -> Any:
        return get(row.screening) if row.screening is not None else None

    return read


# --- 社区矫正台账 / 安置帮教台账: every file active at some time in the period.


def _address_on(day: datetime.date) -> Subquery:
    """Where the subject lived on the ledger's last day."""
    return Subquery(
        Residence.objects.filter(resident=OuterRef("subject_id"))
        .on(day)
        .values("household__dwelling__address")[:1]
    )


def _supervised(kind: str) -> Callable[[Place, Span, Any], QuerySet]:
    def source(place: Place, span: Span, user) -> QuerySet:
        start, end = _bounds(span)
        in_span = Q(events__at__gte=start, events__at__lt=end)
        counts = {
            f"n_{code}": Count("events", filter=in_span & Q(events__action=code))
            for code, _label in SUPERVISION_LOG
        }
        return (
            Case.objects.visible_to(user)
            .filter(kind=kind, place_path__under=place.path)
            # Open at some moment of the span: begun by its end, not closed before its start.
            .filter(starts_on__lte=span.end)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
            .select_related("subject", "assignee")
            .annotate(
                **counts,
                last_visit=Max("events__at", filter=Q(events__action="visit", events__at__lt=end)),
                subject_address=_address_on(span.end),
            )
            .order_by("starts_on", "id")
        )

    return source


def _supervision_columns(kind: str) -> list[Col]:
    return [
        Col(_("姓名"), lambda c: c.subject.name, 10),
        Col(_("性别"), lambda c: c.subject.sex, 6),
        Col(_("出生日期"), lambda c: c.subject.birth_date, 12),
        Col(_("身份证号码"), lambda c: c.subject.id_number, 21, sensitive=True, as_text=True),
        Col(_("现住址"), lambda c: c.subject_address or "", 26),
        Col(FLOWS[kind].category_label, lambda c: c.category, 10),
        Col(_("起始日期"), lambda c: c.starts_on, 12),
        Col(_("截止日期"), lambda c: c.ends_on, 12),
        Col(_("责任人"), _name(lambda c: c.assignee), 10),
        Col(_("小组成员"), lambda c: c.team, 20),
        Col(_("监护人/联系人"), lambda c: c.guardian, 14),
        Col(_("监护人电话"), lambda c: c.guardian_phone, 14, sensitive=True, as_text=True),
        *[
            Col(label, lambda c, code=code: getattr(c, f"n_{code}"), 8)
            for code, label in SUPERVISION_LOG
        ],
        Col(_("最近一次走访日期"), lambda c: _day(c.last_visit), 12),
        Col(_("解除日期"), lambda c: _day(c.closed_at), 12),
        _STATE,
    ]


def register_all() -> None:
    register(
        Ledger(
            code="requests",
            title=_("居民诉求/报修台账"),
            description=_("期间内受理的居民诉求和报修，及其办理、回访情况"),
            source=_received(K.REQUEST),
            period=True,
            columns=[
                _NUMBER,
                Col(_("受理日期"), lambda c: _day(c.received_at), 12),
                Col(_("来源渠道"), lambda c: c.channel, 10),
                _CATEGORY,
                Col(_("反映人"), lambda c: c.reporter_name, 10),
                Col(_("联系电话"), lambda c: c.reporter_phone, 14, sensitive=True, as_text=True),
                Col(_("地址"), lambda c: c.address, 24),
                _TITLE,
                _ASSIGNEE,
                _DUE,
                Col(_("办结日期"), lambda c: _day(c.done_at), 12),
                _ON_TIME,
                Col(_("回访评价"), lambda c: c.rating, 8),
                _STATE,
                _PLACE,
            ],
        )
    )
    register(
        Ledger(
            code="petitions",
            title=_("信访台账"),
            description=_("期间内登记的信访事项，及其受理、答复和办结情况"),
            source=_received(K.PETITION, "accept", "reply", "reject"),
            period=True,
            columns=[
                _NUMBER,
                Col(_("登记日期"), lambda c: _day(c.received_at), 12),
                Col(_("信访人"), lambda c: c.reporter_name, 10),
                Col(_("信访渠道"), lambda c: c.channel, 10),
                _CATEGORY,
                _TITLE,
                Col(_("是否受理"), _accepted, 8),
                Col(_("受理日期"), _event_day("accept"), 12),
                Col(_("答复日期"), _reply_day, 12),
                Col(_("答复意见"), _reply, 30),
                _ASSIGNEE,
                Col(_("办理期限"), lambda c: c.due, 12),
                _ON_TIME,
                _STATE,
                _PLACE,
            ],
        )
    )
    register(
        Ledger(
            code="disputes",
            title=_("矛盾纠纷排查调处台账"),
            description=_("期间内登记的矛盾纠纷，及其调解经过和结果"),
            source=_received(K.DISPUTE, "mediate", "agree", "fail"),
            period=True,
            columns=[
                _NUMBER,
                Col(_("登记日期"), lambda c: _day(c.received_at), 12),
                Col(_("纠纷类型"), lambda c: c.category, 10),
                Col(_("来源"), lambda c: c.channel, 10),
                Col(_("当事人"), _parties, 20),
                _TITLE,
                Col(_("调解员"), _name(lambda c: c.assignee), 10),
                Col(_("调解次数"), _mediations, 8),
                Col(_("调解结果"), _outcome, 10),
                Col(_("协议内容"), _note("agree"), 30),
                Col(_("未成功去向"), _note("fail"), 20),
                Col(_("结案日期"), lambda c: _day(c.closed_at), 12),
                _STATE,
                _PLACE,
            ],
        )
    )
    register(
        Ledger(
            code="screenings",
            title=_("矛盾纠纷排查台账"),
            description=_("期间内各社区每半月的矛盾纠纷排查和零报告；已结束仍未登记的半月标为未报"),
            source=_screenings,
            period=True,
            columns=[
                Col(_("社区/网格"), _screening_place, 16),
                Col(_("排查期"), lambda r: r.period_label, 16),
                Col(_("报告情况"), lambda r: r.report, 10),
                Col(_("发现纠纷（件）"), _screening(lambda s: s.found), 10),
                Col(_("排查情况"), _screening(lambda s: s.notes), 36),
                Col(_("排查人"), _screening(lambda s: s.by.name if s.by else ""), 10),
                Col(_("登记日期"), _screening(lambda s: _day(s.created_at)), 12),
            ],
        )
    )
    register(
        Ledger(
            code="corrections",
            title=_("社区矫正台账"),
            description=_("期间内在矫的社区矫正对象，及期间内的走访、谈话、教育等次数"),
            source=_supervised(K.CORRECTION),
            needs=Perm.VIEW_JUDICIAL,
            period=True,
            columns=_supervision_columns(K.CORRECTION),
        )
    )
    register(
        Ledger(
            code="releases",
            title=_("安置帮教台账"),
            description=_("期间内在帮教的刑满释放人员，及期间内的走访、谈话、教育等次数"),
            source=_supervised(K.RELEASE),
            needs=Perm.VIEW_JUDICIAL,
            period=True,
            columns=_supervision_columns(K.RELEASE),
        )
    )
