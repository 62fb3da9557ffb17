from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import has_perm
from areas.kinds import PlaceKind
from areas.models import Place
from shequ.navigation import NAV


def _active_section(path: str, home: str) -> str:
    if path == home:
        return ""
    for item in sorted(NAV, key=lambda i: -len(i.section)):
        if item.section and path.lstrip("/").startswith(item.section):
            return item.section
    return ""


def shell(request: HttpRequest) -> dict:
    """What the layout needs on every page: the menu, and for users above a community the
    places they can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    home = reverse("areas:place-detail", args=[user.place_id]) if user.place_id else ""
    section = _active_section(request.path, home)
    nav = [
        {
            "url": reverse(item.url_name),
            "label": item.label,
            "group": item.group,
            "active": item.section == section,
        }
        for item in NAV
        if has_perm(user, item.perm)
    ]
    switchable = []
    place_kind = user.place.kind if user.place_id else None
    if place_kind in (None, PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT):
        switchable = list(
            Place.objects.visible_to(user)
            .active()
            .filter(kind__in=[PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY])
            .order_by("code")
            .only("id", "name", "kind", "path")
        )
    return {"nav": nav, "switchable_places": switchable}
