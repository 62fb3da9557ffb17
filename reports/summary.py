"""The year-end work summary (工作总结) of a place: its basic situation, what was done in each
work area with the figures, then shortcomings and next year's plan as prompts seeded with the
records — in words we write ourselves, every number from the indicator engine.

A summary is prose made of `Part`s: plain text, or a number that names the indicator it comes
from (the HTML page links it to the records behind it, the .docx prints it, the appendix lists
it with its definition). A work area without records is left out and named in `left_out`.
Nothing here writes; reports/services.py stores what is generated.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Perm
from areas.kinds import PlaceKind
from areas.models import Place, community_path
from cases.ledgers import half_months
from cases.models import Screening
from ledger.models import WorkRecord
from ledger.services import unvisited_counts
from people.ledgers import Span
from people.models import GroupCategory, Membership, Staff
from programs.models import Assistance, Honour
from reports import catalogue
from reports.catalogue import Indicator, Rate
from reports.engine import Figures, evaluate
from reports.subjects import DEPARTMENT, PLACE, PLACE_SUBJECT, WORKER, Subject

NUMERALS = "一二三四五六七八九十"
TOP_EVENTS = 3  # the year's largest activities named in the summary


@dataclass(frozen=True)
class Part:
    """A piece of the prose: text, or a number naming its indicator (or a record's page)."""

    text: str
    indicator: str = ""  # the indicator a number comes from
    url: str = ""  # a record's own page (notable events)


Paragraph = list[Part]


@dataclass
class Section:
    area: str  # the work area (catalogue.AREAS) it reports
    title: str
    paragraphs: list[Paragraph]
    heading: str = ""  # numbered: "二、日常工作开展情况"


@dataclass(frozen=True)
class Unvisited:
    """Members of a special group not visited in the period (a gap, not an indicator: it opens
    the group's 走访覆盖率 page, which lists them)."""

    category: str
    code: str
    unit: str  # 人 or 户
    count: int
    url: str


@dataclass
class Summary:
    place: Place
    span: Span
    title: str
    intro: Paragraph
    basic: list[Paragraph]
    sections: list[Section]
    left_out: list[str]  # titles of the work areas without records
    shortcomings: list[Paragraph]
    plans: list[Paragraph]
    figures: Figures
    indicators: list[Indicator]  # those the reader may see, in catalogue order
    rates: list[Rate]
    unreported: int  # half-months ended without a dispute screening
    unreported_url: str = ""
    numbers: dict[str, str] = field(default_factory=dict)  # indicator id → the number shown
    subject: Subject = PLACE_SUBJECT
    unvisited: list[Unvisited] = field(default_factory=list)  # groups not visited in the span

    def used(self) -> list[str]:
        """The indicators the prose names, in order of first appearance."""
        seen: dict[str, None] = {}
        for paragraph in self.paragraphs():
            for part in paragraph:
                if part.indicator:
                    seen.setdefault(part.indicator, None)
        return list(seen)

    def paragraphs(self) -> Iterable[Paragraph]:
        yield self.intro
        yield from self.basic
        for section in self.sections:
            yield from section.paragraphs
        yield from self.shortcomings
        yield from self.plans

    @property
    def headings(self) -> dict[str, str]:
        n = len(self.sections) + 1
        return {
            "basic": _("一、基本情况"),
            "shortcomings": _("%(n)s、存在的不足") % {"n": numeral(n + 1)},
            "plans": _("%(n)s、下一步工作计划") % {"n": numeral(n + 2)},
        }


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二 (enough for a summary's headings)."""
    if n <= 10:
        return NUMERALS[n - 1]
    return "十" + (NUMERALS[n - 11] if n > 10 else "")


def number(value: int | Decimal | float) -> str:
    """As a summary writes it: no separators, no trailing zeros (54.50 小时 → 54.5)."""
    if isinstance(value, Decimal):
        value = value.quantize(Decimal("0.01")).normalize()
        return f"{value:f}"
    return str(value)


def text(paragraph: Paragraph) -> str:
    return "".join(p.text for p in paragraph)


def summary_span(year: int, today: datetime.date | None = None) -> Span:
    """A year, up to today while it is not over: what was done, not what is planned."""
    today = today or timezone.localdate()
    return Span(datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today))


def _day(day: datetime.date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


_HERE = {
    PlaceKind.DISTRICT: gettext_lazy("本区"),
    PlaceKind.SUBDISTRICT: gettext_lazy("本街道"),
    PlaceKind.COMMUNITY: gettext_lazy("本社区"),
    PlaceKind.GRID: gettext_lazy("本网格"),
}

# The sections after the basic situation, in order, with their titles.
_TITLES = {
    catalogue.WORK: gettext_lazy("日常工作开展情况"),
    catalogue.PUBLICITY: gettext_lazy("宣传教育和志愿服务"),
    catalogue.DESK: gettext_lazy("便民服务"),
    catalogue.REQUESTS: gettext_lazy("居民诉求办理"),
    catalogue.PETITIONS: gettext_lazy("信访工作"),
    catalogue.DISPUTES: gettext_lazy("矛盾纠纷排查调处"),
    catalogue.SAFETY: gettext_lazy("安全检查和爱国卫生"),
    catalogue.JUDICIAL: gettext_lazy("社区矫正和安置帮教"),
    catalogue.CAMPAIGNS: gettext_lazy("评选创建"),
    catalogue.HONOURS_AREA: gettext_lazy("获得荣誉"),
    catalogue.AID: gettext_lazy("救助帮扶"),
    catalogue.RESOURCES: gettext_lazy("社会捐赠和物资管理"),
    catalogue.VOICE: gettext_lazy("社情民意和议事协商"),
}


class _Writer:
    """Writes clauses from the figures: a number only when there is one to write."""

    def __init__(self, figures: Figures, visible: set[str]):
        self.figures = figures
        self.visible = visible

    def value(self, id_: str) -> int | Decimal:
        return self.figures.totals.get(id_, 0) if id_ in self.visible else 0

    def num(self, id_: str) -> Part:
        return Part(number(self.value(id_)), indicator=id_)

    def clause(self, before: str, id_: str, after: str | None = None) -> Paragraph:
        unit = str(catalogue.indicator(id_).unit) if after is None else after
        return [Part(before), self.num(id_), Part(unit)]

    def clauses(self, specs: list[tuple[str, str]], joiner: str = "，") -> Paragraph:
        """The clauses whose figure is not zero, joined."""
        out: Paragraph = []
        for before, id_ in specs:
            if not self.value(id_):
                continue
            if out:
                out.append(Part(joiner))
            out += self.clause(before, id_)
        return out

    def rate(self, id_: str) -> Paragraph:
        """ "结案率84.7%": the share; the sentence around it states both of its counts."""
        rate = next(r for r in catalogue.RATES if r.id == id_)
        top, bottom, _value = self.figures.rate(rate)
        return [Part(str(rate.name)), Part(rate.shown(top, bottom))]


def _sentence(*pieces: Paragraph | str) -> Paragraph:
    out: Paragraph = []
    for piece in pieces:
        out += [Part(piece)] if isinstance(piece, str) else piece
    return out


def build(
    place: Place,
    span: Span,
    *,
    may: Callable[[Perm], bool],
    today: datetime.date | None = None,
    subject: Subject = PLACE_SUBJECT,
) -> Summary:
    """The summary of `place` for `span`, with the figures a reader with the permissions
    `may` grants is allowed to see: the place's whole work, or (`subject`) a department's
    work areas over it, or one worker's own records in it."""
    today = today or timezone.localdate()
    indicators = subject.narrowed([i for i in catalogue.INDICATORS if may(i.needs)])
    ids = {i.id for i in indicators}
    rates = [
        r
        for r in catalogue.RATES
        if may(r.needs) and r.numerator.id in ids and r.denominator.id in ids
    ]
    figures = evaluate(indicators, place, span, breakdown=False, rows=True)
    w = _Writer(figures, ids)
    whole_year = span.start.month == 1 and span.start.day == 1 and span.end.month == 12
    whole_year = whole_year and span.end.day == 31 and span.start.year == span.end.year
    if whole_year:
        during = _("全年")
    elif span.start == datetime.date(span.end.year, 1, 1):
        during = (
            _("今年以来")
            if span.end.year == today.year
            else _("%(y)d年以来") % {"y": span.end.year}
        )
    else:
        during = _("期间内")
    here = str(_HERE[PlaceKind(place.kind)])
    as_of = _day(span.end)
    title = _title(place, span, subject, whole_year)
    intro = [Part(_intro(place, span, subject))]

    # 一、基本情况
    if subject.kind == WORKER:
        basic = _worker_basic(subject, place, span)
    elif subject.kind == DEPARTMENT and catalogue.BASICS not in subject.department.areas:
        basic = _department_basic(subject, place)
    else:
        basic = _place_basic(w, indicators, as_of, here)

    sections = [
        Section(area, str(_TITLES[area]), paragraphs)
        for area, paragraphs in [
            (catalogue.WORK, _work(w, place, span, during, subject.rows("records"))),
            (catalogue.PUBLICITY, _publicity(w, during)),
            (catalogue.DESK, _desk(w, during)),
            (catalogue.REQUESTS, _requests(w, during)),
            (catalogue.PETITIONS, _petitions(w, during)),
            (catalogue.DISPUTES, _disputes(w, during)),
            (catalogue.SAFETY, _safety(w, during, as_of)),
            (catalogue.JUDICIAL, _judicial(w, as_of)),
            (catalogue.CAMPAIGNS, _campaigns(w, place, span, during, here, as_of)),
            (catalogue.HONOURS_AREA, _honours(w, place, span, during, subject.rows("honours"))),
            (catalogue.AID, _aid(w, place, span, during, subject.rows("assistance"))),
            (catalogue.RESOURCES, _resources(w, during)),
            (catalogue.VOICE, _voice(w, during, as_of)),
        ]
        if paragraphs
    ]
    shown = {s.area for s in sections}
    left_out = [
        str(_TITLES[area])
        for area in _TITLES
        if area not in shown and any(i.area == area for i in indicators)
    ]
    for n, section in enumerate(sections, start=2):
        section.heading = _("%(n)s、%(title)s") % {"n": numeral(n), "title": section.title}

    unreported = 0
    if subject.kind == PLACE or (
        subject.kind == DEPARTMENT and catalogue.DISPUTES in subject.department.areas
    ):
        unreported = unreported_half_months(place, span, today)
    unreported_url = ""
    if unreported:
        unreported_url = (
            reverse("people:ledger-detail", args=["screenings"])
            + f"?place={place.pk}&start={span.start.isoformat()}&on={span.end.isoformat()}"
        )
    unvisited: list[Unvisited] = []
    if subject.kind == PLACE or (
        subject.kind == DEPARTMENT and catalogue.AID in subject.department.areas
    ):
        unvisited = unvisited_groups(place, span, may)
    shortcomings, plans = _prompts(w, during, unreported, unreported_url, as_of, unvisited, subject)
    summary = Summary(
        place=place,
        span=span,
        title=title,
        intro=intro,
        basic=basic,
        sections=sections,
        left_out=left_out,
        shortcomings=shortcomings,
        plans=plans,
        figures=figures,
        indicators=indicators,
        rates=rates,
        unreported=unreported,
        unreported_url=unreported_url,
        subject=subject,
        unvisited=unvisited,
    )
    summary.numbers = {i.id: number(figures.totals[i.id]) for i in indicators}
    return summary


def _place_basic(w: _Writer, indicators: list[Indicator], as_of: str, here: str) -> list[Paragraph]:
    """Households, population, units, staff and the special groups at the period's end."""
    basic: list[Paragraph] = []
    people = w.clauses([(_("居民"), "households"), (_("常住人口"), "population")], "、")
    rest = w.clauses([(_("辖区单位"), "units"), (_("在职社区工作者"), "staff")])
    if people or rest:
        body = people + ([Part("，")] if people and rest else []) + rest
        basic.append(
            _sentence(_("截至%(day)s，%(here)s共有") % {"day": as_of, "here": here}, body, "。")
        )
    groups = w.clauses(
        [
            (str(i.name), i.id)
            for i in indicators
            if i.area == catalogue.BASICS and i.id.startswith("group.")
        ],
        "、",
    )
    if groups:
        basic.append(_sentence(_("登记在册的重点人群有："), groups, "。"))
    if not basic:
        basic.append([Part(_("截至%(day)s，尚未登记人口、户和单位等基本情况。") % {"day": as_of})])
    return basic


def _worker_basic(subject: Subject, place: Place, span: Span) -> list[Paragraph]:
    """Who the worker is (post and start from the staff register when the account is linked
    to it) and what the figures count."""
    worker = subject.worker
    staff = Staff.objects.filter(user=worker).only("post", "start_date").first()
    if staff is not None:
        who = _("本人%(name)s，%(place)s%(post)s，%(since)s到岗。") % {
            "name": worker.name,
            "place": place.name,
            "post": staff.post,
            "since": _day(staff.start_date),
        }
    else:
        who = _("本人%(name)s，%(place)s%(role)s。") % {
            "name": worker.name,
            "place": place.name,
            "role": worker.get_role_display(),
        }
    counted = _(
        "以下数字只统计%(start)s至%(end)s本人在平台组织或登记的工作记录、承办的诉求和案件、"
        "参加的检查、下达或复查的整改通知、经办的便民服务和登记的救助等记录。"
    ) % {"start": _day(span.start), "end": _day(span.end)}
    return [[Part(who)], [Part(counted)]]


def _department_basic(subject: Subject, place: Place) -> list[Paragraph]:
    department = subject.department
    areas = "、".join(str(_TITLES[a]) for a in department.areas if a in _TITLES)
    text_ = _("%(office)s负责%(place)s的%(areas)s等工作。") % {
        "office": department.office,
        "place": place.name,
        "areas": areas,
    }
    if department.topics:
        text_ += _("工作记录只统计工作领域为%(topics)s的记录。") % {"topics": subject.topic_names}
    return [[Part(text_)]]


def _title(place: Place, span: Span, subject: Subject, whole_year: bool) -> str:
    """“甲社区2026年度工作总结”, “临江区爱国卫生2026年度工作总结”, “吴芳2026年度个人工作总结”."""
    name = place.name
    what = _("工作总结")
    if subject.kind == DEPARTMENT:
        name = f"{place.name}{subject.department.name}"
    elif subject.kind == WORKER:
        name, what = subject.worker.name, _("个人工作总结")
    if whole_year:
        return _("%(name)s%(year)d年度%(what)s") % {
            "name": name,
            "year": span.end.year,
            "what": what,
        }
    if span.start == datetime.date(span.end.year, 1, 1):
        # The year so far: the introduction says up to which day.
        return _("%(name)s%(year)d年%(what)s") % {"name": name, "year": span.end.year, "what": what}
    return _("%(name)s%(what)s（%(start)s至%(end)s）") % {
        "name": name,
        "what": what,
        "start": _day(span.start),
        "end": _day(span.end),
    }


def _intro(place: Place, span: Span, subject: Subject) -> str:
    who = place.name
    if subject.kind == DEPARTMENT:
        who = _("%(place)s%(name)s") % {"place": place.name, "name": subject.department.name}
    elif subject.kind == WORKER:
        who = _("本人")
    return _(
        "现将%(who)s%(start)s至%(end)s的工作情况总结如下。文中数字均由社区工作平台根据"
        "登记的台账记录统计，每项数字的统计口径和记录数见附件。"
    ) % {"who": who, "start": _day(span.start), "end": _day(span.end)}


def _work(w: _Writer, place: Place, span: Span, during: str, only: Q | None) -> list[Paragraph]:
    if not w.value("records.all"):
        return []
    first = _sentence(
        _("%(during)s共登记各类工作记录") % {"during": during}, w.clause("", "records.all")
    )
    if w.value("records.heads"):
        first += _sentence("，", w.clause(_("累计参与"), "records.heads"))
    paragraphs = [[*first, Part("。")]]
    kinds = w.clauses(
        [
            (_("开展各类活动"), "records.activity"),
            (_("召开会议"), "records.meeting"),
            (_("组织培训"), "records.training"),
            (_("举办讲座"), "records.lecture"),
            (_("开展宣传"), "records.publicity"),
            (_("走访入户"), "records.visit"),
            (_("开展治安巡逻"), "records.patrol"),
            (_("组织志愿服务和义务劳动"), "records.volunteering"),
            (_("召开居民会议和议事协商"), "records.assembly"),
            (_("走访慰问"), "records.condolence"),
        ]
    )
    if kinds:
        if w.value("records.activity") and w.value("records.activity_heads"):
            # "开展各类活动13场（参与1281人次），…": the activities' own head count beside them.
            at = next(n for n, p in enumerate(kinds) if p.indicator == "records.activity") + 2
            kinds[at:at] = _sentence("（", w.clause(_("参与"), "records.activity_heads"), "）")
        paragraphs.append(_sentence(_("其中，"), kinds, "。"))
    visits = w.clauses([(_("登记走访对象"), "visits.all"), (_("走访到居民"), "visits.residents")])
    if visits:
        paragraphs.append(_sentence(_("入户走访中，"), visits, _("（同一居民多次走访计一人）。")))
    events = top_events(place, span, only) if only is not None else []
    if events:
        named: Paragraph = []
        for n, record in enumerate(events):
            if n:
                named.append(Part("；"))
            named += [
                Part(f"{record.date.month}月{record.date.day}日"),
                Part(f"“{record.title}”", url=reverse("ledger:record-detail", args=[record.pk])),
                Part(_("（%(n)d人次）") % {"n": record.head_count}),
            ]
        paragraphs.append(_sentence(_("参与人数较多的活动有："), named, "。"))
    return paragraphs


def top_events(place: Place, span: Span, only: Q | None = None) -> list[WorkRecord]:
    """The activities with the largest head counts in the span (a scoped query, not an
    indicator: they are named, not counted); `only`: the summary's subject's records."""
    return list(
        WorkRecord.objects.filter(
            only or Q(),
            place_path__under=place.path,
            kind=WorkRecord.Kind.ACTIVITY,
            date__gte=span.start,
            date__lte=span.end,
            head_count__gt=0,
        )
        .order_by("-head_count", "date", "pk")
        .only("pk", "date", "title", "head_count")[:TOP_EVENTS]
    )


def _publicity(w: _Writer, during: str) -> list[Paragraph]:
    paragraphs = []
    handed = w.clauses(
        [
            (_("发放宣传资料"), "quantity.leaflets"),
            (_("悬挂横幅"), "quantity.banners"),
            (_("制作展板"), "quantity.boards"),
            (_("接受群众咨询"), "quantity.consultations"),
        ]
    )
    if handed:
        paragraphs.append(_sentence(during, handed, "。"))
    volunteers = w.clauses(
        [(_("参与志愿服务的志愿者"), "volunteers"), (_("累计服务"), "volunteer_hours")]
    )
    if volunteers:
        paragraphs.append(_sentence(_("登记在册"), volunteers, "。"))
    return paragraphs


def _desk(w: _Writer, during: str) -> list[Paragraph]:
    done = w.clauses(
        [(_("为居民办理各类便民服务事项"), "services.all"), (_("服务居民"), "services.people")]
    )
    return [_sentence(during, done, "。")] if done else []


def _requests(w: _Writer, during: str) -> list[Paragraph]:
    if not w.value("requests.all"):
        return []
    first = _sentence(
        _("%(during)s受理居民诉求") % {"during": during}, w.clause("", "requests.all")
    )
    if w.value("requests.self"):
        first += _sentence(_("（其中居民自助提交"), w.clause("", "requests.self"), "）")
    first += _sentence(
        "，", w.clause(_("已结案"), "requests.closed"), "，", w.rate("rate.requests.closed")
    )
    if w.value("requests.rated"):
        first += _sentence(
            _("；已回访"),
            w.clause("", "requests.rated"),
            "，",
            w.clause(_("其中评价满意或基本满意"), "requests.satisfied"),
            "，",
            w.rate("rate.requests.satisfied"),
        )
    return [[*first, Part("。")]]


def _petitions(w: _Writer, during: str) -> list[Paragraph]:
    if not w.value("petitions.all"):
        return []
    first = _sentence(
        _("%(during)s登记信访") % {"during": during},
        w.clause("", "petitions.all"),
        "，",
        w.clause(_("已办结（含不予受理）"), "petitions.closed"),
        "，",
        w.rate("rate.petitions.closed"),
    )
    if w.value("petitions.timed"):
        first += _sentence(
            _("；已答复或决定不予受理"),
            w.clause("", "petitions.timed"),
            "，",
            w.clause(_("其中在期限内完成"), "petitions.on_time"),
            "，",
            w.rate("rate.petitions.on_time"),
        )
    return [[*first, Part("。")]]


def _disputes(w: _Writer, during: str) -> list[Paragraph]:
    paragraphs = []
    if w.value("screenings.all"):
        first = _sentence(
            _("%(during)s开展矛盾纠纷排查") % {"during": during}, w.clause("", "screenings.all")
        )
        if w.value("screenings.zero"):
            first += _sentence(_("（其中零报告"), w.clause("", "screenings.zero"), "）")
        if w.value("screenings.found"):
            first += _sentence("，", w.clause(_("排查发现纠纷"), "screenings.found"))
        paragraphs.append([*first, Part("。")])
    if w.value("disputes.all"):
        second = _sentence(_("受理矛盾纠纷"), w.clause("", "disputes.all"))
        if w.value("disputes.mediated"):
            second += _sentence(
                _("，调解已有结果"),
                w.clause("", "disputes.mediated"),
                "，",
                w.clause(_("其中调解成功"), "disputes.agreed"),
            )
            if w.value("disputes.failed"):
                second += _sentence("、", w.clause(_("调解不成"), "disputes.failed"))
            second += _sentence("，", w.rate("rate.disputes.agreed"))
        paragraphs.append([*second, Part("。")])
    return paragraphs


def _safety(w: _Writer, during: str, as_of: str) -> list[Paragraph]:
    """Inspections and their orders, pest-control monitoring, agreements: each rate after
    both of its counts (the units registered, the orders due…)."""
    paragraphs = []
    if w.value("inspections.all"):
        first = _sentence(
            _("%(during)s开展消防、出租房屋、食品卫生和爱国卫生等各类检查") % {"during": during},
            w.clause("", "inspections.all"),
        )
        if w.value("inspections.units"):
            first += _sentence("，", w.clause(_("检查辖区单位"), "inspections.units"))
            if w.value("units"):
                first += _sentence(
                    _("（%(day)s在册辖区单位") % {"day": as_of},
                    w.clause("", "units"),
                    "），",
                    w.rate("rate.inspections.coverage"),
                )
        if w.value("inspections.failed"):
            first += _sentence(
                _("；其中"),
                w.clause(_("检查不合格"), "inspections.failed"),
                "，",
                w.rate("rate.inspections.failed"),
            )
        else:
            first += _sentence(_("，检查均合格"))
        paragraphs.append([*first, Part("。")])
    if w.value("rectifications.issued"):
        second = _sentence(
            _("针对检查发现的问题下达整改通知"),
            w.clause("", "rectifications.issued"),
            "，",
            w.clause(_("截至%(day)s已整改到位") % {"day": as_of}, "rectifications.done"),
            "，",
            w.rate("rate.rectifications.done"),
        )
        if w.value("rectifications.due"):
            second += _sentence(
                _("；已到整改期限或已整改的"),
                w.clause("", "rectifications.due"),
                _("中，"),
                w.clause(_("在期限内整改到位"), "rectifications.on_time"),
                "，",
                w.rate("rate.rectifications.on_time"),
            )
        paragraphs.append([*second, Part("。")])
    pests: Paragraph = []
    if w.value("rooms.checked"):
        pests += _sentence(
            w.clause(_("检查房间"), "rooms.checked"),
            "，",
            w.clause(_("发现鼠迹阳性房间"), "rooms.positive"),
            "，",
            w.rate("rate.rooms.positive"),
            "，",
            w.clause(_("防鼠设施不合格房间"), "rooms.unproofed"),
            "，",
            w.rate("rate.rooms.unproofed"),
        )
    if w.value("outdoor.metres"):
        if pests:
            pests.append(Part("；"))
        pests += _sentence(
            w.clause(_("检查外环境"), "outdoor.metres"),
            "，",
            w.clause(_("发现鼠洞"), "outdoor.burrows"),
            "，",
            w.rate("rate.outdoor.burrows"),
        )
    if pests:
        lead = _sentence(_("病媒生物防制方面，"))
        if w.value("inspections.hygiene"):
            lead += _sentence(w.clause(_("开展检查"), "inspections.hygiene"), "，")
        paragraphs.append([*lead, *pests, Part("。")])
    if w.value("agreements.signed"):
        paragraphs.append(
            _sentence(
                _("与辖区单位和出租房屋房东签订各类责任书、承诺书"),
                w.clause("", "agreements.signed"),
                "。",
            )
        )
    return paragraphs


def _judicial(w: _Writer, as_of: str) -> list[Paragraph]:
    held = w.clauses(
        [(_("社区矫正对象"), "group.correction"), (_("安置帮教对象"), "group.released")], "，"
    )
    return [_sentence(_("截至%(day)s，在册") % {"day": as_of}, held, "。")] if held else []


def _campaigns(
    w: _Writer, place: Place, span: Span, during: str, here: str, as_of: str
) -> list[Paragraph]:
    """The funnel of the period's applications (applied → shortlisted → won by the period's
    end, each rate after both counts), the awards made in it, and the campaigns by name."""
    paragraphs = []
    # Said whenever some household was open to a campaign: none applying is worth saying too.
    coverage = (
        _sentence(
            _("家庭类评选参评范围内"),
            w.clause("", "campaigns.eligible_households"),
            _("，其中"),
            w.clause("", "campaigns.households_reached"),
            _("提交了申报，"),
            w.rate("rate.campaigns.coverage"),
            "。",
        )
        if w.value("campaigns.eligible_households")
        else None
    )
    if w.value("campaigns.applied"):
        first = _sentence(
            _("%(during)s%(here)s家庭和单位参加评选创建，提交申报")
            % {"during": during, "here": here},
            w.clause("", "campaigns.applied"),
            _("，截至%(day)s") % {"day": as_of},
            w.clause(_("入围"), "campaigns.shortlisted"),
            "、",
            w.clause(_("获评"), "campaigns.won"),
            "，",
            w.rate("rate.campaigns.shortlisted"),
            "，",
            w.rate("rate.campaigns.won"),
            "。",
        )
        paragraphs.append(first + coverage if coverage else first)
    elif coverage:
        paragraphs.append(coverage)
    if w.value("campaigns.awarded"):
        second = _sentence(
            _("%(during)s评定授牌") % {"during": during},
            w.clause("", "campaigns.awarded"),
            _("（按授牌日期统计）"),
        )
        if w.value("campaigns.certificates"):
            second += _sentence("，", w.clause(_("发放证书/牌匾"), "campaigns.certificates"))
        paragraphs.append([*second, Part("。")])
    if w.value("campaigns.applied"):
        named = campaigns_entered(place, span)
        if named:
            ledger = (
                reverse("people:ledger-detail", args=["applications"])
                + f"?place={place.pk}&start={span.start.isoformat()}&on={span.end.isoformat()}"
            )
            listed: Paragraph = []
            for n, (name, applied, won) in enumerate(named):
                if n:
                    listed.append(Part("；"))
                listed.append(Part(f"“{name}”", url=ledger))
                counts = _("申报%(n)d份") % {"n": applied}
                if won:
                    counts += _("，获评%(n)d份") % {"n": won}
                listed.append(Part(f"（{counts}）"))
            paragraphs.append(_sentence(_("参加的评选有："), listed, "。"))
    return paragraphs


def campaigns_entered(place: Place, span: Span) -> list[tuple[str, int, int]]:
    """The campaigns the place's households and units applied to in the span, each with its
    applications and how many of them won by the span's end (a scoped query, not an
    indicator: the campaigns are named). The applications sit where the catalogue puts them."""
    won = catalogue.indicator("campaigns.won").condition(span.end)
    rows = (
        catalogue.APPLICATIONS.rows()
        .filter(
            applicant_path__under=place.path,
            applied_on__gte=span.start,
            applied_on__lte=span.end,
        )
        .values("campaign", "campaign__name", "campaign__starts_on")
        .annotate(applied=Count("pk"), won=Count("pk", filter=won))
        .order_by("campaign__starts_on", "campaign")
    )
    return [(r["campaign__name"], r["applied"], r["won"]) for r in rows]


HONOURS_NAMED = 20  # the honours the summary names, highest level first


def _honours(w: _Writer, place: Place, span: Span, during: str, only: Q | None) -> list[Paragraph]:
    """How many honours, by level, then each by name with its level and issuer."""
    if not w.value("honours.all"):
        return []
    first = _sentence(_("%(during)s获得各级荣誉") % {"during": during}, w.clause("", "honours.all"))
    levels = w.clauses(
        [
            (str(level), f"honours.{code}")
            for level, code in [
                (Honour.Level.NATIONAL, "national"),
                (Honour.Level.PROVINCE, "provincial"),
                (Honour.Level.CITY, "city"),
                (Honour.Level.DISTRICT, "district"),
                (Honour.Level.SUBDISTRICT, "subdistrict"),
            ]
        ],
        "、",
    )
    if levels:
        first += _sentence(_("，其中"), levels)
    named = honours_received(place, span, only or Q())
    if named:
        first.append(Part("："))
        for n, honour in enumerate(named[:HONOURS_NAMED]):
            if n:
                first.append(Part("；"))
            first.append(
                Part(f"“{honour.title}”", url=reverse("programs:honour-detail", args=[honour.pk]))
            )
            facts = _("%(level)s，%(issuer)s授予") % {
                "level": honour.level,
                "issuer": honour.issuer,
            }
            if honour.unit_id:
                facts += f"，{honour.unit.name}"
            elif honour.staff_id:
                facts += f"，{honour.staff.name}"
            first.append(Part(f"（{facts}）"))
        if len(named) > HONOURS_NAMED:
            first.append(Part(_("等")))
    return [[*first, Part("。")]]


def honours_received(place: Place, span: Span, only: Q | None = None) -> list[Honour]:
    """The honours of the span under the place, the highest level first, then by date."""
    rank = {level: n for n, level in enumerate(Honour.Level.values)}
    found = list(
        Honour.objects.filter(
            only or Q(), place_path__under=place.path, date__gte=span.start, date__lte=span.end
        )
        .select_related("unit", "staff")
        .order_by("date", "pk")
    )
    return sorted(found, key=lambda h: rank.get(h.level, len(rank)))


@dataclass(frozen=True)
class AidKind:
    kind: str
    payments: int
    amount: Decimal
    households: int
    persons: int


def aid_by_kind(place: Place, span: Span, only: Q | None = None) -> list[AidKind]:
    """The general aid of the span by kind, counted as the assistance list counts it (a
    scoped query; its sums are the catalogue's aid figures, which leave out the aid resting
    on a health group just as this does)."""
    rows = {
        r["kind"]: r
        for r in Assistance.objects.filter(
            catalogue.GENERAL_AID,
            only or Q(),
            voided_at__isnull=True,
            place_path__under=place.path,
            date__gte=span.start,
            date__lte=span.end,
        )
        .values("kind")
        .annotate(
            payments=Count("pk"),
            amount=Sum("amount", default=Decimal("0")),
            households=Count("household", distinct=True),
            persons=Count("resident", distinct=True),
        )
        .order_by()
    }
    return [
        AidKind(kind, r["payments"], r["amount"], r["households"], r["persons"])
        for kind in Assistance.Kind.values
        if (r := rows.get(kind))
    ]


def _aid(w: _Writer, place: Place, span: Span, during: str, only: Q | None) -> list[Paragraph]:
    paragraphs = []
    if w.value("aid.payments"):
        first = _sentence(
            _("%(during)s发放各类救助、补贴和慰问") % {"during": during},
            w.clause("", "aid.payments"),
        )
        if w.value("aid.amount"):
            first += _sentence(_("，共"), w.clause("", "aid.amount"))
        reached = w.clauses([("", "aid.households"), ("", "aid.persons")], "、")
        if reached:
            first += _sentence(
                _("，惠及"),
                reached,
                _("（发给全户的计户，发给个人的计人，同一户或同一人多次受助只计一次）"),
            )
        paragraphs.append([*first, Part("。")])
        if w.value("aid.dibao_amount"):
            dibao = _sentence(_("其中发放低保金"), w.clause("", "aid.dibao_amount"))
            if w.value("aid.dibao_households"):
                dibao += _sentence("，", w.clause(_("涉及低保户"), "aid.dibao_households"))
            paragraphs.append([*dibao, Part("。")])
        kinds = aid_by_kind(place, span, only)
        if kinds:
            listing = reverse("programs:assistance-list")
            period = {"start": span.start.isoformat(), "end": span.end.isoformat()}
            if place.kind in (PlaceKind.COMMUNITY, PlaceKind.GRID):
                period["place"] = place.pk  # the list's place filter offers these
            listed: Paragraph = []
            for n, k in enumerate(kinds):
                if n:
                    listed.append(Part("；"))
                url = f"{listing}?{urlencode({**period, 'kind': k.kind})}"
                figures = _("%(n)d笔") % {"n": k.payments}
                if k.amount:
                    figures += _("%(m)s元") % {"m": number(k.amount)}
                reach = (_("%(n)d户") % {"n": k.households} if k.households else "") + (
                    _("%(n)d人") % {"n": k.persons} if k.persons else ""
                )
                listed += [Part(k.kind, url=url), Part(figures + (f"（{reach}）" if reach else ""))]
            paragraphs.append(_sentence(_("按类型："), listed, "。"))
    if w.value("aid.health_payments"):
        health = _sentence(
            _("依据残疾等健康类人群登记发放残疾人补贴等"), w.clause("", "aid.health_payments")
        )
        if w.value("aid.health_amount"):
            health += _sentence(_("，共"), w.clause("", "aid.health_amount"))
        if w.value("aid.health_persons"):
            health += _sentence("，", w.clause(_("涉及"), "aid.health_persons"))
        paragraphs.append([*health, Part("。")])
    return paragraphs


def _resources(w: _Writer, during: str) -> list[Paragraph]:
    paragraphs = []
    donated = w.clauses(
        [
            (_("接受捐赠"), "donations.gifts"),
            (_("收到捐款"), "donations.money_in"),
            (_("发放捐赠款物"), "donations.handouts"),
            (_("发放捐款"), "donations.money_out"),
        ]
    )
    if donated:
        paragraphs.append(_sentence(during, donated, "。"))
    moved = w.clauses([(_("物资入库"), "supplies.received"), (_("发放出库"), "supplies.issued")])
    if moved:
        paragraphs.append(_sentence(_("物资管理方面，"), moved, "。"))
    return paragraphs


def _voice(w: _Writer, during: str, as_of: str) -> list[Paragraph]:
    """Opinions and what became of them (each rate after its clause), deliberations and their
    publication, questionnaires."""
    paragraphs = []
    if w.value("opinions.all"):
        first = _sentence(
            _("%(during)s收集社情民意") % {"during": during}, w.clause("", "opinions.all")
        )
        specs = [
            (_("提交议事协商"), "opinions.deliberated", "rate.opinions.deliberated"),
            (_("答复或办理"), "opinions.answered", "rate.opinions.answered"),
            (_("上报上级"), "opinions.referred", ""),
        ]
        outcomes = w.clauses([(label, id_) for label, id_, _rate in specs], "、")
        if outcomes:
            first += _sentence(_("，其中"), outcomes)
            shares: Paragraph = []
            for _label, id_, rate in specs:
                if rate and w.value(id_):
                    shares += ([Part("、")] if shares else []) + w.rate(rate)
            if shares:
                first += _sentence("，", shares)
        first += _sentence(
            _("；已处理"),
            w.clause("", "opinions.settled"),
            "，",
            w.rate("rate.opinions.settled"),
        )
        if w.value("opinions.open"):
            first += _sentence("，", w.clause(_("仍有"), "opinions.open"), _("待处理"))
        paragraphs.append([*first, Part("。")])
    if w.value("deliberations.held"):
        second = _sentence(
            _("%(during)s召开议事协商") % {"during": during}, w.clause("", "deliberations.held")
        )
        if w.value("deliberations.participants"):
            second += _sentence("，", w.clause(_("参加"), "deliberations.participants"))
        second += _sentence(
            "，",
            w.clause(_("截至%(day)s协商结果已公示") % {"day": as_of}, "deliberations.published"),
            "，",
            w.rate("rate.deliberations.published"),
        )
        paragraphs.append([*second, Part("。")])
    asked = w.clauses(
        [(_("开展问卷调查"), "questionnaires.all"), (_("收回问卷答卷"), "questionnaires.responses")]
    )
    if asked:
        paragraphs.append(_sentence(during, asked, "。"))
    return paragraphs


def _prompts(
    w: _Writer,
    during: str,
    unreported: int,
    unreported_url: str,
    as_of: str,
    unvisited: list[Unvisited],
    subject: Subject,
) -> tuple[list[Paragraph], list[Paragraph]]:
    """存在的不足 and 下一步工作计划, seeded with what the records show still open."""
    short: list[Paragraph] = []
    plans: list[Paragraph] = []
    if unvisited:
        groups: Paragraph = []
        for n, gap in enumerate(unvisited):
            if n:
                groups.append(Part("、"))
            groups += [
                Part(_("%(group)s中有") % {"group": gap.category}),
                Part(str(gap.count), url=gap.url),
                Part(gap.unit),
            ]
        short.append(
            _sentence(
                _("重点人群走访还没有做到全覆盖：%(during)s，") % {"during": during},
                groups,
                _("没有走访记录。"),
            )
        )
        plans.append(
            _sentence(
                _("对尚未走访的重点人群（"),
                list(groups),
                _("）逐户逐人上门走访，做到应访尽访，并及时登记走访情况。"),
            )
        )
    if w.value("requests.overdue"):
        short.append(
            _sentence(
                _("居民诉求办理还不够及时：%(during)s受理的诉求中，仍有") % {"during": during},
                w.clause("", "requests.overdue"),
                _("超过办理期限未办结。"),
            )
        )
        plans.append(
            _sentence(
                _("对超期未办结的"),
                w.clause("", "requests.overdue"),
                _("居民诉求逐件明确责任人和办结时限，尽快办结。"),
            )
        )
    if w.value("petitions.overdue"):
        short.append(
            _sentence(_("信访事项中有"), w.clause("", "petitions.overdue"), _("超过期限仍未答复。"))
        )
        plans.append(
            _sentence(
                _("督办超期的"), w.clause("", "petitions.overdue"), _("信访事项，按期答复信访人。")
            )
        )
    if w.value("requests.unsatisfied"):
        short.append(
            _sentence(
                _("有"),
                w.clause("", "requests.unsatisfied"),
                _("居民诉求回访评价为不满意，尚未重新处理到位。"),
            )
        )
        plans.append(
            _sentence(
                _("对回访不满意的"),
                w.clause("", "requests.unsatisfied"),
                _("诉求再次上门了解原因，重新办理并回访。"),
            )
        )
    if w.value("disputes.failed"):
        short.append(
            _sentence(_("有"), w.clause("", "disputes.failed"), _("矛盾纠纷调解不成，尚未化解。"))
        )
        plans.append(
            _sentence(
                _("对调解不成的"),
                w.clause("", "disputes.failed"),
                _("纠纷继续跟踪，必要时引导当事人通过其他法定途径解决。"),
            )
        )
    if w.value("rectifications.overdue"):
        short.append(
            _sentence(
                _("安全隐患整改还不到位：截至%(day)s，仍有") % {"day": as_of},
                w.clause("", "rectifications.overdue"),
                _("整改通知已过整改期限、尚未整改到位。"),
            )
        )
        plans.append(
            _sentence(
                _("对逾期未整改的"),
                w.clause("", "rectifications.overdue"),
                _("整改通知逐一上门复查，督促责任单位和责任人限期整改到位。"),
            )
        )
    if w.value("opinions.open"):
        short.append(
            _sentence(
                _("社情民意办理还不够及时：%(during)s收集的社情民意中，仍有") % {"during": during},
                w.clause("", "opinions.open"),
                _("待处理。"),
            )
        )
        plans.append(
            _sentence(
                _("对待处理的"),
                w.clause("", "opinions.open"),
                _("居民意见逐条明确责任人，及时答复、办理或提交议事协商。"),
            )
        )
    if w.value("deliberations.unpublished"):
        short.append(
            _sentence(
                _("议事协商结果公开还不够及时：截至%(day)s，有") % {"day": as_of},
                w.clause("", "deliberations.unpublished"),
                _("议事协商的结果尚未公示。"),
            )
        )
        plans.append(
            _sentence(
                _("尽快形成并公示"),
                w.clause("", "deliberations.unpublished"),
                _("议事协商的结果，接受居民监督。"),
            )
        )
    if unreported:
        short.append(
            [
                Part(_("矛盾纠纷排查有")),
                Part(str(unreported), url=unreported_url),
                Part(_("个半月未按时上报。")),
            ]
        )
        plans.append([Part(_("落实矛盾纠纷每半月排查和零报告制度，按时上报排查情况。"))])
    if not short and subject.kind != PLACE:
        short.append(
            [
                Part(
                    _(
                        "根据登记的记录，本期没有超期未办结、回访不满意、调解不成、逾期未整改或"
                        "待处理的事项。"
                    )
                )
            ]
        )
    elif not short:
        short.append(
            [
                Part(
                    _(
                        "根据登记的记录，没有超期未办结的诉求和信访、回访不满意的诉求、调解不成的"
                        "纠纷、逾期未整改的安全隐患、待处理的居民意见和未公示的议事协商结果，"
                        "也没有未报的矛盾纠纷排查和本期未走访的重点人群。"
                    )
                )
            ]
        )
    plans.append([Part(_("继续做好日常工作，每项工作及时登记台账，做到数字有据可查。"))])
    return short, plans


# Special groups a community is expected to visit every year (走访全覆盖), in this order.
VISITED_GROUPS = ("elderly", "dibao", "tekun", "disabled")


def unvisited_groups(place: Place, span: Span, may: Callable[[Perm], bool]) -> list[Unvisited]:
    """Members of the groups to visit, under the place at some time in the span, with no visit
    in it (as the 走访覆盖率 page counts them; its link lists them). Groups whose numbers are
    health or judicial data only for the roles that see them. A fixed number of queries."""
    hidden = []
    if not may(Perm.VIEW_HEALTH):
        hidden.append(GroupCategory.Sensitivity.HEALTH)
    if not may(Perm.VIEW_JUDICIAL):
        hidden.append(GroupCategory.Sensitivity.JUDICIAL)
    categories = list(
        GroupCategory.objects.filter(code__in=VISITED_GROUPS, active=True).exclude(
            sensitivity__in=hidden
        )
    )
    if not categories:
        return []
    members = Membership.objects.filter(
        category__in=categories, place_path__under=place.path, start__lte=span.end
    ).filter(Q(end__isnull=True) | Q(end__gte=span.start))
    counts = unvisited_counts(members, span.start, span.end)
    coverage = reverse("ledger:visit-coverage")
    gaps = []
    for category in sorted(categories, key=lambda c: VISITED_GROUPS.index(c.code)):
        if not counts.get(category.pk):
            continue
        query = {
            "category": category.pk,
            "place": place.pk,
            "start": span.start.isoformat(),
            "end": span.end.isoformat(),
        }
        gaps.append(
            Unvisited(
                category.name,
                category.code,
                str(_("户") if category.subject == GroupCategory.Subject.HOUSEHOLD else _("人")),
                counts[category.pk],
                f"{coverage}?{urlencode(query)}",
            )
        )
    return gaps


def unreported_half_months(place: Place, span: Span, today: datetime.date) -> int:
    """Half-months of the span that have ended without a dispute screening at a community or
    any of its grids, over the communities under `place` (as the screening ledger marks 未报;
    a grid on its own is not held to it)."""
    if place.kind == PlaceKind.GRID:
        return 0
    periods = half_months(span)
    communities = list(
        Place.objects.filter(path__under=place.path, kind=PlaceKind.COMMUNITY).values_list(
            "path", "retired_on"
        )
    )
    if not communities:
        return 0
    reported = {
        (community_path(path), start)
        for path, start in Screening.objects.filter(
            place_path__under=place.path,
            period_start__gte=periods[0],
            period_start__lte=span.end,
        )
        .values_list("place_path", "period_start")
        .distinct()
    }
    missing = 0
    for path, retired_on in communities:
        for start in periods:
            ended = _half_month_end(start) < today
            retired = retired_on is not None and retired_on <= start
            if ended and not retired and (path, start) not in reported:
                missing += 1
    return missing


def _half_month_end(start: datetime.date) -> datetime.date:
    if start.day == 1:
        return start.replace(day=15)
    following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)
