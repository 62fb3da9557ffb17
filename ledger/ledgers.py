"""Work-record ledgers (活动台账, 会议记录, 宣传台账, 走访台账, 志愿服务台账): column layouts over
the records of a place in a period, registered beside the registry's own ledgers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from areas.models import Place
from ledger.models import Minutes, Participant, Quantity, ServiceEntry, Visit, WorkRecord, numeric
from people.ledgers import Col, Ledger, Span, register

K = WorkRecord.Kind


def _within(user, *people: str) -> ExpressionWrapper:
    """Whether the person (or household) a row names lives in the user's place: a grid worker
    reads the records of the grid, and residents of the community's other grids who took part
    stay unnamed, as on the record's page."""
    inside = Q()
    for name in people:
        inside |= Q(**{f"{name}__place_path__under": user.scope_path})
    return ExpressionWrapper(inside, output_field=BooleanField())


def _person(row) -> str:
    if not getattr(row, "shown", True):
        return str(_("辖区外居民"))
    return row.resident.name


def _records(*kinds: str) -> Callable[[Place, Span, Any], QuerySet]:
    def source(place: Place, span: Span, user) -> QuerySet:
        return (
            WorkRecord.objects.visible_to(user)
            .filter(place_path__under=place.path, kind__in=kinds)
            .filter(date__gte=span.start, date__lte=span.end)
            .select_related("place", "organiser", "minutes")
            .prefetch_related(
                "topics",
                Prefetch("quantities", Quantity.objects.select_related("kind")),
                Prefetch(
                    "participants",
                    Participant.objects.select_related("resident").annotate(
                        shown=_within(user, "resident")
                    ),
                ),
                Prefetch(
                    "visits",
                    Visit.objects.select_related("resident", "household").annotate(
                        shown=_within(user, "resident", "household")
                    ),
                ),
            )
            .order_by("date", "start_time", "id")
        )

    return source


def _time(r: WorkRecord) -> str:
    if not r.start_time:
        return ""
    end = f"–{r.end_time:%H:%M}" if r.end_time else ""
    return f"{r.start_time:%H:%M}{end}"


def _topics(r: WorkRecord) -> str:
    return "、".join(t.name for t in r.topics.all())


def _amount(name: str) -> Callable[[WorkRecord], Any]:
    def get(r: WorkRecord) -> Any:
        for q in r.quantities.all():
            if q.kind.name == name:
                return numeric(q.amount)
        return ""

    return get


def _quantities(r: WorkRecord) -> str:
    return "、".join(str(q) for q in r.quantities.all())


def _named(role: str | None = None) -> Callable[[WorkRecord], str]:
    def get(r: WorkRecord) -> str:
        return "、".join(_person(p) for p in r.participants.all() if role in (None, p.role))

    return get


def _minutes(get: Callable[[Minutes], Any]) -> Callable[[WorkRecord], Any]:
    def read(r: WorkRecord) -> Any:
        minutes = getattr(r, "minutes", None)  # a meeting without minutes has none
        return get(minutes) if minutes is not None else ""

    return read


def _attendance(m: Minutes) -> str:
    present, absent = len(m.present_names), len(m.absent_names)
    shown = _("实到%(p)s人，缺席%(a)s人") % {"p": present, "a": absent}
    return (_("应到%(e)s人，") % {"e": m.expected} if m.expected else "") + shown


def _numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))


def _visited_name(v: Visit) -> str:
    if not getattr(v, "shown", True):
        return str(_("辖区外居民"))
    return v.resident.name if v.resident else _("户%(n)s") % {"n": v.household.number}


def _visited(r: WorkRecord) -> str:
    """Households and residents visited, then the residents named as served (older records)."""
    names = [_visited_name(v) for v in r.visits.all()]
    names += [_person(p) for p in r.participants.all() if p.role == Participant.Role.SERVED]
    return "、".join(names)


def _findings(r: WorkRecord) -> str:
    found = [f"{_visited_name(v)}：{v.findings}" for v in r.visits.all() if v.findings]
    return "\n".join([r.notes, *found] if r.notes else found)


_DATE = Col(_("日期"), lambda r: r.date, 12)
_TIME = Col(_("时间"), _time, 12)
_TITLE = Col(_("标题"), lambda r: r.title, 28)
_VENUE = Col(_("地点"), lambda r: r.venue, 18)
_ORGANISER = Col(_("组织者"), lambda r: r.organiser.name if r.organiser else "", 10)
_HEADS = Col(_("参与人次"), lambda r: r.head_count, 8)
_NOTES = Col(_("内容摘要"), lambda r: r.notes, 40)


def _volunteering(place: Place, span: Span, user) -> QuerySet:
    # A participant's place path and date are its record's: the place's volunteers of the
    # period are one range of their own index.
    return (
        Participant.objects.visible_to(user)
        .filter(place_path__under=place.path, date__gte=span.start, date__lte=span.end)
        .filter(role=Participant.Role.VOLUNTEER)
        .select_related("record", "resident")
        .annotate(shown=_within(user, "resident"))
        .order_by("date", "record_id", "id")
    )


def _services(place: Place, span: Span, user) -> QuerySet:
    return (
        ServiceEntry.objects.visible_to(user)
        .filter(place_path__under=place.path, date__gte=span.start, date__lte=span.end)
        .select_related("resident", "handled_by")
        .order_by("date", "id")
    )


# The columns of a ledger that lists records one per row, whatever their kind.
_RECORD_COLUMNS = [
    _DATE,
    _TIME,
    Col(_("类型"), lambda r: r.kind, 10),
    _TITLE,
    _VENUE,
    Col(_("工作领域"), _topics, 16),
    _ORGANISER,
    _HEADS,
    Col(_("具名参与人员"), _named(), 24),
    Col(_("数量"), _quantities, 24),
    _NOTES,
]


def register_all() -> None:
    register(
        Ledger(
            code="activities",
            title=_("活动台账"),
            description=_("期间内的活动、讲座、培训、慰问和居民议事"),
            source=_records(K.ACTIVITY, K.LECTURE, K.TRAINING, K.CONDOLENCE, K.ASSEMBLY),
            period=True,
            columns=_RECORD_COLUMNS,
        )
    )
    register(
        Ledger(
            code="other_work",
            title=_("巡逻及其他工作台账"),
            description=_("期间内的巡逻、志愿服务和义务劳动、信息报送和其他工作"),
            source=_records(K.PATROL, K.VOLUNTEERING, K.REPORT, K.OTHER),
            period=True,
            columns=_RECORD_COLUMNS,
        )
    )
    register(
        Ledger(
            code="meetings",
            title=_("会议记录"),
            description=_("期间内召开的会议"),
            source=_records(K.MEETING),
            period=True,
            columns=[
                _DATE,
                _TIME,
                Col(_("会议名称"), lambda r: r.title, 28),
                _VENUE,
                Col(_("主持人"), _minutes(lambda m: m.chair), 8),
                Col(_("记录人"), _minutes(lambda m: m.recorder), 8),
                Col(_("参会人数"), _HEADS.get, 8),
                Col(_("出席情况"), _minutes(_attendance), 16),
                Col(_("出席人员"), _minutes(lambda m: "、".join(m.present_names)), 24),
                Col(_("缺席人员"), _minutes(lambda m: m.absent), 16),
                Col(_("议题"), _minutes(lambda m: _numbered(m.agenda_items)), 30),
                Col(_("决定事项"), _minutes(lambda m: _numbered(m.decision_items)), 30),
                Col(_("会议内容"), lambda r: r.notes, 40),
            ],
        )
    )
    register(
        Ledger(
            code="publicity",
            title=_("宣传台账"),
            description=_("期间内的宣传活动及发放的资料"),
            source=_records(K.PUBLICITY),
            period=True,
            columns=[
                _DATE,
                Col(_("宣传主题"), lambda r: r.title, 28),
                _VENUE,
                Col(_("工作领域"), _topics, 16),
                Col(_("宣传资料（份）"), _amount("宣传资料"), 10),
                Col(_("横幅（条）"), _amount("横幅"), 8),
                Col(_("展板（块）"), _amount("展板"), 8),
                Col(_("黑板报（期）"), _amount("黑板报"), 8),
                Col(_("咨询（人次）"), _amount("咨询"), 8),
                Col(_("受众人次"), _HEADS.get, 8),
            ],
        )
    )
    register(
        Ledger(
            code="visits",
            title=_("走访台账"),
            description=_("期间内的走访、入户"),
            source=_records(K.VISIT),
            period=True,
            columns=[
                _DATE,
                Col(_("走访事由"), lambda r: r.title, 24),
                Col(_("走访对象"), _visited, 24),
                Col(
                    _("走访目的"),
                    lambda r: "、".join(sorted({v.purpose for v in r.visits.all()})),
                    12,
                ),
                Col(_("网格/社区"), lambda r: r.place.name, 12),
                Col(_("走访人"), _ORGANISER.get, 10),
                Col(_("走访情况"), _findings, 40),
            ],
        )
    )
    register(
        Ledger(
            code="volunteering",
            title=_("志愿服务台账"),
            description=_("期间内志愿者参加的服务及时长"),
            source=_volunteering,
            period=True,
            columns=[
                Col(_("日期"), lambda p: p.record.date, 12),
                Col(_("服务项目"), lambda p: p.record.title, 28),
                Col(_("志愿者"), _person, 10),
                Col(_("服务时长（小时）"), lambda p: numeric(p.hours), 10),
            ],
        )
    )
    register(
        Ledger(
            code="services",
            title=_("办事登记台账"),
            description=_("期间内为居民办理的事项"),
            source=_services,
            period=True,
            columns=[
                Col(_("日期"), lambda e: e.date, 12),
                Col(_("姓名"), lambda e: e.resident.name, 10),
                Col(
                    _("身份证号码"),
                    lambda e: e.resident.id_number,
                    21,
                    sensitive=True,
                    as_text=True,
                ),
                Col(_("办理事项"), lambda e: e.service, 14),
                Col(_("办理结果"), lambda e: e.outcome, 10),
                Col(_("经办人"), lambda e: e.handled_by.name if e.handled_by else "", 10),
                Col(_("备注"), lambda e: e.notes, 30),
            ],
        )
    )
