"""Assistance, donation drives and supplies for the view tests and the access matrix: each made
once per world, inside the home community."""

from __future__ import annotations

import datetime

from django.utils import timezone

from programs import services
from programs.tests.factories import household


def home(w):
    """A household of the home grid with two members (made once)."""
    if not hasattr(w, "aid_household"):
        w.aid_household = household(w.grid, members=2, head_name="李")
    return w.aid_household


def assistance(w):
    """A 慰问金 of 300 yuan to the home household (made once)."""
    if not hasattr(w, "aid"):
        w.aid = services.give_assistance(
            services.AssistanceData(
                "慰问金", "社区", timezone.localdate(), amount="300", household=home(w)
            ),
            by=None,
        )
    return w.aid


def drive(w):
    """A donation drive of the home community (made once)."""
    if not hasattr(w, "drive"):
        w.drive = services.open_drive(
            name="爱心捐赠",
            place=w.community,
            starts_on=timezone.localdate() - datetime.timedelta(days=10),
            by=None,
        )
    return w.drive


def item(name: str = "口罩", unit: str = "个"):
    from programs.models import SupplyItem

    found = SupplyItem.objects.filter(name=name).first()
    return found or services.add_supply_item(name=name, unit=unit, by=None)


def receive(place, quantity="10", *, name: str = "口罩", day=None):
    return services.move_supplies(
        place,
        services.MoveData(
            item(name), "采购入库", quantity, day or timezone.localdate(), counterpart="药店"
        ),
        by=None,
    )


def gift(w):
    """A gift of 500 yuan into the matrix drive (made once)."""
    if not hasattr(w, "gift"):
        w.gift = services.record_donation(
            drive(w),
            services.DonationData("in", timezone.localdate(), party_name="张三", money="500"),
            by=None,
        )
    return w.gift


def move(w):
    """A receipt of 10 masks at the home community's store (made once)."""
    if not hasattr(w, "move"):
        w.move = receive(w.community)
    return w.move
