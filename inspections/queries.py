"""The inspection and rectification lists' filters, in one place: the list pages and the API's
lists both narrow their rows with these, so a filter means the same on screen and through the
API."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from inspections.forms import InspectionFilterForm, RectificationFilterForm


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
