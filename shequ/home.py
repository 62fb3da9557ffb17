"""The figures on a place's home page: what each work area has recorded under that place. Each
app that records something adds its figures here; every figure links to its records."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Perm, has_perm
from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place
from people.models import Household, Membership, Resident
from people.queries import years_ago


@dataclass(frozen=True)
class Tile:
    label: str
    value: int | str  # a count, or a rate already written out ("84.7%")
    url: str = ""
    attention: bool = False  # something waits to be done (overdue cases…)


def _places(user, place: Place) -> list[Tile]:
    counts = dict(
        Place.objects.under(place)
        .active()
        .exclude(pk=place.pk)
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    order = PlaceKind.values
    return [
        Tile(str(PlaceKind(kind).label), counts.get(kind, 0))
        for kind in (PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY, PlaceKind.GRID)
        if order.index(kind) > order.index(place.kind)
    ]


def _registry(user, place: Place) -> list[Tile]:
    if not has_perm(user, Perm.VIEW_RECORDS):
        return []
    residents_url = reverse("people:resident-list")
    query = urlencode({"place": place.pk, "status": "在住"})
    elderly_since = years_ago(timezone.localdate(), 60)
    people = (
        Resident.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .aggregate(
            present=Count("id", filter=Q(status="在住")),
            elderly=Count("id", filter=Q(status="在住", birth_date__lte=elderly_since)),
        )
    )
    households = (
        Household.objects.visible_to(user)
        .filter(place_path__under=place.path, dissolved_on__isnull=True)
        .count()
    )
    groups = (
        Membership.objects.visible_to(user).current().filter(place_path__under=place.path).count()
    )
    units = (
        LocalUnit.objects.visible_to(user)
        .filter(place_path__under=place.path, closed_on__isnull=True)
        .count()
    )
    return [
        Tile(_("在住居民"), people["present"], f"{residents_url}?{query}"),
        Tile(_("60岁以上"), people["elderly"], f"{residents_url}?{query}&age=60-"),
        Tile(_("户"), households, reverse("people:household-list")),
        Tile(_("重点人群在册"), groups),
        Tile(_("辖区单位"), units),
    ]


# Apps that record more add their providers when they load (the reports app: the year's key
# figures and what needs attention).
PROVIDERS = [_places, _registry]


def tiles(user, place: Place) -> list[Tile]:
    return [tile for provider in PROVIDERS for tile in provider(user, place)]
