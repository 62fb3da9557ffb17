"""Inspection ledgers (安全检查台账, 隐患整改台账, 病媒生物防制台账, 责任书台账): column layouts
over the inspections, rectification orders and agreements of a place in a period, registered
beside the other apps' ledgers (DESIGN.md rule 5). Each reads a fixed number of queries
however many rows: inspectors, failing answers, orders, re-checks and room counts come
prefetched."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from areas.kinds import PlaceKind
from areas.models import Place
from inspections.models import (
    Agreement,
    Answer,
    Checklist,
    Inspection,
    Recheck,
    Rectification,
    RoomCount,
)
from people.ledgers import Col, Ledger, Span, register


def _full_place(place: Place) -> str:
    """A grid with its community (甲社区甲一网格): a sub-district's ledger lists many 第一网格."""
    if place.kind == PlaceKind.GRID and place.parent is not None:
        return f"{place.parent.name}{place.name}"
    return place.name


_PLACE = Col(_("社区/网格"), lambda r: _full_place(r.place), 16)


def _day(value: datetime.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


# --- 安全检查台账 and 病媒生物防制台账: inspections in the period --------------------------------


def _inspections(place: Place, span: Span, user) -> QuerySet:
    return (
        Inspection.objects.visible_to(user)
        .filter(place_path__under=place.path, date__gte=span.start, date__lte=span.end)
        .select_related("place__parent", "checklist_version__checklist", "unit", "dwelling")
        .prefetch_related("inspectors")
        .order_by("date", "id")
    )


def _safety(place: Place, span: Span, user) -> QuerySet:
    """Every inspection but the patriotic-health ones, which have their own ledger."""
    return (
        _inspections(place, span, user)
        .exclude(area=Checklist.Area.HYGIENE)
        .prefetch_related(
            Prefetch(
                "answers",
                Answer.objects.filter(failed=True).select_related("item"),
                to_attr="failed_answers",
            ),
            Prefetch(
                "rectifications",
                Rectification.objects.order_by("issued_on", "id"),
                to_attr="orders",
            ),
        )
    )


def _monitored(place: Place, span: Span, user) -> QuerySet:
    """Inspections with monitoring counts: rooms of some kind, or the outdoor walk."""
    counted = RoomCount.objects.filter(inspection=OuterRef("pk"))
    return (
        _inspections(place, span, user)
        .filter(Q(Exists(counted)) | Q(outdoor_metres__isnull=False))
        .prefetch_related("room_counts")
    )


def _address(i: Inspection) -> str:
    if i.unit_id:
        return i.unit.address
    if i.dwelling_id:
        return i.dwelling.address
    return ""


def _failing(i: Inspection) -> str:
    return "；".join(
        f"{a.item.label}（{a.note}）" if a.note else a.item.label for a in i.failed_answers
    )


def _count(category: str, field: str) -> Callable[[Inspection], int | None]:
    """One kind of premises' count; blank when that kind was not checked."""

    def get(i: Inspection) -> int | None:
        for row in i.room_counts.all():
            if row.category == category:
                return getattr(row, field)
        return None

    return get


def _total(field: str) -> Callable[[Inspection], int | None]:
    def get(i: Inspection) -> int | None:
        rows = i.room_counts.all()
        return sum(getattr(r, field) for r in rows) if rows else None

    return get


_COUNTED = (
    ("rooms", _("检查房间数")),
    ("positive", _("鼠迹阳性房间数")),
    ("unproofed", _("防鼠设施不合格房间数")),
)


def _count_columns() -> list[Col]:
    columns = [
        Col(format_lazy("{}{}", category, label), _count(category, field), 10)
        for category in RoomCount.Category.values
        for field, label in _COUNTED
    ]
    total = _("合计")
    columns += [
        Col(format_lazy("{}{}", total, label), _total(field), 10) for field, label in _COUNTED
    ]
    return columns


# --- 隐患整改台账: orders issued in the period ----------------------------------------------------


def _orders(place: Place, span: Span, user) -> QuerySet:
    return (
        Rectification.objects.visible_to(user)
        .filter(place_path__under=place.path, issued_on__gte=span.start, issued_on__lte=span.end)
        .select_related("place__parent", "inspection")
        .prefetch_related(Prefetch("rechecks", Recheck.objects.order_by("date", "id")))
        .order_by("issued_on", "id")
    )


def _rechecks(r: Rectification) -> str:
    lines = []
    for check in r.rechecks.all():
        if check.passed:
            lines.append(_("%(day)s复查：已整改到位") % {"day": _day(check.date)})
        else:
            lines.append(
                _("%(day)s复查：未整改到位，延期至%(until)s")
                % {"day": _day(check.date), "until": _day(check.new_deadline)}
            )
    return "\n".join(lines)


def _on_time(r: Rectification) -> str:
    """是 / 否 once put right; 逾期未整改 while open past its deadline; blank while in time."""
    if r.on_time is None:
        return str(_("逾期未整改")) if r.is_overdue() else ""
    return str(_("是")) if r.on_time else str(_("否"))


# --- 责任书台账: agreements signed in the period or in force at some moment of it ----------------


def _agreements(place: Place, span: Span, user) -> QuerySet:
    signed = Q(signed_on__gte=span.start, signed_on__lte=span.end)
    in_force = Q(starts_on__lte=span.end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=span.start))
    return (
        Agreement.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .filter(signed | in_force)
        .select_related("place__parent")
        .order_by("signed_on", "id")
    )


def _standing(a: Agreement) -> str:
    """On the ledger's last day: 有效, 已过期 or 未生效."""
    day = a.on_day
    if a.starts_on > day:
        return str(_("未生效"))
    return str(_("有效")) if a.in_force_on(day) else str(_("已过期"))


def _party_kind(a: Agreement) -> str:
    return str(_("辖区单位")) if a.unit_id else str(_("出租房屋"))


def register_all() -> None:
    register(
        Ledger(
            code="safety_inspections",
            title=_("安全检查台账"),
            description=_(
                "期间内的消防安全、出租房屋、食品卫生等检查（爱国卫生检查见病媒生物防制台账），"
                "及其不合格项目和整改通知"
            ),
            source=_safety,
            period=True,
            columns=[
                Col(_("检查日期"), lambda i: i.date, 12),
                Col(_("检查对象"), lambda i: i.target_name, 20),
                Col(_("地址"), _address, 24),
                Col(_("检查领域"), lambda i: i.get_area_display(), 10),
                Col(_("检查表"), lambda i: str(i.checklist_version), 20),
                Col(_("检查人员"), lambda i: i.inspector_names(), 16),
                Col(_("检查结果"), lambda i: i.result, 8),
                Col(_("不合格项数"), lambda i: i.failures, 8),
                Col(_("不合格项目"), _failing, 36),
                Col(
                    _("整改通知"),
                    lambda i: "、".join(o.number for o in i.orders),
                    16,
                    as_text=True,
                ),
                Col(_("检查情况"), lambda i: i.notes, 30),
                _PLACE,
            ],
        )
    )
    register(
        Ledger(
            code="rectifications",
            title=_("隐患整改台账"),
            description=_("期间内下达的整改通知，及其复查、整改完成和按期情况"),
            source=_orders,
            period=True,
            columns=[
                Col(_("编号"), lambda r: r.number, 16, as_text=True),
                Col(_("下达日期"), lambda r: r.issued_on, 12),
                Col(_("检查对象"), lambda r: r.inspection.target_name, 20),
                Col(_("存在问题"), lambda r: r.finding, 30),
                Col(_("整改要求"), lambda r: r.requirement, 24),
                Col(_("整改责任单位/责任人"), lambda r: r.responsible, 16),
                Col(_("整改期限"), lambda r: r.first_deadline, 12),
                Col(
                    _("延期至"),
                    lambda r: r.deadline if r.deadline != r.first_deadline else None,
                    12,
                ),
                Col(_("复查情况"), _rechecks, 36),
                Col(_("整改完成日期"), lambda r: r.closed_on, 12),
                Col(_("是否按期"), _on_time, 10),
                Col(_("状态"), lambda r: r.state, 10),
                _PLACE,
            ],
        )
    )
    register(
        Ledger(
            code="vector_control",
            title=_("病媒生物防制台账"),
            description=_(
                "期间内填写了病媒生物监测数的检查：各类房间的检查数、鼠迹阳性数、防鼠设施"
                "不合格数，外环境检查长度和鼠洞数"
            ),
            source=_monitored,
            period=True,
            columns=[
                Col(_("检查日期"), lambda i: i.date, 12),
                Col(_("检查场所/对象"), lambda i: i.target_name, 20),
                *_count_columns(),
                Col(_("外环境检查长度（米）"), lambda i: i.outdoor_metres, 10),
                Col(_("鼠洞数（个）"), lambda i: i.burrows, 8),
                Col(_("检查人员"), lambda i: i.inspector_names(), 16),
                _PLACE,
            ],
        )
    )
    register(
        Ledger(
            code="agreements",
            title=_("责任书台账"),
            description=_(
                "期间内签订或在有效期内的责任书、承诺书；状态按截止日期计（有效、已过期、未生效）"
            ),
            source=_agreements,
            period=True,
            columns=[
                Col(_("类型"), lambda a: a.kind, 16),
                Col(_("签订方"), lambda a: a.party_name, 28),
                Col(_("签订对象"), _party_kind, 10),
                Col(_("签字人"), lambda a: a.signer, 10),
                Col(_("签订日期"), lambda a: a.signed_on, 12),
                Col(_("有效期自"), lambda a: a.starts_on, 12),
                Col(_("有效期至"), lambda a: a.ends_on or str(_("长期")), 12),
                Col(_("状态"), _standing, 8),
                Col(_("扫描件"), lambda a: str(_("有")) if a.scan_stored_as else "", 8),
                _PLACE,
            ],
        )
    )
