"""The resident list's `q` through the API falls back to addresses as the page does (one
function, people.queries.list_page): an estate's name that starts no resident's name finds
those living there, page after page, the other filters kept."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

from accounts.roles import Role
from areas.models import Dwelling
from people import services
from people.tests.factories import resident


def _estate(world, n: int):
    """`n` residents living at 书香门第9栋, and one elsewhere named 书香 (a name, not a place)."""
    dwelling = Dwelling.objects.create(address="书香门第9栋", place=world.grid)
    head = resident(world.grid, "吴零", birth=datetime.date(1960, 1, 1))
    household = services.create_household(
        number="S10",
        place=world.grid,
        head=head,
        since=datetime.date(2020, 1, 1),
        dwelling=dwelling,
        by=None,
    )
    for i in range(n - 1):
        person = resident(
            world.grid,
            f"住户{i:02d}",
            birth=datetime.date(1961, 1, 1) + datetime.timedelta(days=i),
            male=i % 2 == 0,
        )
        services.move_in(
            household, person, relation="其他", since=datetime.date(2021, 1, 1), by=None
        )
    return household


def test_q_naming_an_estate_pages_through_its_residents(api, world):
    _estate(world, 56)
    client = api(Role.COMMUNITY_WORKER)
    first = client.get("/api/v1/residents/", q="书香门第").json()
    assert len(first["results"]) == 50
    assert all(r["address"] == "书香门第9栋" for r in first["results"])
    assert parse_qs(urlsplit(first["next"]).query)["in"] == ["address"]
    second = client.client.get(first["next"], headers=client.headers).json()
    assert len(second["results"]) == 6 and second["next"] is None
    seen = {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]}
    assert len(seen) == 56


def test_the_address_fallback_keeps_the_other_filters_and_a_name_comes_first(api, world):
    _estate(world, 5)
    client = api(Role.COMMUNITY_WORKER)
    women = client.get("/api/v1/residents/", q="书香门第", sex="女").json()
    assert {r["name"] for r in women["results"]} == {"住户01", "住户03"}
    # A name that starts with the text is found by name, not by address.
    named = resident(world.grid, "书香", birth=datetime.date(1970, 1, 1))
    by_name = client.get("/api/v1/residents/", q="书香").json()["results"]
    assert [r["id"] for r in by_name] == [named.pk]
    # Nobody there, nobody so named: an empty page, not an error.
    assert client.get("/api/v1/residents/", q="无此小区").json() == {"results": [], "next": None}


def test_the_address_fallback_stays_in_the_callers_place(api, world):
    _estate(world, 3)
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.get("/api/v1/residents/", q="书香门第").json()["results"] == []


def test_in_takes_only_address(api, world):
    bad = api(Role.COMMUNITY_WORKER).get("/api/v1/residents/", q="书香门第", **{"in": "name"})
    assert bad.status_code == 400 and "in" in bad.json()["fields"]
