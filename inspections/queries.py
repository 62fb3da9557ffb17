"""The inspection and rectification lists' filters, and what a new rectification order is
prefilled with, in one place: the pages and the API both use these, so a filter or a default
means the same on screen and through the API."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from inspections.forms import InspectionFilterForm, RectificationFilterForm
from inspections.models import ChecklistItem, Inspection
from people.models import Rental

ORDER_DAYS = 7  # the usual time given to put a finding right


def filter_inspections(inspections: QuerySet, filters: InspectionFilterForm) -> QuerySet:
    """`inspections` (already scoped) narrowed by a validated InspectionFilterForm."""
    data = filters.cleaned_data
    inspections = filters.period(inspections, "date")
    if area := data.get("area"):
        inspections = inspections.filter(area=area)
    if data.get("result") == "pass":
        inspections = inspections.filter(failures=0)
    elif data.get("result") == "fail":
        inspections = inspections.failed()
    if q := (data.get("q") or "").strip():
        inspections = inspections.filter(target_name__contains=q)
    return inspections


def filter_rectifications(
    orders: QuerySet, filters: RectificationFilterForm, today: datetime.date
) -> QuerySet:
    """`orders` (already scoped) narrowed by a validated RectificationFilterForm."""
    data = filters.cleaned_data
    orders = filters.period(orders, "issued_on")
    state = data.get("state")
    if state == filters.OPEN:
        orders = orders.open().filter(deadline__gte=today)
    elif state == filters.OVERDUE:
        orders = orders.overdue(today)
    elif state == filters.CLOSED:
        orders = orders.filter(closed_on__isnull=False)
    if inspector := data.get("inspector"):
        orders = orders.filter(inspection__inspectors=inspector)
    return orders


def responsible(inspection: Inspection) -> str:
    """Who answers for putting a finding right: the unit with its legal representative (or
    contact), the landlord of a let dwelling."""
    if inspection.unit is not None:
        unit = inspection.unit
        person = unit.legal_representative or unit.contact_name
        return (f"{unit.name}（{person}）" if person else unit.name)[:100]
    if inspection.dwelling is not None:
        rental = (
            Rental.objects.filter(dwelling=inspection.dwelling, start__lte=inspection.date)
            .filter(Q(end__isnull=True) | Q(end__gte=inspection.date))
            .order_by("-start")
            .first()
        )
        if rental is not None:
            return _("房东%(name)s") % {"name": rental.landlord_name}
    return ""


def order_initial(inspection: Inspection, item: ChecklistItem | None, today: datetime.date) -> dict:
    """What the 下达整改通知 form shows filled in: who is responsible, issued today, a week to
    put it right, and for a failing item its label and the inspector's note."""
    initial = {
        "responsible": responsible(inspection),
        "issued_on": today,
        "deadline": today + datetime.timedelta(days=ORDER_DAYS),
    }
    if item is not None:
        answer = inspection.answers.filter(item=item).first()
        note = answer.note if answer else ""
        initial.update(
            item=item.pk, finding=(f"{item.label}：{note}" if note else item.label)[:200]
        )
    return initial
