"""Households, campaigns and stock for the programs tests."""

from __future__ import annotations

import datetime
import itertools

from people import services as people
from people.models import GroupCategory
from people.tests.factories import resident

_numbers = itertools.count(1)
SINCE = datetime.date(2020, 1, 1)


def household(place, *, members: int = 1, registration: str = "户籍", head_name: str = "户主"):
    """A household of `place` with a head and `members - 1` more members since 2020."""
    head = resident(place, f"{head_name}{next(_numbers)}")
    home = people.create_household(
        number=f"H-{next(_numbers)}",
        place=place,
        head=head,
        since=SINCE,
        registration=registration,
        by=None,
    )
    for n in range(members - 1):
        member = resident(place, f"成员{n}", birth=datetime.date(1990 + n, 1, 1))
        people.move_in(home, member, relation="子", since=SINCE, by=None)
    return home


def dibao(home, *, start=SINCE):
    return people.add_membership(
        GroupCategory.objects.get(code="dibao"),
        household=home,
        start=start,
        attributes={"monthly_amount": "800", "covered_persons": "2"},
        by=None,
    )
