from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    """The levels of the place tree, top down."""

    DISTRICT = "district", _("区")
    SUBDISTRICT = "subdistrict", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


# Which kind of place may sit directly under which.
PARENT_KIND: dict[PlaceKind, PlaceKind | None] = {
    PlaceKind.DISTRICT: None,
    PlaceKind.SUBDISTRICT: PlaceKind.DISTRICT,
    PlaceKind.COMMUNITY: PlaceKind.SUBDISTRICT,
    PlaceKind.GRID: PlaceKind.COMMUNITY,
}
CHILD_KIND: dict[PlaceKind, PlaceKind | None] = {
    PlaceKind.DISTRICT: PlaceKind.SUBDISTRICT,
    PlaceKind.SUBDISTRICT: PlaceKind.COMMUNITY,
    PlaceKind.COMMUNITY: PlaceKind.GRID,
    PlaceKind.GRID: None,
}
