"""Every list refuses a cursor that names no row the user can see in it (400 "游标无效"),
rather than answering its first page as if nothing were wrong."""

from __future__ import annotations

import datetime

import pytest

from accounts.roles import Role
from inspections.tests.factories import shop
from people import services as people
from people.models import GroupCategory
from people.tests.factories import resident

LISTS = [
    "/api/v1/places/",
    "/api/v1/residents/",
    "/api/v1/households/",
    "/api/v1/units/",
    "/api/v1/memberships/",
    "/api/v1/records/",
    "/api/v1/cases/",
    "/api/v1/inspections/",
    "/api/v1/rectifications/",
    "/api/v1/campaigns/",
    "/api/v1/donations/",
    "/api/v1/supplies/stock/",
    "/api/v1/supplies/moves/",
    "/api/v1/assistance/",
]


def _refused(response) -> bool:
    return response.status_code == 400 and response.json()["fields"]["cursor"] == ["游标无效"]


@pytest.mark.parametrize("url", LISTS)
def test_a_list_refuses_a_cursor_of_no_row(api, world, url):
    assert _refused(api(Role.COMMUNITY_HEAD).get(url, cursor="987654321"))


def test_place_ordered_lists_refuse_a_cursor_of_a_row_outside_the_users_place(api, world):
    person = resident(world.neighbour_community, "邻居")
    membership = people.add_membership(
        GroupCategory.objects.get(code="tekun"),
        resident=person,
        start=datetime.date(2024, 1, 1),
        attributes={"support_type": "分散供养"},
        by=None,
    )
    unit = shop(world.neighbour_community, "邻店")
    client = api(Role.COMMUNITY_HEAD)
    assert _refused(client.get("/api/v1/residents/", cursor=person.pk))
    assert _refused(client.get("/api/v1/memberships/", cursor=membership.pk))
    assert _refused(client.get("/api/v1/units/", cursor=unit.pk))
    # The same rows are good cursors for a user who sees them.
    neighbour = api(Role.COMMUNITY_HEAD, outside=True)
    assert neighbour.get("/api/v1/residents/", cursor=person.pk).status_code == 200
    assert neighbour.get("/api/v1/units/", cursor=unit.pk).status_code == 200
