"""The indicator catalogue: every figure shequ reports, declared once (DESIGN.md rule 4).

A `Source` is a table and how its rows sit in places and time: rows of a period (a date or a
moment in the period) or rows in force on a day (a start and an end). An `Indicator` counts or
sums the rows of one source that pass its filter; a `Rate` divides one indicator by another and
always shows both. The statistics page, the drill-down lists and (later) the year-end summary
all evaluate these same declarations through reports/engine.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Now, TruncDate
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, has_perm
from areas.fields import PlacePathField
from areas.models import LocalUnit
from cases.flows import FAIRLY_SATISFIED, SATISFIED, UNSATISFIED
from cases.models import Case, Screening
from inspections.models import Agreement, Checklist, Inspection, Recheck, Rectification, RoomCount
from ledger.models import Participant, Quantity, ServiceEntry, Visit, WorkRecord
from people.choices import Registration
from people.models import GroupCategory, Membership, Residence, Staff
from programs.models import (
    Application,
    Assistance,
    Campaign,
    Deliberation,
    Donation,
    Honour,
    Opinion,
    Questionnaire,
    Response,
    SupplyMove,
)

COUNT, SUM, DISTINCT = "count", "sum", "distinct"


@dataclass(frozen=True)
class Row:
    """One record behind a figure, as the drill-down list shows it."""

    day: Any
    title: str
    place: str
    url: str


@dataclass(frozen=True)
class Source:
    code: str
    label: str | Promise
    rows: Callable[[], QuerySet]  # every row of the table, before place and period
    path: str  # the place path of a row ("place_path", "record__place_path"…)
    place: str  # the place a row belongs to, for the break-down by child place
    # A row of a period has a `date` (a date or a moment); a row in force on a day has a
    # `start` and an `end` (inclusive, None while it lasts), or only an end (local units).
    date: str = ""
    start: str = ""
    end: str = ""
    show: Callable[[Any], Row] = field(default=lambda r: Row(None, str(r), "", ""))
    related: tuple[str, ...] = ()  # select_related for the drill-down list
    # Whether its additive figures may be kept in rollup cells (reports/rollups.py). Not when
    # a row's place or date is read through another row that can change on its own (a
    # household's move carries its applications along; a drive's place, its entries): the
    # stale marks follow writes to the source's own rows only.
    rolls_up: bool = True

    @property
    def as_of(self) -> bool:
        return not self.date


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str | Promise
    unit: str | Promise
    area: str | Promise
    source: Source
    definition: str | Promise
    filter: Q = field(default_factory=Q)
    aggregate: str = COUNT
    field: str = "pk"  # what SUM adds up or DISTINCT counts
    needs: Perm = Perm.VIEW_RECORDS
    # A further filter that depends on the period's last day (put right by then, overdue
    # on that day…): given that day, a Q over the source's rows.
    on_day: Callable[[datetime.date], Q] | None = None
    # False when its filter reads the clock (overdue today): a stored cell would go wrong with
    # time alone, no write involved.
    rolls_up: bool = True

    @property
    def placeholder(self) -> str:
        """How a summary template names it (docs/summary-template.md)."""
        return "n." + self.id.replace(".", "_")

    def condition(self, end: datetime.date) -> Q:
        """The rows it counts, for a period ending on `end`."""
        return self.filter & self.on_day(end) if self.on_day else self.filter

    @property
    def additive(self) -> bool:
        """Sums over places and months add up to the whole (not so for distinct counts)."""
        return self.aggregate != DISTINCT

    @property
    def rolled(self) -> bool:
        """Kept in rollup cells (place × month): a count or sum over rows of a period whose
        filter depends neither on the period's last day nor on today. Distinct counts do not
        add up across months or places, and rows in force on a day belong to no month."""
        return (
            self.rolls_up
            and self.source.rolls_up
            and self.additive
            and not self.source.as_of
            and self.on_day is None
        )


@dataclass(frozen=True)
class Rate:
    id: str
    name: str | Promise
    area: str | Promise
    numerator: Indicator
    denominator: Indicator
    definition: str | Promise
    # A share is a percentage: numerator ÷ denominator × 100, in %. Other ratios name their
    # own: burrows ÷ metres walked × 1000 is burrows per kilometre (个/公里).
    scale: int = 100
    unit: str | Promise = "%"

    @property
    def needs(self) -> Perm:
        return self.denominator.needs

    @property
    def is_percentage(self) -> bool:
        return self.scale == 100 and str(self.unit) == "%"

    def value(self, top, bottom) -> float | None:
        """The rate in its unit (None when the denominator is 0)."""
        return float(top) / float(bottom) * self.scale if bottom else None

    def shown(self, top, bottom) -> str:
        """As every page writes it: "84.7%", "2.0个/公里", or "—" without a denominator."""
        value = self.value(top, bottom)
        return "—" if value is None else f"{value:.1f}{self.unit}"

    def counts(self, top, bottom) -> str:
        """Numerator and denominator as shown beside the rate: "50/59"; with their units when
        the rate is not a percentage ("3个/1500米"), since the two then count different things."""
        if self.is_percentage:
            return f"{top}/{bottom}"
        return f"{top}{self.numerator.unit}/{bottom}{self.denominator.unit}"

    @property
    def placeholder(self) -> str:
        return "rates." + self.id.removeprefix("rate.").replace(".", "_")


# --- Sources ---------------------------------------------------------------------------------


def _link(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def _record_row(r: WorkRecord) -> Row:
    return Row(r.date, f"{r.kind} · {r.title}", r.place.name, _link("ledger:record-detail", r.pk))


def _child_row(getter: Callable[[Any], WorkRecord], text: Callable[[Any], str]):
    def show(x) -> Row:
        r = getter(x)
        return Row(
            r.date, f"{r.title} · {text(x)}", r.place.name, _link("ledger:record-detail", r.pk)
        )

    return show


def _case_row(c: Case) -> Row:
    return Row(
        c.received_at.date(),
        f"{c.number} {c.title}（{c.state}）",
        c.place.name,
        _link("cases:case-detail", c.pk),
    )


RECORDS = Source(
    "records",
    _("工作记录"),
    lambda: WorkRecord.objects.all(),
    "place_path",
    "place",
    date="date",
    show=_record_row,
    related=("place",),
)
QUANTITIES = Source(
    "quantities",
    _("工作记录的数量"),
    lambda: Quantity.objects.all(),
    "record__place_path",
    "record__place",
    date="record__date",
    related=("record__place", "kind"),
    show=_child_row(lambda q: q.record, lambda q: str(q)),
)
# Participants carry their record's place path and date (ledger.models.Participant), so a
# place's are one range of their own index, not a join with its records.
PARTICIPANTS = Source(
    "participants",
    _("工作记录的具名人员"),
    lambda: Participant.objects.all(),
    "place_path",
    "record__place",
    date="date",
    related=("record__place", "resident"),
    show=_child_row(lambda p: p.record, lambda p: f"{p.resident.name}（{p.role}）"),
)
VISITS = Source(
    "visits",
    _("走访对象"),
    lambda: Visit.objects.all(),
    "record__place_path",
    "record__place",
    date="record__date",
    related=("record__place", "resident", "household"),
    show=_child_row(
        lambda v: v.record,
        lambda v: v.resident.name if v.resident_id else _("%(n)s户") % {"n": v.household.number},
    ),
)
SERVICES = Source(
    "services",
    _("办事登记"),
    lambda: ServiceEntry.objects.all(),
    "place_path",
    "place",
    date="date",
    related=("place", "resident"),
    show=lambda s: Row(
        s.date,
        f"{s.service} · {s.resident.name}（{s.outcome}）",
        s.place.name,
        _link("people:resident-detail", s.resident_id),
    ),
)
CASES = Source(
    "cases",
    _("案件"),
    lambda: Case.objects.all(),
    "place_path",
    "place",
    date="received_at",
    show=_case_row,
    related=("place",),
)
SCREENINGS = Source(
    "screenings",
    _("矛盾纠纷排查"),
    lambda: Screening.objects.all(),
    "place_path",
    "place",
    date="period_start",
    related=("place",),
    show=lambda s: Row(
        s.period_start, s.period_label, s.place.name, reverse("cases:screening-list")
    ),
)
RESIDENCES = Source(
    "residences",
    _("居住登记"),
    lambda: Residence.objects.all(),
    "household__place_path",
    "household__place",
    start="since",
    end="until",
    related=("household__place", "resident"),
    show=lambda r: Row(
        r.since,
        f"{r.resident.name}（{r.relation}）",
        r.household.place.name,
        _link("people:resident-detail", r.resident_id),
    ),
)
MEMBERSHIPS = Source(
    "memberships",
    _("重点人群登记"),
    lambda: Membership.objects.all(),
    "place_path",
    "place",
    start="start",
    end="end",
    related=("place", "category", "resident", "household"),
    show=lambda m: Row(
        m.start,
        f"{m.category.name} · {m.resident or m.household}",
        m.place.name,
        _membership_link(m),
    ),
)
STAFF = Source(
    "staff",
    _("社区工作者"),
    lambda: Staff.objects.all(),
    "place_path",
    "place",
    start="start_date",
    end="end_date",
    related=("place",),
    show=lambda s: Row(
        s.start_date, f"{s.name}（{s.post}）", s.place.name, _link("people:staff-edit", s.pk)
    ),
)
UNITS = Source(
    "units",
    _("辖区单位"),
    lambda: LocalUnit.objects.all(),
    "place_path",
    "place",
    end="closed_on",
    related=("place",),
    show=lambda u: Row(None, f"{u.name}（{u.kind}）", u.place.name, ""),
)


def _inspection_row(i: Inspection) -> Row:
    result = _("不合格%(n)d项") % {"n": i.failures} if i.failures else _("合格")
    return Row(
        i.date,
        f"{i.checklist_version.checklist.name} · {i.target_name}（{result}）",
        i.place.name,
        _link("inspections:inspection-detail", i.pk),
    )


def _rectification_row(r: Rectification) -> Row:
    return Row(
        r.issued_on,
        f"{r.number} {r.inspection.target_name} · {r.finding}（{r.state}）",
        r.place.name,
        _link("inspections:rectification-detail", r.pk),
    )


INSPECTIONS = Source(
    "inspections",
    _("检查"),
    lambda: Inspection.objects.all(),
    "place_path",
    "place",
    date="date",
    related=("place", "checklist_version__checklist"),
    show=_inspection_row,
)
RECTIFICATIONS = Source(
    "rectifications",
    _("整改通知"),
    lambda: Rectification.objects.all(),
    "place_path",
    "place",
    date="issued_on",
    related=("place", "inspection"),
    show=_rectification_row,
)
# The same orders as rows in force on a day: issued by then and not yet put right.
OPEN_RECTIFICATIONS = Source(
    "rectifications_open",
    _("未整改的整改通知"),
    lambda: Rectification.objects.all(),
    "place_path",
    "place",
    start="issued_on",
    end="closed_on",
    related=("place", "inspection"),
    show=_rectification_row,
)
ROOMS = Source(
    "rooms",
    _("病媒生物监测数"),
    lambda: RoomCount.objects.all(),
    "inspection__place_path",
    "inspection__place",
    date="inspection__date",
    related=("inspection__place",),
    show=lambda c: Row(
        c.inspection.date,
        _(
            "%(target)s · %(category)s：检查%(rooms)d间，鼠迹阳性%(positive)d间，"
            "防鼠设施不合格%(bad)d间"
        )
        % {
            "target": c.inspection.target_name,
            "category": c.category,
            "rooms": c.rooms,
            "positive": c.positive,
            "bad": c.unproofed,
        },
        c.inspection.place.name,
        _link("inspections:inspection-detail", c.inspection_id),
    ),
)
AGREEMENTS = Source(
    "agreements",
    _("责任书"),
    lambda: Agreement.objects.all(),
    "place_path",
    "place",
    date="signed_on",
    related=("place",),
    show=lambda a: Row(
        a.signed_on,
        f"{a.kind} · {a.party_name}",
        a.place.name,
        _link("inspections:agreement-detail", a.pk),
    ),
)


# --- Programs: campaigns, honours, assistance, donations, supplies, residents' voice ---------


def _applications() -> QuerySet:
    """Applications sit where the applicant lives or works (a household's or a unit's place),
    as in the 评选台账: a community counts its households' applications to a campaign its
    sub-district runs. A withdrawn (撤回) application counts nowhere, nor does a voided
    payment, donation entry or supply move (the sources below)."""
    return Application.objects.filter(voided_at__isnull=True).annotate(
        applicant_path=Coalesce(
            "household__place_path", "unit__place_path", output_field=PlacePathField()
        ),
        applicant_place=Coalesce("household__place", "unit__place"),
    )


def _applicant_place(a: Application) -> str:
    applicant = a.household or a.unit
    return applicant.place.name if applicant is not None else ""


def _application_link(a: Application) -> str:
    """The application in the 评选台账 of the applicant's place on the day it was made. Not
    the campaign's page: a campaign run by the sub-district (or, for a grid worker, by the
    community) lies above the reader's place, and its page would answer 404."""
    applicant = a.household or a.unit
    day = a.applied_on.isoformat()
    return (
        reverse("people:ledger-detail", args=["applications"])
        + f"?place={applicant.place_id}&start={day}&on={day}"
    )


def _application_row(a: Application) -> Row:
    return Row(
        a.applied_on,
        f"{a.campaign.name} · {a.applicant_name}（{a.get_stage_display()}）",
        _applicant_place(a),
        _application_link(a),
    )


def _award_row(a: Application) -> Row:
    shown = _("已发证书/牌匾") if a.certificate else _("未发证书/牌匾")
    return Row(
        a.awarded_on,
        f"{a.campaign.name} · {a.applicant_name}（{shown}）",
        _applicant_place(a),
        _application_link(a),
    )


def _money(value) -> str:
    return f"{value.normalize():f}" if value else "0"


def _aid_row(a: Assistance) -> Row:
    if a.resident_id:
        who = a.resident.name
    else:
        who = _("户号%(n)s") % {"n": a.household.number}
        who += f"（{a.household.head.name}）" if a.household.head_id else ""
    what = [_("%(m)s元") % {"m": _money(a.amount)}] if a.amount else []
    what += [a.goods] if a.goods else []
    return Row(
        a.date,
        f"{a.kind} · {who}（{'，'.join(str(w) for w in what)}）",
        a.place.name,
        _link("programs:assistance-detail", a.pk),
    )


def _donation_row(d: Donation) -> Row:
    what = [_("%(m)s元") % {"m": _money(d.money)}] if d.money else []
    if d.item:
        what.append(f"{d.item}{_money(d.quantity)}{d.item_unit}")
    shown = "，".join(map(str, what))
    return Row(
        d.date,
        f"{d.drive.name} · {d.get_direction_display()} {d.party_name}（{shown}）",
        d.drive.place.name,
        _link("programs:drive-detail", d.drive_id),
    )


def _move_row(m: SupplyMove) -> Row:
    return Row(
        m.date,
        f"{m.get_kind_display()} · {m.item.name}{_money(m.quantity)}{m.item.unit}"
        f"（{m.counterpart}）",
        m.place.name,
        f"{reverse('programs:move-list')}?place={m.place_id}&item={m.item_id}",
    )


def _respondent(r: Response) -> str:
    if r.household_id:
        return _("户号%(n)s") % {"n": r.household.number}
    return r.resident.name if r.resident_id else ""


APPLICATIONS = Source(
    "applications",
    _("评选申报"),
    _applications,
    "applicant_path",
    "applicant_place",
    date="applied_on",
    related=("campaign", "household__place", "unit__place"),
    show=_application_row,
    rolls_up=False,
)
# The same applications by the day they were awarded (授牌).
AWARDS = Source(
    "awards",
    _("评选授牌"),
    _applications,
    "applicant_path",
    "applicant_place",
    date="awarded_on",
    related=("campaign", "household__place", "unit__place"),
    show=_award_row,
    rolls_up=False,
)
HONOURS = Source(
    "honours",
    _("荣誉"),
    lambda: Honour.objects.all(),
    "place_path",
    "place",
    date="date",
    related=("place",),
    show=lambda h: Row(
        h.date,
        _("%(title)s（%(level)s，%(issuer)s授予）")
        % {"title": h.title, "level": h.level, "issuer": h.issuer},
        h.place.name,
        _link("programs:honour-detail", h.pk),
    ),
)
ASSISTANCE = Source(
    "assistance",
    _("救助发放"),
    lambda: Assistance.objects.filter(voided_at__isnull=True),
    "place_path",
    "place",
    date="date",
    related=("place", "household__head", "resident"),
    show=_aid_row,
)
DONATIONS = Source(
    "donations",
    _("捐赠收支"),
    lambda: Donation.objects.filter(voided_at__isnull=True),
    "drive__place_path",
    "drive__place",
    date="date",
    related=("drive__place",),
    show=_donation_row,
    rolls_up=False,
)
SUPPLY_MOVES = Source(
    "supply_moves",
    _("物资出入库"),
    lambda: SupplyMove.objects.filter(voided_at__isnull=True),
    "place_path",
    "place",
    date="date",
    related=("place", "item"),
    show=_move_row,
)
OPINIONS = Source(
    "opinions",
    _("社情民意"),
    lambda: Opinion.objects.all(),
    "place_path",
    "place",
    date="date",
    related=("place",),
    show=lambda o: Row(
        o.date,
        f"{o.category} · {o.content[:40]}（{o.get_outcome_display()}）",
        o.place.name,
        _link("programs:opinion-detail", o.pk),
    ),
)
DELIBERATIONS = Source(
    "deliberations",
    _("议事协商"),
    lambda: Deliberation.objects.all(),
    "place_path",
    "place",
    date="date",
    related=("place",),
    show=lambda d: Row(
        d.date,
        f"{d.topic}（{_('已公示') if d.published_on else _('未公示')}）",
        d.place.name,
        _link("programs:deliberation-detail", d.pk),
    ),
)
QUESTIONNAIRES = Source(
    "questionnaires",
    _("问卷调查"),
    lambda: Questionnaire.objects.all(),
    "place_path",
    "place",
    date="starts_on",
    related=("place",),
    show=lambda q: Row(
        q.starts_on, q.title, q.place.name, _link("programs:questionnaire-detail", q.pk)
    ),
)
RESPONSES = Source(
    "responses",
    _("问卷答卷"),
    lambda: Response.objects.all(),
    "questionnaire__place_path",
    "questionnaire__place",
    date="date",
    related=("questionnaire__place", "household", "resident"),
    show=lambda r: Row(
        r.date,
        f"{r.questionnaire.title} · {_respondent(r)}",
        r.questionnaire.place.name,
        _link("programs:questionnaire-detail", r.questionnaire_id),
    ),
    rolls_up=False,
)


def _membership_link(m: Membership) -> str:
    if m.resident_id:
        return _link("people:resident-detail", m.resident_id)
    return _link("people:household-detail", m.household_id)


# --- Work areas (the statistics page's sections, in order) -------------------------------------

BASICS = _("基本情况")
WORK = _("工作开展")
PUBLICITY = _("宣传与志愿服务")
DESK = _("便民服务")
REQUESTS = _("居民诉求")
PETITIONS = _("信访")
DISPUTES = _("矛盾纠纷")
SAFETY = _("安全检查与爱国卫生")
JUDICIAL = _("社区矫正与安置帮教")
CAMPAIGNS = _("评选表彰")
HONOURS_AREA = _("获得荣誉")
AID = _("救助帮扶")
RESOURCES = _("捐赠与物资")
VOICE = _("居民议事")
AREAS = [
    BASICS,
    WORK,
    PUBLICITY,
    DESK,
    REQUESTS,
    PETITIONS,
    DISPUTES,
    SAFETY,
    JUDICIAL,
    CAMPAIGNS,
    HONOURS_AREA,
    AID,
    RESOURCES,
    VOICE,
]


# Groups whose very numbers are health or judicial data (as in people.models.hidden_sensitivities).
_SENSITIVE_GROUPS = {
    "correction": Perm.VIEW_JUDICIAL,
    "released": Perm.VIEW_JUDICIAL,
    "disabled": Perm.VIEW_HEALTH,
    "mental": Perm.VIEW_HEALTH,
}


def _group(code: str, name: str, unit: str, subject: str = "resident") -> Indicator:
    needs = _SENSITIVE_GROUPS.get(code, Perm.VIEW_RECORDS)
    area = JUDICIAL if needs == Perm.VIEW_JUDICIAL else BASICS
    return Indicator(
        f"group.{code}",
        name,
        unit,
        area,
        MEMBERSHIPS,
        _("统计期末在%(group)s登记中的%(subject)s")
        % {"group": name, "subject": _("户数") if subject == "household" else _("人数")},
        filter=Q(category__code=code),
        needs=needs,
    )


def _kind(code: str, kind: str, name: str, unit: str) -> Indicator:
    return Indicator(
        f"records.{code}",
        name,
        unit,
        WORK,
        RECORDS,
        _("期间内登记的类型为“%(kind)s”的工作记录条数") % {"kind": kind},
        filter=Q(kind=kind),
    )


def _amount(code: str, name: str, unit: str) -> Indicator:
    return Indicator(
        f"quantity.{code}",
        _("%(item)s") % {"item": name},
        unit,
        PUBLICITY,
        QUANTITIES,
        _("期间内工作记录登记的“%(item)s”数量之和") % {"item": name},
        filter=Q(kind__name=name),
        aggregate=SUM,
        field="amount",
    )


def _cases(kind: str, code: str, name: str, area, definition, extra: Q | None = None) -> Indicator:
    return Indicator(
        f"{_CASE_CODES[kind]}.{code}",
        name,
        _("件"),
        area,
        CASES,
        definition,
        filter=Q(kind=kind) & (extra or Q()),
        rolls_up=extra is not _OVERDUE,  # overdue as of today: the clock moves it
    )


_CASE_CODES = {"诉求": "requests", "信访": "petitions", "纠纷": "disputes"}
_REQ = "诉求"
_PET = "信访"
_DIS = "纠纷"
# Open, unfinished and past its due date today (as CaseQuerySet.overdue, in SQL so the
# declaration holds whatever day it is evaluated on).
_OVERDUE = Q(closed_at__isnull=True, done_at__isnull=True, due__lt=TruncDate(Now()))


def _overdue_on(day: datetime.date) -> Q:
    """Not put right by the end of `day`, and past the deadline in force that day: the first
    one, or the one a failed re-check made on or before that day set. A re-check after the day
    does not reach back: the figure for a past year stays what it was."""
    latest = (
        Recheck.objects.filter(rectification=OuterRef("pk"), date__lte=day)
        .order_by("-date", "-id")
        .values("new_deadline")[:1]
    )
    deadline = Coalesce(Subquery(latest), F("first_deadline"))
    return (Q(closed_on__isnull=True) | Q(closed_on__gt=day)) & Q(LessThan(deadline, day))


_STAGE = Application.Stage
# Aid resting on a health or judicial group is read only by the roles that may see that group
# (Assistance.objects.visible_to): the general aid figures leave it out, and the health part
# has figures of its own for the roles with VIEW_HEALTH. No kind of aid rests on a judicial
# group (programs.services.AID_GROUPS; a test keeps it so), so there are none for those.
_SHOWN_SENSITIVITIES = [
    s
    for s in GroupCategory.Sensitivity.values
    if s not in (GroupCategory.Sensitivity.HEALTH, GroupCategory.Sensitivity.JUDICIAL)
]
GENERAL_AID = Q(membership__isnull=True) | Q(
    membership__category__sensitivity__in=_SHOWN_SENSITIVITIES
)
_HEALTH_AID = Q(membership__category__sensitivity=GroupCategory.Sensitivity.HEALTH)


def _aid(definition) -> Promise:
    """A general aid figure's definition, saying what it leaves out."""
    return format_lazy(
        "{}{}", definition, _("；依据残疾等健康类人群登记发放的补贴不在此列，另行统计")
    )


def _year_campaigns(end: datetime.date):
    """The household campaigns under way at some time in the year of `end`, up to it."""
    return Campaign.objects.filter(
        subject=Campaign.Subject.HOUSEHOLD,
        starts_on__lte=end,
        ends_on__gte=datetime.date(end.year, 1, 1),
    ).order_by()


def _eligible_for_campaigns(end: datetime.date) -> Q:
    """A residence's household lies in the eligible population (参评范围, as
    programs.services.eligible reads it: the campaign's place and below, its household
    registration types if it names any) of a household campaign under way at some time in the
    year of the period's last day, up to that day.

    Written as `IN` over the year's campaigns (a few rows, not correlated with the row: the
    database reads them once and hashes them) against the household's place and its two
    places above — a campaign is run by a community or a sub-district, a household sits at a
    grid or a community —, not as a prefix match per row: that ran a subquery for each
    residence of a sub-district (0.6 s in the benchmark)."""
    campaigns = _year_campaigns(end)
    condition = Q()
    for registration in Registration.values:
        # Subquery, not a bare queryset: the engine compares conditions by their text, and a
        # queryset's text is its rows, read from the database.
        places = Subquery(
            campaigns.filter(
                Q(eligible_filter="") | Q(eligible_filter__contains=registration)
            ).values("place")
        )
        condition |= Q(household__registration=registration) & (
            Q(household__place__in=places)
            | Q(household__place__parent__in=places)
            | Q(household__place__parent__parent__in=places)
        )
    return condition


def _reached_by_campaigns(end: datetime.date) -> Q:
    """Of those, a household that applied (not withdrawn), by the period's last day, to one of
    the same campaigns — whenever it applied: a campaign begun the year before counts its
    applications of that year too, as its population is counted (read once, as above)."""
    applied = Subquery(
        Application.objects.filter(
            voided_at__isnull=True,
            household__isnull=False,
            campaign__in=_year_campaigns(end).values("pk"),
            applied_on__lte=end,
        )
        .order_by()
        .values("household")
    )
    return Q(household__in=applied) & _eligible_for_campaigns(end)


def _honours(level: str, code: str) -> Indicator:
    return Indicator(
        f"honours.{code}",
        _("获得%(level)s荣誉") % {"level": level},
        _("项"),
        HONOURS_AREA,
        HONOURS,
        _("期间内社区（集体）、辖区单位和社区工作者获得的%(level)s荣誉项数，按授予日期")
        % {"level": level},
        filter=Q(level=level),
    )


def _opinions(code: str, name, definition, extra: Q) -> Indicator:
    return Indicator(f"opinions.{code}", name, _("条"), VOICE, OPINIONS, definition, filter=extra)


INDICATORS: list[Indicator] = [
    # Basic situation, on the period's last day.
    Indicator(
        "population",
        _("常住人口"),
        _("人"),
        BASICS,
        RESIDENCES,
        _("统计期末在本区划各户居住的居民人数（按居住登记）"),
        aggregate=DISTINCT,
        field="resident",
    ),
    Indicator(
        "households",
        _("户数"),
        _("户"),
        BASICS,
        RESIDENCES,
        _("统计期末有人居住的户数（按居住登记）"),
        aggregate=DISTINCT,
        field="household",
    ),
    Indicator("staff", _("社区工作者"), _("人"), BASICS, STAFF, _("统计期末在职的社区工作者人数")),
    Indicator("units", _("辖区单位"), _("个"), BASICS, UNITS, _("统计期末已登记的辖区单位数")),
    _group("party", _("党员"), _("人")),
    _group("dibao", _("低保"), _("户"), "household"),
    _group("tekun", _("特困供养"), _("人")),
    _group("elderly", _("高龄和独居老人"), _("人")),
    _group("disabled", _("残疾人"), _("人")),
    _group("veteran", _("退役军人"), _("人")),
    _group("unemployed", _("失业人员"), _("人")),
    _group("correction", _("社区矫正对象"), _("人")),
    _group("released", _("安置帮教对象"), _("人")),
    # Work done in the period.
    Indicator(
        "records.all", _("工作记录"), _("条"), WORK, RECORDS, _("期间内登记的全部工作记录条数")
    ),
    _kind("activity", "活动", _("开展活动"), _("场")),
    _kind("meeting", "会议", _("召开会议"), _("次")),
    _kind("training", "培训", _("组织培训"), _("期")),
    _kind("lecture", "讲座", _("举办讲座"), _("场")),
    _kind("publicity", "宣传", _("开展宣传"), _("次")),
    _kind("visit", "走访/入户", _("走访入户"), _("次")),
    _kind("patrol", "巡逻", _("治安巡逻"), _("次")),
    _kind("volunteering", "志愿服务/义务劳动", _("志愿服务和义务劳动"), _("次")),
    _kind("assembly", "居民会议/议事", _("居民会议和议事协商"), _("次")),
    _kind("condolence", "慰问", _("走访慰问"), _("次")),
    Indicator(
        "records.activity_heads",
        _("活动参与人次"),
        _("人次"),
        WORK,
        RECORDS,
        _("期间内类型为“活动”的工作记录登记的参与人次之和"),
        filter=Q(kind="活动"),
        aggregate=SUM,
        field="head_count",
    ),
    Indicator(
        "records.heads",
        _("参与人次"),
        _("人次"),
        WORK,
        RECORDS,
        _("期间内工作记录登记的参与人次之和"),
        aggregate=SUM,
        field="head_count",
    ),
    Indicator(
        "visits.all",
        _("走访对象"),
        _("户/人"),
        WORK,
        VISITS,
        _("期间内走访记录中登记的走访对象（户或居民）个数"),
    ),
    Indicator(
        "visits.residents",
        _("走访居民"),
        _("人"),
        WORK,
        VISITS,
        _("期间内被走访的居民人数，同一人多次走访计一人"),
        filter=Q(resident__isnull=False),
        aggregate=DISTINCT,
        field="resident",
    ),
    # Publicity and volunteering.
    _amount("leaflets", "宣传资料", _("份")),
    _amount("banners", "横幅", _("条")),
    _amount("boards", "展板", _("块")),
    _amount("consultations", "咨询", _("人次")),
    Indicator(
        "volunteers",
        _("志愿者"),
        _("人"),
        PUBLICITY,
        PARTICIPANTS,
        _("期间内以志愿者身份登记在工作记录中的居民人数，同一人计一人"),
        filter=Q(role="志愿者"),
        aggregate=DISTINCT,
        field="resident",
    ),
    Indicator(
        "volunteer_hours",
        _("志愿服务时长"),
        _("小时"),
        PUBLICITY,
        PARTICIPANTS,
        _("期间内志愿者登记的服务时长之和"),
        filter=Q(role="志愿者"),
        aggregate=SUM,
        field="hours",
    ),
    # The desk.
    Indicator(
        "services.all", _("办理便民服务"), _("件"), DESK, SERVICES, _("期间内办事登记的件数")
    ),
    Indicator(
        "services.people",
        _("服务居民"),
        _("人"),
        DESK,
        SERVICES,
        _("期间内在办事登记中办理过事项的居民人数，同一人计一人"),
        aggregate=DISTINCT,
        field="resident",
    ),
    # Requests.
    _cases(_REQ, "all", _("受理居民诉求"), REQUESTS, _("期间内受理的居民诉求/报修件数")),
    _cases(
        _REQ,
        "closed",
        _("诉求已结案"),
        REQUESTS,
        _("期间内受理、至今已结案的居民诉求件数"),
        Q(closed_at__isnull=False),
    ),
    _cases(
        _REQ,
        "rated",
        _("诉求已回访"),
        REQUESTS,
        _("期间内受理、已有回访评价的居民诉求件数"),
        ~Q(rating=""),
    ),
    _cases(
        _REQ,
        "satisfied",
        _("诉求回访满意"),
        REQUESTS,
        _("期间内受理、回访评价为满意或基本满意的居民诉求件数"),
        Q(rating__in=[SATISFIED, FAIRLY_SATISFIED]),
    ),
    _cases(
        _REQ,
        "unsatisfied",
        _("诉求回访不满意"),
        REQUESTS,
        _("期间内受理、最近一次回访评价为不满意（尚未重新评价）的居民诉求件数"),
        Q(rating=UNSATISFIED),
    ),
    _cases(
        _REQ,
        "overdue",
        _("诉求超期未办结"),
        REQUESTS,
        _("期间内受理、至今未办结且已过办理期限的居民诉求件数"),
        _OVERDUE,
    ),
    _cases(
        _REQ,
        "self",
        _("居民自助提交"),
        REQUESTS,
        _("期间内居民在自助页面提交的诉求件数"),
        Q(channel="居民自助"),
    ),
    # Petitions.
    _cases(_PET, "all", _("登记信访"), PETITIONS, _("期间内登记的信访件数")),
    _cases(
        _PET,
        "closed",
        _("信访已办结"),
        PETITIONS,
        _("期间内登记、至今已办结（含不予受理）的信访件数"),
        Q(closed_at__isnull=False),
    ),
    _cases(
        _PET,
        "timed",
        _("信访已答复"),
        PETITIONS,
        _("期间内登记、已答复或已决定不予受理的信访件数"),
        Q(done_at__isnull=False, due__isnull=False),
    ),
    _cases(
        _PET,
        "on_time",
        _("信访按期答复"),
        PETITIONS,
        _("期间内登记、在期限内答复或决定不予受理的信访件数"),
        Q(done_at__isnull=False, due__isnull=False) & Q(done_at__date__lte=F("due")),
    ),
    _cases(
        _PET,
        "overdue",
        _("信访超期未办结"),
        PETITIONS,
        _("期间内登记、至今未答复（或决定不予受理）且已过期限的信访件数"),
        _OVERDUE,
    ),
    # Disputes.
    _cases(_DIS, "all", _("受理矛盾纠纷"), DISPUTES, _("期间内登记的矛盾纠纷件数")),
    _cases(
        _DIS,
        "mediated",
        _("调解有结果"),
        DISPUTES,
        _("期间内登记、调解已有结果（成功或不成功）的矛盾纠纷件数"),
        Q(agreed__isnull=False),
    ),
    _cases(
        _DIS,
        "agreed",
        _("调解成功"),
        DISPUTES,
        _("期间内登记、调解达成协议的矛盾纠纷件数"),
        Q(agreed=True),
    ),
    _cases(
        _DIS,
        "failed",
        _("调解不成"),
        DISPUTES,
        _("期间内登记、调解不成的矛盾纠纷件数"),
        Q(agreed=False),
    ),
    Indicator(
        "screenings.all",
        _("开展矛盾纠纷排查"),
        _("次"),
        DISPUTES,
        SCREENINGS,
        _("期间内登记的半月排查次数（含零报告）"),
    ),
    Indicator(
        "screenings.zero",
        _("排查零报告"),
        _("次"),
        DISPUTES,
        SCREENINGS,
        _("期间内登记为零报告的半月排查次数"),
        filter=Q(nothing_found=True),
    ),
    Indicator(
        "screenings.found",
        _("排查发现纠纷"),
        _("起"),
        DISPUTES,
        SCREENINGS,
        _("期间内半月排查登记的发现纠纷数之和"),
        aggregate=SUM,
        field="found",
    ),
    # Safety inspections, rectification orders, pest-control monitoring, agreements.
    Indicator(
        "inspections.all",
        _("开展检查"),
        _("次"),
        SAFETY,
        INSPECTIONS,
        _(
            "期间内登记的各类检查次数（消防安全、出租房屋、食品卫生、爱国卫生等，每检查一个对象计一次）"
        ),
    ),
    Indicator(
        "inspections.hygiene",
        _("爱国卫生/病媒生物防制检查"),
        _("次"),
        SAFETY,
        INSPECTIONS,
        _("期间内登记的检查领域为“爱国卫生”的检查次数"),
        filter=Q(area=Checklist.Area.HYGIENE),
    ),
    Indicator(
        "inspections.units",
        _("检查辖区单位"),
        _("家"),
        SAFETY,
        INSPECTIONS,
        _("期间内被检查过的辖区单位家数，同一单位检查多次计一家（检查房屋和场所的不计）"),
        filter=Q(unit__isnull=False),
        aggregate=DISTINCT,
        field="unit",
    ),
    Indicator(
        "inspections.failed",
        _("检查不合格"),
        _("次"),
        SAFETY,
        INSPECTIONS,
        _("期间内有一项或以上检查项目不合格的检查次数"),
        filter=Q(failures__gt=0),
    ),
    Indicator(
        "rectifications.issued",
        _("下达整改通知"),
        _("份"),
        SAFETY,
        RECTIFICATIONS,
        _("期间内下达的整改通知份数"),
    ),
    Indicator(
        "rectifications.done",
        _("整改到位"),
        _("份"),
        SAFETY,
        RECTIFICATIONS,
        _("期间内下达、截至期末（统计期间最后一天）已复查整改到位的整改通知份数"),
        on_day=lambda end: Q(closed_on__lte=end),
    ),
    Indicator(
        "rectifications.due",
        _("到期应整改"),
        _("份"),
        SAFETY,
        RECTIFICATIONS,
        _(
            "期间内下达、截至期末已到首次整改期限或已提前整改到位的整改通知份数"
            "（期限未到又未整改的，是否按期尚无结论，不计）"
        ),
        on_day=lambda end: Q(first_deadline__lte=end) | Q(closed_on__lte=end),
    ),
    Indicator(
        "rectifications.on_time",
        _("按期整改"),
        _("份"),
        SAFETY,
        RECTIFICATIONS,
        _(
            "期间内下达、在首次整改期限内（含当天）整改到位的整改通知份数，以期末为止；"
            "复查未通过、延期后才整改到位的不算按期"
        ),
        on_day=lambda end: Q(closed_on__lte=end) & Q(closed_on__lte=F("first_deadline")),
    ),
    Indicator(
        "rectifications.overdue",
        _("逾期未整改"),
        _("份"),
        SAFETY,
        OPEN_RECTIFICATIONS,
        _(
            "截至期末（统计期间最后一天）尚未整改到位、且已过当天有效的整改期限的整改通知份数，"
            "不论在哪一年下达；复查未通过而延期的，以延期后的期限为准"
        ),
        on_day=_overdue_on,
    ),
    Indicator(
        "rooms.checked",
        _("检查房间"),
        _("间"),
        SAFETY,
        ROOMS,
        _("期间内病媒生物防制检查登记的检查房间数之和（重点单位、一般单位、居民户合计）"),
        aggregate=SUM,
        field="rooms",
    ),
    Indicator(
        "rooms.positive",
        _("鼠迹阳性房间"),
        _("间"),
        SAFETY,
        ROOMS,
        _("期间内病媒生物防制检查登记的发现鼠迹（阳性）房间数之和"),
        aggregate=SUM,
        field="positive",
    ),
    Indicator(
        "rooms.unproofed",
        _("防鼠设施不合格房间"),
        _("间"),
        SAFETY,
        ROOMS,
        _("期间内病媒生物防制检查登记的防鼠设施不合格房间数之和"),
        aggregate=SUM,
        field="unproofed",
    ),
    Indicator(
        "outdoor.metres",
        _("外环境检查长度"),
        _("米"),
        SAFETY,
        INSPECTIONS,
        _("期间内病媒生物防制检查登记的外环境（道路、绿地、河岸等）检查长度之和"),
        aggregate=SUM,
        field="outdoor_metres",
    ),
    Indicator(
        "outdoor.burrows",
        _("外环境鼠洞"),
        _("个"),
        SAFETY,
        INSPECTIONS,
        _("期间内病媒生物防制检查在外环境发现的鼠洞数之和"),
        aggregate=SUM,
        field="burrows",
    ),
    Indicator(
        "agreements.signed",
        _("签订责任书"),
        _("份"),
        SAFETY,
        AGREEMENTS,
        _("期间内与辖区单位和出租房屋房东签订的各类责任书、承诺书份数"),
    ),
    # Campaigns: the applications of the period and how far they got by its last day, and
    # the awards made in it.
    Indicator(
        "campaigns.applied",
        _("评选申报"),
        _("份"),
        CAMPAIGNS,
        APPLICATIONS,
        _(
            "期间内本区划的家庭和辖区单位向各类评选（平安家庭、节水型家庭、先进单位等）提交的"
            "申报份数，按申报日期；社区或街道组织的评选都算在申报者所在的区划"
        ),
    ),
    Indicator(
        "campaigns.shortlisted",
        _("申报后入围"),
        _("份"),
        CAMPAIGNS,
        APPLICATIONS,
        _("期间内提交的评选申报中，截至期末（统计期间最后一天）已确定入围（含已授牌）的份数"),
        on_day=lambda end: Q(
            stage__in=[_STAGE.SHORTLISTED, _STAGE.AWARDED], shortlisted_on__lte=end
        ),
    ),
    Indicator(
        "campaigns.won",
        _("申报后获评"),
        _("份"),
        CAMPAIGNS,
        APPLICATIONS,
        _("期间内提交的评选申报中，截至期末已评定授牌的份数"),
        on_day=lambda end: Q(stage=_STAGE.AWARDED, awarded_on__lte=end),
    ),
    Indicator(
        "campaigns.awarded",
        _("评定授牌"),
        _("份"),
        CAMPAIGNS,
        AWARDS,
        _("期间内评定授牌的家庭和辖区单位份数，按授牌日期（不论何时申报）"),
        filter=Q(stage=_STAGE.AWARDED),
    ),
    Indicator(
        "campaigns.certificates",
        _("发放证书/牌匾"),
        _("份"),
        CAMPAIGNS,
        AWARDS,
        _("期间内评定授牌并已发放证书或牌匾的份数，按授牌日期"),
        filter=Q(stage=_STAGE.AWARDED, certificate=True),
    ),
    # Coverage: how many of the households that household campaigns were open to took part.
    Indicator(
        "campaigns.eligible_households",
        _("参评范围内家庭"),
        _("户"),
        CAMPAIGNS,
        RESIDENCES,
        _(
            "统计期末有人居住的户中，属于期末所在年度（截至期末）进行过的家庭类评选参评范围"
            "（评选所在社区或街道，评选限定户别的只算该户别；评选结束后才迁入的户也计入）的户数"
        ),
        aggregate=DISTINCT,
        field="household",
        on_day=_eligible_for_campaigns,
    ),
    Indicator(
        "campaigns.households_reached",
        _("参评家庭"),
        _("户"),
        CAMPAIGNS,
        RESIDENCES,
        _(
            "参评范围内的户（见“参评范围内家庭”）中，截至期末向这些评选提交过申报的户数"
            "（跨年度的评选，上一年提交的申报也计入；同一户申报多项只计一次；撤回的申报不计）"
        ),
        aggregate=DISTINCT,
        field="household",
        on_day=_reached_by_campaigns,
    ),
    # Honours the community, its units and its staff received.
    Indicator(
        "honours.all",
        _("获得荣誉"),
        _("项"),
        HONOURS_AREA,
        HONOURS,
        _("期间内社区（集体）、辖区单位和社区工作者获得的各级荣誉项数，按授予日期"),
    ),
    _honours(Honour.Level.NATIONAL, "national"),
    _honours(Honour.Level.PROVINCE, "provincial"),
    _honours(Honour.Level.CITY, "city"),
    _honours(Honour.Level.DISTRICT, "district"),
    _honours(Honour.Level.SUBDISTRICT, "subdistrict"),
    # Assistance. A payment to a household counts that household, one to a resident that
    # resident (as the assistance list's totals): a household's 低保金 does not count its
    # members as persons reached.
    Indicator(
        "aid.payments",
        _("发放救助"),
        _("笔"),
        AID,
        ASSISTANCE,
        _aid(_("期间内发放的低保金、临时救助、补贴、慰问金和慰问物资笔数，按发放日期")),
        filter=GENERAL_AID,
    ),
    Indicator(
        "aid.amount",
        _("救助金额"),
        _("元"),
        AID,
        ASSISTANCE,
        _aid(_("期间内发放的救助、补贴和慰问金的金额之和（只发物资的不计金额）")),
        filter=GENERAL_AID,
        aggregate=SUM,
        field="amount",
    ),
    Indicator(
        "aid.households",
        _("受助户"),
        _("户"),
        AID,
        ASSISTANCE,
        _aid(
            _(
                "期间内以户为对象（如低保金）领取救助的户数，同一户多次领取计一户；"
                "发给个人的救助计入受助居民，不计户"
            )
        ),
        filter=GENERAL_AID & Q(household__isnull=False),
        aggregate=DISTINCT,
        field="household",
    ),
    Indicator(
        "aid.persons",
        _("受助居民"),
        _("人"),
        AID,
        ASSISTANCE,
        _aid(
            _(
                "期间内以个人为对象（如高龄补贴、临时救助）领取救助的居民人数，同一人多次领取计"
                "一人；发给全户的救助计户，不把户内成员计为受助居民"
            )
        ),
        filter=GENERAL_AID & Q(resident__isnull=False),
        aggregate=DISTINCT,
        field="resident",
    ),
    Indicator(
        "aid.dibao_amount",
        _("发放低保金"),
        _("元"),
        AID,
        ASSISTANCE,
        _("期间内发放的低保金金额之和，按发放日期"),
        filter=Q(kind=Assistance.Kind.SUBSISTENCE),
        aggregate=SUM,
        field="amount",
    ),
    Indicator(
        "aid.dibao_households",
        _("领取低保金的户"),
        _("户"),
        AID,
        ASSISTANCE,
        _("期间内领取过低保金的低保户户数，同一户多月领取计一户"),
        filter=Q(kind=Assistance.Kind.SUBSISTENCE, household__isnull=False),
        aggregate=DISTINCT,
        field="household",
    ),
    Indicator(
        "aid.health_payments",
        _("发放残疾人补贴等"),
        _("笔"),
        AID,
        ASSISTANCE,
        _("期间内依据残疾等健康类人群登记发放的补贴笔数（仅可查看该人群的角色可见）"),
        filter=_HEALTH_AID,
        needs=Perm.VIEW_HEALTH,
    ),
    Indicator(
        "aid.health_amount",
        _("残疾人补贴等金额"),
        _("元"),
        AID,
        ASSISTANCE,
        _("期间内依据残疾等健康类人群登记发放的补贴金额之和（仅可查看该人群的角色可见）"),
        filter=_HEALTH_AID,
        aggregate=SUM,
        field="amount",
        needs=Perm.VIEW_HEALTH,
    ),
    Indicator(
        "aid.health_persons",
        _("领取残疾人补贴等的居民"),
        _("人"),
        AID,
        ASSISTANCE,
        _(
            "期间内依据残疾等健康类人群登记领取补贴的居民人数，同一人计一人"
            "（仅可查看该人群的角色可见）"
        ),
        filter=_HEALTH_AID & Q(resident__isnull=False),
        aggregate=DISTINCT,
        field="resident",
        needs=Perm.VIEW_HEALTH,
    ),
    # Donations and supplies.
    Indicator(
        "donations.gifts",
        _("接受捐赠"),
        _("笔"),
        RESOURCES,
        DONATIONS,
        _("期间内各募捐活动登记的捐入笔数（捐款、捐物）"),
        filter=Q(direction=Donation.Direction.IN),
    ),
    Indicator(
        "donations.money_in",
        _("收到捐款"),
        _("元"),
        RESOURCES,
        DONATIONS,
        _("期间内各募捐活动捐入的金额之和（捐物不折算金额）"),
        filter=Q(direction=Donation.Direction.IN),
        aggregate=SUM,
        field="money",
    ),
    Indicator(
        "donations.handouts",
        _("发放捐赠款物"),
        _("笔"),
        RESOURCES,
        DONATIONS,
        _("期间内从各募捐活动发放款物的笔数"),
        filter=Q(direction=Donation.Direction.OUT),
    ),
    Indicator(
        "donations.money_out",
        _("发放捐款"),
        _("元"),
        RESOURCES,
        DONATIONS,
        _("期间内从各募捐活动发放的金额之和"),
        filter=Q(direction=Donation.Direction.OUT),
        aggregate=SUM,
        field="money",
    ),
    Indicator(
        "supplies.received",
        _("物资入库"),
        _("次"),
        RESOURCES,
        SUPPLY_MOVES,
        _("期间内社区和街道物资库登记的采购、调拨和捐赠入库次数"),
        filter=~Q(kind=SupplyMove.Kind.ISSUED),
    ),
    Indicator(
        "supplies.issued",
        _("物资发放出库"),
        _("次"),
        RESOURCES,
        SUPPLY_MOVES,
        _("期间内社区和街道物资库登记的发放出库次数（发往网格、单位、活动或评选）"),
        filter=Q(kind=SupplyMove.Kind.ISSUED),
    ),
    # Residents' voice. What became of an opinion is as it stands now (an opinion keeps no
    # date of being settled).
    _opinions("all", _("收集社情民意"), _("期间内收集登记的居民意见建议条数，按收集日期"), Q()),
    _opinions(
        "deliberated",
        _("意见提交议事协商"),
        _("期间内收集、至今已提交议事协商的居民意见条数"),
        Q(outcome=Opinion.Outcome.DELIBERATION),
    ),
    _opinions(
        "answered",
        _("意见已答复/办理"),
        _("期间内收集、至今已答复或办理的居民意见条数"),
        Q(outcome=Opinion.Outcome.ANSWERED),
    ),
    _opinions(
        "referred",
        _("意见已上报上级"),
        _("期间内收集、至今已上报上级的居民意见条数"),
        Q(outcome=Opinion.Outcome.REFERRED),
    ),
    _opinions(
        "settled",
        _("意见已处理"),
        _("期间内收集、至今已处理（提交议事、答复办理或上报上级）的居民意见条数"),
        ~Q(outcome=Opinion.Outcome.OPEN),
    ),
    _opinions(
        "open",
        _("意见待处理"),
        _("期间内收集、至今仍待处理的居民意见条数"),
        Q(outcome=Opinion.Outcome.OPEN),
    ),
    Indicator(
        "deliberations.held",
        _("召开议事协商"),
        _("次"),
        VOICE,
        DELIBERATIONS,
        _("期间内召开的议事协商会议次数，按协商日期"),
    ),
    Indicator(
        "deliberations.participants",
        _("议事协商参加人次"),
        _("人次"),
        VOICE,
        DELIBERATIONS,
        _("期间内议事协商会议登记的参加人数之和"),
        aggregate=SUM,
        field="participants",
    ),
    Indicator(
        "deliberations.published",
        _("协商结果已公示"),
        _("次"),
        VOICE,
        DELIBERATIONS,
        _("期间内召开、截至期末（统计期间最后一天）已公示协商结果的议事协商次数"),
        on_day=lambda end: Q(published_on__lte=end),
    ),
    Indicator(
        "deliberations.unpublished",
        _("协商结果未公示"),
        _("次"),
        VOICE,
        DELIBERATIONS,
        _("期间内召开、截至期末尚未公示协商结果的议事协商次数"),
        on_day=lambda end: Q(published_on__isnull=True) | Q(published_on__gt=end),
    ),
    Indicator(
        "questionnaires.all",
        _("开展问卷调查"),
        _("次"),
        VOICE,
        QUESTIONNAIRES,
        _("期间内开始的问卷调查个数，按开始日期"),
    ),
    Indicator(
        "questionnaires.responses",
        _("收回问卷答卷"),
        _("份"),
        VOICE,
        RESPONSES,
        _("期间内录入的问卷答卷份数（按填写日期，不论问卷何时开始）"),
    ),
]


_BY_ID = {i.id: i for i in INDICATORS}

RATES: list[Rate] = [
    Rate(
        "rate.requests.closed",
        _("诉求结案率"),
        REQUESTS,
        _BY_ID["requests.closed"],
        _BY_ID["requests.all"],
        _("期间内受理的居民诉求中已结案的比例"),
    ),
    Rate(
        "rate.requests.satisfied",
        _("诉求满意率"),
        REQUESTS,
        _BY_ID["requests.satisfied"],
        _BY_ID["requests.rated"],
        _("已回访的居民诉求中评价为满意或基本满意的比例"),
    ),
    Rate(
        "rate.petitions.closed",
        _("信访办结率"),
        PETITIONS,
        _BY_ID["petitions.closed"],
        _BY_ID["petitions.all"],
        _("期间内登记的信访中已办结（含不予受理）的比例"),
    ),
    Rate(
        "rate.petitions.on_time",
        _("信访按期答复率"),
        PETITIONS,
        _BY_ID["petitions.on_time"],
        _BY_ID["petitions.timed"],
        _("已答复（或决定不予受理）的信访中在期限内完成的比例"),
    ),
    Rate(
        "rate.disputes.agreed",
        _("调解成功率"),
        DISPUTES,
        _BY_ID["disputes.agreed"],
        _BY_ID["disputes.mediated"],
        _("调解已有结果的矛盾纠纷中达成协议的比例"),
    ),
    Rate(
        "rate.inspections.failed",
        _("检查不合格率"),
        SAFETY,
        _BY_ID["inspections.failed"],
        _BY_ID["inspections.all"],
        _("期间内的检查中有不合格项目的比例"),
    ),
    Rate(
        "rate.inspections.coverage",
        _("辖区单位检查覆盖率"),
        SAFETY,
        _BY_ID["inspections.units"],
        _BY_ID["units"],
        _(
            "期间内检查过的辖区单位占期末在册辖区单位的比例；期间内被检查后注销的单位计入分子、"
            "不计入分母"
        ),
    ),
    Rate(
        "rate.rectifications.done",
        _("隐患整改率"),
        SAFETY,
        _BY_ID["rectifications.done"],
        _BY_ID["rectifications.issued"],
        _("期间内下达的整改通知中，截至期末已整改到位的比例"),
    ),
    Rate(
        "rate.rectifications.on_time",
        _("按期整改率"),
        SAFETY,
        _BY_ID["rectifications.on_time"],
        _BY_ID["rectifications.due"],
        _(
            "期间内下达、截至期末已到首次整改期限或已整改到位的整改通知中，在首次期限内整改到位的"
            "比例（期限未到又未整改的不计入分母）"
        ),
    ),
    Rate(
        "rate.rooms.positive",
        _("鼠迹阳性率"),
        SAFETY,
        _BY_ID["rooms.positive"],
        _BY_ID["rooms.checked"],
        _("病媒生物防制检查的房间中发现鼠迹的比例（鼠迹阳性房间数÷检查房间数）"),
    ),
    Rate(
        "rate.rooms.unproofed",
        _("防鼠设施不合格率"),
        SAFETY,
        _BY_ID["rooms.unproofed"],
        _BY_ID["rooms.checked"],
        _("病媒生物防制检查的房间中防鼠设施不合格的比例（不合格房间数÷检查房间数）"),
    ),
    Rate(
        "rate.outdoor.burrows",
        _("外环境鼠洞密度"),
        SAFETY,
        _BY_ID["outdoor.burrows"],
        _BY_ID["outdoor.metres"],
        _("外环境每检查一公里发现的鼠洞数（检查长度按米登记，乘以1000换算为每公里）"),
        scale=1000,
        unit=_("个/公里"),
    ),
    Rate(
        "rate.campaigns.shortlisted",
        _("评选入围率"),
        CAMPAIGNS,
        _BY_ID["campaigns.shortlisted"],
        _BY_ID["campaigns.applied"],
        _("期间内提交的评选申报中，截至期末已入围（含已授牌）的比例"),
    ),
    Rate(
        "rate.campaigns.won",
        _("评选获评率"),
        CAMPAIGNS,
        _BY_ID["campaigns.won"],
        _BY_ID["campaigns.applied"],
        _(
            "期间内提交的评选申报中，截至期末已评定授牌的比例（分子分母是同一批申报；"
            "按授牌日期统计的“评定授牌”可能含往年的申报，不用于此比率）"
        ),
    ),
    Rate(
        "rate.campaigns.coverage",
        _("家庭评选覆盖率"),
        CAMPAIGNS,
        _BY_ID["campaigns.households_reached"],
        _BY_ID["campaigns.eligible_households"],
        _("参评范围内的户中，期末所在年度截至期末提交过家庭类评选申报的户所占比例"),
    ),
    Rate(
        "rate.opinions.settled",
        _("意见处理率"),
        VOICE,
        _BY_ID["opinions.settled"],
        _BY_ID["opinions.all"],
        _("期间内收集的居民意见中，至今已提交议事、答复办理或上报上级的比例"),
    ),
    Rate(
        "rate.opinions.deliberated",
        _("意见提交议事率"),
        VOICE,
        _BY_ID["opinions.deliberated"],
        _BY_ID["opinions.all"],
        _("期间内收集的居民意见中，至今已提交议事协商的比例"),
    ),
    Rate(
        "rate.opinions.answered",
        _("意见答复办理率"),
        VOICE,
        _BY_ID["opinions.answered"],
        _BY_ID["opinions.all"],
        _("期间内收集的居民意见中，至今已答复或办理的比例"),
    ),
    Rate(
        "rate.deliberations.published",
        _("协商结果公示率"),
        VOICE,
        _BY_ID["deliberations.published"],
        _BY_ID["deliberations.held"],
        _("期间内召开的议事协商中，截至期末已公示协商结果的比例"),
    ),
]


def indicator(id_: str) -> Indicator | None:
    return _BY_ID.get(id_)


def visible(user) -> tuple[list[Indicator], list[Rate]]:
    """The indicators and rates this user's role may see."""
    return (
        [i for i in INDICATORS if has_perm(user, i.needs)],
        [r for r in RATES if has_perm(user, r.needs)],
    )
