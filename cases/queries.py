"""The case list's filters, in one place: the case list page and the API's case list both
narrow cases with `select_cases`, so a filter means the same on screen and through the API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.roles import Perm, has_perm
from cases.flows import FLOWS, SUPERVISION_KINDS


def kinds_for(user) -> list[str]:
    """The kinds this user may see: supervision files only with judicial data."""
    judicial = has_perm(user, Perm.VIEW_JUDICIAL)
    return [k for k in FLOWS if judicial or k not in SUPERVISION_KINDS]


@dataclass(frozen=True)
class CaseSelection:
    listed: QuerySet  # every filter applied: the rows of the list
    in_year: QuerySet  # kind, place and year, before state and overdue (the state counts)
    received: QuerySet  # kind and place, received in the year (the tiles' totals and rates)


def select_cases(
    cases: QuerySet, chosen: dict, today: datetime.date | None = None
) -> CaseSelection:
    """`cases` (already scoped to the user) narrowed by a CaseFilterForm's cleaned data. A year
    keeps the cases open at some time in it (those carried over from earlier years too)."""
    if kind := chosen.get("kind"):
        cases = cases.filter(kind=kind)
    if place := chosen.get("place"):
        cases = cases.filter(place_path__under=place.path)
    received = cases
    if year := chosen.get("year"):
        received = cases.filter(received_at__year=year)  # a range on the column, in local time
        cases = cases.filter(received_at__year__lte=year).filter(
            Q(closed_at__isnull=True) | Q(closed_at__year__gte=year)
        )
    in_year = cases
    if state := chosen.get("state"):
        cases = cases.filter(state=state)
    if chosen.get("overdue"):
        cases = cases.overdue(today)
    return CaseSelection(listed=cases, in_year=in_year, received=received)
