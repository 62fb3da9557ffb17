"""Programs ledgers (评选台账, 荣誉台账, 救助台账, 捐赠台账, 物资台账, 议事协商台账): column
layouts over the programs' tables for any place and period, registered beside the registry's,
the work records' and the cases' ledgers (DESIGN.md rule 5). Each reads a fixed number of
queries however many rows: what a column needs comes joined, prefetched or annotated.

The ledger pages show no links from a row, so none are built here."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as If
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.kinds import PlaceKind
from areas.models import Place
from people.ledgers import Col, Ledger, Span, register
from people.models import Residence
from programs.models import (
    Application,
    Assistance,
    Deliberation,
    Donation,
    DonationDrive,
    Honour,
    Opinion,
    SupplyMove,
)

ZERO = Decimal("0")
SENSITIVE = {"sensitive": True, "as_text": True}  # masked unless the user may see it in full


def _full_place(place: Place) -> str:
    """A grid with its community (柳岸社区第一网格): a sub-district's ledger lists many 第一网格."""
    if place.kind == PlaceKind.GRID and place.parent is not None:
        return f"{place.parent.name}{place.name}"
    return place.name


def _in_span(field: str, span: Span) -> Q:
    return Q(**{f"{field}__gte": span.start, f"{field}__lte": span.end})


def _within(user, *paths: str) -> Q:
    """Rows whose place (through any of `paths`) lies in the user's place."""
    inside = Q()
    for path in paths:
        inside |= Q(**{f"{path}__under": user.scope_path})
    return inside


def _name(get: Callable[[Any], Any]) -> Callable[[Any], str]:
    def read(record: Any) -> str:
        who = get(record)
        return who.name if who is not None else ""

    return read


def _yes_no(value: bool) -> str:
    return str(_("是")) if value else str(_("否"))


def _period(start: datetime.date | None, end: datetime.date | None) -> str:
    """2026年01月 for a whole calendar month, else 起—止 as given."""
    if start and end:
        whole_month = start.day == 1 and (end + datetime.timedelta(days=1)).day == 1
        if whole_month and (start.year, start.month) == (end.year, end.month):
            return f"{start:%Y年%m月}"
        return f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"
    if start:
        return _("%(day)s起") % {"day": f"{start:%Y-%m-%d}"}
    if end:
        return _("至%(day)s") % {"day": f"{end:%Y-%m-%d}"}
    return ""


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


# Voided rows stay in the ledgers, so an auditor sees what was entered and why it no longer
# counts; their amounts and quantities move into the 更正/作废 note, so a column adds up to
# the totals, and running balances leave them out.


def _live(row, value):
    return None if row.voided_at else value


def _voided_or_corrected(what: Callable[[Any], str]) -> Callable[[Any], str]:
    """The row's 更正/作废 note: why and by whom it was voided, with what it said (`what`), or
    which entry it corrects."""

    def note(row) -> str:
        if row.voided_at:
            who = row.voided_by.name if row.voided_by else ""
            return _("已作废：%(why)s（%(who)s %(day)s）；原%(what)s") % {
                "why": row.void_reason,
                "who": who,
                "day": f"{timezone.localtime(row.voided_at):%Y-%m-%d}",
                "what": what(row),
            }
        if row.replaces_id:
            old = row.replaces
            return _("更正%(day)s的原记录（%(why)s）") % {
                "day": f"{old.date:%Y-%m-%d}",
                "why": old.void_reason,
            }
        return ""

    return note


# --- 评选台账: every application made in the period by a household or unit of the place.


def _applications(place: Place, span: Span, user) -> QuerySet:
    """By where the applicant lives or works, so a community's ledger also lists its
    households' applications to a campaign its sub-district runs."""
    under = Q(household__place_path__under=place.path) | Q(unit__place_path__under=place.path)
    qs = Application.objects.filter(under, _in_span("applied_on", span))
    if user.scope_path:
        qs = qs.filter(_within(user, "household__place_path", "unit__place_path"))
    return qs.select_related(
        "campaign",
        "household__place__parent",
        "unit__place__parent",
        "reviewed_by",
        "shortlisted_by",
        "voided_by",
    ).order_by("campaign__starts_on", "campaign_id", "applied_on", "id")


def _values(a: Application) -> str:
    """申报数据 as the campaign asked for it: 全年用水量 96吨."""
    shown = []
    for key, label, unit in a.campaign.field_list():
        if key in a.values:
            shown.append(f"{label} {_plain(Decimal(a.values[key]))}{unit}")
    return "；".join(shown)


def _applicant_place(a: Application) -> str:
    applicant = a.household or a.unit
    return _full_place(applicant.place) if applicant is not None else ""


def _stage(a: Application) -> str:
    if a.voided_at:
        return _("已撤回（%(why)s，原为%(stage)s）") % {
            "why": a.void_reason,
            "stage": a.get_stage_display(),
        }
    return a.get_stage_display()


def _certificate(a: Application) -> str:
    return _yes_no(a.certificate) if a.stage == Application.Stage.AWARDED else ""


# --- 荣誉台账.


def _honours(place: Place, span: Span, user) -> QuerySet:
    return (
        Honour.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .filter(_in_span("date", span))
        .select_related("place__parent", "unit", "staff")
        .order_by("date", "id")
    )


def _honour_holder(h: Honour) -> str:
    if h.recipient == Honour.Recipient.UNIT:
        return h.unit.name
    if h.recipient == Honour.Recipient.STAFF:
        return h.staff.name
    return _full_place(h.place)


# --- 救助台账: aid tied to a health group only for the roles that may see that group.


def _address_on_aid_day() -> Subquery:
    """Where a resident given aid lived on the day it was given."""
    return Subquery(
        Residence.objects.filter(resident=OuterRef("resident_id"), since__lte=OuterRef("date"))
        .filter(Q(until__isnull=True) | Q(until__gte=OuterRef("date")))
        .order_by("-since")
        .values("household__dwelling__address")[:1]
    )


def _assistance(place: Place, span: Span, user) -> QuerySet:
    return (
        Assistance.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .filter(_in_span("date", span))
        .select_related(
            "place__parent",
            "household__head",
            "resident",
            "membership__category",
            "voided_by",
            "replaces",
        )
        .annotate(
            address=Coalesce("household__dwelling__address", _address_on_aid_day(), Value(""))
        )
        .order_by("date", "id")
    )


def _recipient(a: Assistance):
    """The person the aid went to: the resident, or the household's head."""
    return a.resident or (a.household.head if a.household else None)


def _recipient_field(name: str) -> Callable[[Assistance], str]:
    def get(a: Assistance) -> str:
        person = _recipient(a)
        return getattr(person, name) if person is not None else ""

    return get


def _household_number(a: Assistance) -> str:
    return a.household.number if a.household else ""


def _aid_given(a: Assistance) -> str:
    money = _("金额%(m)s元") % {"m": a.amount} if a.amount else ""
    return "，".join(part for part in (money, a.goods) if part)


def _basis(a: Assistance) -> str:
    return a.membership.category.name if a.membership else ""


# --- 捐赠台账: every entry of the place's drives with the drive's balance after it.


def _signed(field: str) -> If:
    return If(
        When(direction=Donation.Direction.IN, then=F(field)),
        default=-F(field),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _running(field: str, *, same_item: bool = False) -> Coalesce:
    """What the drive held (money, or the entry's item) after this entry: every entry of the
    drive up to it, by date then by the order entered — the periods before the ledger's
    included."""
    earlier = Donation.objects.filter(drive=OuterRef("drive_id"), voided_at__isnull=True).filter(
        Q(date__lt=OuterRef("date")) | Q(date=OuterRef("date"), id__lte=OuterRef("id"))
    )
    if same_item:
        earlier = earlier.filter(item=OuterRef("item"))
    total = earlier.order_by().values("drive").annotate(total=Sum(_signed(field))).values("total")
    return Coalesce(
        Subquery(total[:1]), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2)
    )


def _donations(place: Place, span: Span, user) -> QuerySet:
    drives = DonationDrive.objects.visible_to(user).filter(place_path__under=place.path)
    return (
        Donation.objects.filter(drive__in=drives)
        .filter(_in_span("date", span))
        .select_related("drive", "created_by", "voided_by", "replaces")
        .annotate(money_left=_running("money"), item_left=_running("quantity", same_item=True))
        .order_by("drive__starts_on", "drive_id", "date", "id")
    )


def _money(direction: str) -> Callable[[Donation], Decimal | None]:
    def get(d: Donation) -> Decimal | None:
        return d.money if d.direction == direction and d.money and not d.voided_at else None

    return get


def _quantity(direction: str) -> Callable[[Donation], Decimal | None]:
    def get(d: Donation) -> Decimal | None:
        return d.quantity if d.direction == direction and d.item and not d.voided_at else None

    return get


def _entry_given(d: Donation) -> str:
    money = _("金额%(m)s元") % {"m": d.money} if d.money else ""
    item = f"{d.item}{_plain(d.quantity)}{d.item_unit}" if d.item else ""
    return "，".join(part for part in (money, item) if part)


# --- 物资台账: every receipt and issue with the stock after it.


def _supplies(place: Place, span: Span, user) -> QuerySet:
    """Item by item in date order (then as entered): each move's 结存 is the stock it left, as
    a correction dated back rewrites the 结存 after it."""
    return (
        SupplyMove.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .filter(_in_span("date", span))
        .select_related(
            "place__parent", "item", "campaign", "record", "created_by", "voided_by", "replaces"
        )
        .order_by("place_path", "item__name", "date", "id")
    )


def _move(issue: bool) -> Callable[[SupplyMove], Decimal | None]:
    def get(m: SupplyMove) -> Decimal | None:
        return m.quantity if m.is_issue == issue and not m.voided_at else None

    return get


def _moved(m: SupplyMove) -> str:
    return f"{m.get_kind_display()}{_plain(m.quantity)}{m.item.unit}"


def _use(m: SupplyMove) -> str:
    if m.campaign is not None:
        return _("评选：%(name)s") % {"name": m.campaign.name}
    if m.record is not None:
        return _("活动：%(title)s（%(day)s）") % {
            "title": m.record.title,
            "day": f"{m.record.date:%Y-%m-%d}",
        }
    return ""


# --- 议事协商台账: the meetings, the opinions taken to them, decisions and publication.


def _deliberations(place: Place, span: Span, user) -> QuerySet:
    opinions = Opinion.objects.order_by("date", "id")
    if user.scope_path:
        # A sub-district's meeting may take opinions from several communities; a worker of
        # one of them reads the others' without the name of who gave them.
        opinions = opinions.annotate(
            shown=ExpressionWrapper(_within(user, "place_path"), output_field=BooleanField())
        )
    return (
        Deliberation.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .filter(_in_span("date", span))
        .select_related("place__parent", "record")
        .prefetch_related(Prefetch("opinions", opinions))
        .order_by("date", "id")
    )


def _opinion_line(o: Opinion) -> str:
    who = o.from_name if getattr(o, "shown", True) else str(_("辖区外居民"))
    return f"{o.date:%Y-%m-%d} {who or _('匿名')}：{o.content}"


def _opinions(d: Deliberation) -> str:
    return "\n".join(f"{n}. {_opinion_line(o)}" for n, o in enumerate(d.opinions.all(), 1))


def _meeting(d: Deliberation) -> str:
    if d.record is None:
        return ""
    return f"{d.record.date:%Y-%m-%d} {d.record.title}"


def _published(d: Deliberation) -> str:
    return str(_("已公示")) if d.published_on else str(_("未公示"))


def register_all() -> None:
    register(
        Ledger(
            code="applications",
            title=_("评选台账"),
            description=_("期间内本区划的家庭和单位申报评选的情况：初审、入围和授牌"),
            source=_applications,
            period=True,
            columns=[
                Col(_("评选活动"), lambda a: a.campaign.name, 16),
                Col(_("评选对象"), lambda a: a.campaign.get_subject_display(), 10),
                Col(_("申报对象"), lambda a: a.applicant_name, 24),
                Col(_("户内人数"), lambda a: a.members, 8),
                Col(_("申报日期"), lambda a: a.applied_on, 12),
                Col(_("申报数据"), _values, 24),
                Col(_("阶段"), _stage, 14),
                Col(_("初审意见"), lambda a: a.reason, 30),
                Col(_("初审日期"), lambda a: a.reviewed_on, 12),
                Col(_("初审人"), _name(lambda a: a.reviewed_by), 10),
                Col(_("入围评审意见"), lambda a: a.shortlist_reason, 30),
                Col(_("入围评审日期"), lambda a: a.shortlisted_on, 12),
                Col(_("入围评审人"), _name(lambda a: a.shortlisted_by), 10),
                Col(_("授牌日期"), lambda a: a.awarded_on, 12),
                Col(_("已发证书/牌匾"), _certificate, 10),
                Col(_("社区/网格"), _applicant_place, 16),
            ],
        )
    )
    register(
        Ledger(
            code="honours",
            title=_("荣誉台账"),
            description=_("期间内社区、辖区单位和社区工作者获得的荣誉"),
            source=_honours,
            period=True,
            columns=[
                Col(_("荣誉名称"), lambda h: h.title, 30),
                Col(_("级别"), lambda h: h.level, 8),
                Col(_("授予单位"), lambda h: h.issuer, 24),
                Col(_("授予日期"), lambda h: h.date, 12),
                Col(_("获得者类型"), lambda h: h.get_recipient_display(), 12),
                Col(_("获得者"), _honour_holder, 20),
                Col(_("证书扫描件"), lambda h: _yes_no(bool(h.scan_stored_as)), 10),
                Col(_("备注"), lambda h: h.notes, 24),
            ],
        )
    )
    register(
        Ledger(
            code="assistance",
            title=_("救助台账"),
            description=_(
                "期间内发放的低保金、补贴、慰问金和物资；依据残疾等健康类人群发放的，"
                "只有可查看该人群的角色能看到"
            ),
            source=_assistance,
            period=True,
            columns=[
                Col(_("发放日期"), lambda a: a.date, 12),
                Col(_("救助类型"), lambda a: a.get_kind_display(), 10),
                Col(_("资金/物资来源"), lambda a: a.get_source_display(), 12),
                Col(_("受助人"), _recipient_field("name"), 10),
                Col(_("身份证号码"), _recipient_field("id_number"), 21, **SENSITIVE),
                Col(_("户号"), _household_number, 12, as_text=True),
                Col(_("住址"), lambda a: a.address, 26),
                Col(_("联系电话"), _recipient_field("phone"), 14, **SENSITIVE),
                Col(_("依据的人群"), _basis, 12),
                Col(_("金额（元）"), lambda a: _live(a, a.amount or None), 12, total=True),
                Col(_("物资"), lambda a: _live(a, a.goods), 16),
                Col(_("所属期间"), lambda a: _period(a.period_start, a.period_end), 22),
                Col(_("备注"), lambda a: a.notes, 24),
                Col(_("更正/作废"), _voided_or_corrected(_aid_given), 30),
                Col(_("社区/网格"), lambda a: _full_place(a.place), 16),
            ],
        )
    )
    register(
        Ledger(
            code="donations",
            title=_("捐赠台账"),
            description=_("期间内各募捐活动的捐入和发放，及每笔之后的结余"),
            source=_donations,
            period=True,
            columns=[
                Col(_("募捐活动"), lambda d: d.drive.name, 18),
                Col(_("日期"), lambda d: d.date, 12),
                Col(_("摘要"), lambda d: d.get_direction_display(), 8),
                Col(_("捐赠人/受赠人"), lambda d: d.party_name, 20),
                Col(_("捐入金额（元）"), _money(Donation.Direction.IN), 12, total=True),
                Col(_("发放金额（元）"), _money(Donation.Direction.OUT), 12, total=True),
                Col(_("结余金额（元）"), lambda d: _live(d, d.money_left), 12),
                Col(_("物品"), lambda d: d.item, 12),
                Col(_("捐入数量"), _quantity(Donation.Direction.IN), 10),
                Col(_("发放数量"), _quantity(Donation.Direction.OUT), 10),
                Col(_("计量单位"), lambda d: d.item_unit, 8),
                Col(_("该物品结余"), lambda d: _live(d, d.item_left if d.item else None), 10),
                Col(_("备注"), lambda d: d.notes, 24),
                Col(_("更正/作废"), _voided_or_corrected(_entry_given), 30),
                Col(_("登记人"), _name(lambda d: d.created_by), 10),
            ],
        )
    )
    register(
        Ledger(
            code="supplies",
            title=_("物资台账"),
            description=_("期间内物资的入库和出库，按物资和日期先后排列，结存为该笔之后的库存"),
            source=_supplies,
            period=True,
            columns=[
                Col(_("物资名称"), lambda m: m.item.name, 12),
                Col(_("计量单位"), lambda m: m.item.unit, 8),
                Col(_("日期"), lambda m: m.date, 12),
                Col(_("类型"), lambda m: m.get_kind_display(), 10),
                Col(_("入库数量"), _move(False), 10),
                Col(_("出库数量"), _move(True), 10),
                Col(_("结存"), lambda m: _live(m, m.balance), 10),
                Col(_("来源/去向"), lambda m: m.counterpart, 22),
                Col(_("用途"), _use, 26),
                Col(_("经手人"), _name(lambda m: m.created_by), 10),
                Col(_("备注"), lambda m: m.notes, 24),
                Col(_("更正/作废"), _voided_or_corrected(_moved), 30),
                Col(_("社区/街道"), lambda m: _full_place(m.place), 14),
            ],
        )
    )
    register(
        Ledger(
            code="deliberations",
            title=_("议事协商台账"),
            description=_("期间内的议事协商会议，提交协商的居民意见、协商结果和公示情况"),
            source=_deliberations,
            period=True,
            columns=[
                Col(_("协商日期"), lambda d: d.date, 12),
                Col(_("议题"), lambda d: d.topic, 24),
                Col(_("会议记录"), _meeting, 24),
                Col(_("参加人数"), lambda d: d.participants, 8),
                Col(_("意见条数"), lambda d: len(d.opinions.all()), 8),
                Col(_("提交协商的居民意见"), _opinions, 40),
                Col(_("协商结果"), lambda d: d.decision, 36),
                Col(_("公示情况"), _published, 8),
                Col(_("公示日期"), lambda d: d.published_on, 12),
                Col(_("社区/网格"), lambda d: _full_place(d.place), 16),
            ],
        )
    )
