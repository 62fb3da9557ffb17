"""The new lists take a fixed number of queries, however many rows a page holds."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from inspections.tests.factories import inspect, order, shop
from people import services as people
from people.models import GroupCategory
from people.tests.factories import resident


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def _add_rows(world, n: int, start: int) -> None:
    for i in range(start, start + n):
        person = resident(world.grid, f"党员{i}", birth=datetime.date(1970, 1, 1 + i))
        people.add_membership(
            GroupCategory.objects.get(code="tekun"),
            resident=person,
            start=datetime.date(2024, 1, 1),
            attributes={"support_type": "分散供养"},
            by=None,
        )
        order(inspect(world, unit=shop(world.grid, f"店{i}"), fail=1))


def test_membership_inspection_and_order_lists_take_a_fixed_number_of_queries(api, world):
    client = api(Role.COMMUNITY_WORKER)
    client.get("/api/v1/me/")  # the token's last use is written once, not in what is counted
    urls = ["/api/v1/memberships/", "/api/v1/inspections/", "/api/v1/rectifications/"]
    _add_rows(world, 2, 0)
    few = [_queries(client, url) for url in urls]
    _add_rows(world, 4, 2)
    many = [_queries(client, url) for url in urls]
    assert many == few


def test_a_query_parameter_the_list_does_not_take_is_400_on_that_parameter(api, world):
    """A misspelt filter is refused, not ignored (which would list everything)."""
    client = api(Role.COMMUNITY_WORKER)
    for url, good, bad in (
        ("/api/v1/cases/", {"kind": "诉求"}, {"knd": "诉求"}),
        ("/api/v1/assistance/", {"kind": "慰问金"}, {"kind": "慰问金", "recipient": "张"}),
        ("/api/v1/residents/", {"q": "张", "in": "address"}, {"name": "张"}),
    ):
        assert client.get(url, **good).status_code == 200, url
        refused = client.get(url, **bad)
        assert refused.status_code == 400, (url, refused.content)
        (name,) = set(bad) - set(good)
        assert refused.json()["fields"] == {name: ["不认识的字段"]}, url
