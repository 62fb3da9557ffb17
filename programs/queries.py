"""The campaign, assistance, donation-drive and supply-move lists' filters and a drive's
holdings, in one place: the pages and the API both use these, so a filter or a total means the
same on screen and through the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from programs import services
from programs.forms import CampaignFilterForm
from programs.models import DonationDrive


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


def drives_with_totals(drives: QuerySet) -> QuerySet:
    """`drives` (already scoped), each with the money it took in and handed out (voided
    entries left out) and how many gifts it had."""
    zero = Decimal("0")
    live = Q(entries__voided_at__isnull=True)
    return drives.annotate(
        money_in=Sum("entries__money", filter=live & Q(entries__direction="in"), default=zero),
        money_out=Sum("entries__money", filter=live & Q(entries__direction="out"), default=zero),
        gifts=Count("entries", filter=live & Q(entries__direction="in")),
    )


def filter_moves(moves: QuerySet, chosen: dict) -> QuerySet:
    """`moves` (already scoped) by a MoveFilterForm's cleaned data."""
    if place := chosen.get("place"):
        moves = moves.filter(place_path__under=place.path)
    if item := chosen.get("item"):
        moves = moves.filter(item=item)
    if kind := chosen.get("kind"):
        moves = moves.filter(kind=kind)
    if start := chosen.get("start"):
        moves = moves.filter(date__gte=start)
    if end := chosen.get("end"):
        moves = moves.filter(date__lte=end)
    return moves


def drive_holdings(drive: DonationDrive) -> tuple[Decimal, list[dict]]:
    """The money a drive holds (its live entries), and each item with what came in, went out
    and is left."""
    balance = services.balance(drive)
    items: dict[str, dict] = {}
    for row in (
        drive.live_entries()
        .exclude(item="")
        .values("item", "direction", "item_unit")
        .annotate(q=Sum("quantity"))
        .order_by("item")
    ):
        entry = items.setdefault(row["item"], {"item": row["item"], "unit": "", "in": 0, "out": 0})
        entry[row["direction"]] += row["q"]
        entry["unit"] = entry["unit"] or row["item_unit"]
    for name, entry in items.items():
        entry["left"] = balance.get(name, Decimal("0"))
    return balance.get("", Decimal("0")), list(items.values())
