"""The campaign and assistance lists' filters, in one place: the list pages and the API's
lists both narrow their rows with these, so a filter means the same on screen and through the
API."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from programs.forms import CampaignFilterForm


def filter_campaigns(campaigns: QuerySet, chosen: dict, today: datetime.date) -> QuerySet:
    """`campaigns` (already scoped) by a CampaignFilterForm's cleaned data."""
    if year := chosen.get("year"):
        campaigns = campaigns.filter(starts_on__year__lte=year, ends_on__year__gte=year)
    if place := chosen.get("place"):
        campaigns = campaigns.filter(place_path__under=place.path)
    state = chosen.get("state")
    if state == CampaignFilterForm.OPEN:
        campaigns = campaigns.filter(ends_on__gte=today)
    elif state == CampaignFilterForm.CLOSED:
        campaigns = campaigns.filter(ends_on__lt=today)
    return campaigns


def filter_assistance(aids: QuerySet, chosen: dict) -> QuerySet:
    """`aids` (already scoped) by an AssistanceFilterForm's cleaned data."""
    if start := chosen.get("start"):
        aids = aids.filter(date__gte=start)
    if end := chosen.get("end"):
        aids = aids.filter(date__lte=end)
    if kind := chosen.get("kind"):
        aids = aids.filter(kind=kind)
    if source := chosen.get("source"):
        aids = aids.filter(source=source)
    if place := chosen.get("place"):
        aids = aids.filter(place_path__under=place.path)
    if q := chosen.get("q", "").strip():
        aids = aids.filter(
            Q(household__number=q)
            | Q(household__head__name__startswith=q)
            | Q(resident__name__startswith=q)
        )
    return aids
