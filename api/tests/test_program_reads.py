"""Applications, donation drives and supplies through the API: the pages' filters and scope
(a neighbouring community's rows are absent, 404 one by one), one query count for any page."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from programs import services
from programs.tests import aid_factories
from programs.tests.factories import household
from tests.access_matrix import _application, _campaign


def test_a_campaigns_applications_are_listed_by_stage_and_read_one_by_one(api, world):
    first = _application(world)
    second = services.apply(
        _campaign(world), household=household(world.grid), values={"water": "20"}, by=None
    )
    services.review(second, passed=True, reason="符合条件", day=timezone.localdate(), by=None)
    client = api(Role.COMMUNITY_WORKER)
    url = f"/api/v1/campaigns/{first.campaign_id}/applications/"
    listed = client.get(url).json()
    assert [a["id"] for a in listed["results"]] == [first.pk, second.pk]
    assert listed["results"][0]["values"] == {"water": "30.00"}
    passed = client.get(url, stage="初审通过").json()["results"]
    assert [a["id"] for a in passed] == [second.pk]
    assert client.get(url, stage="撤回").json()["results"] == []
    bad = client.get(url, stage="unknown")
    assert bad.status_code == 400 and not bad.json()["fields"]["stage"][0].isascii()
    detail = client.get(f"/api/v1/applications/{second.pk}/").json()
    assert (detail["stage"], detail["reason"], detail["withdrawn"]) == (
        "初审通过",
        "符合条件",
        False,
    )
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"/api/v1/applications/{second.pk}/").status_code == 404
    assert api(Role.COMMUNITY_WORKER).get("/api/v1/applications/999999/").status_code == 404


def test_drives_are_listed_with_their_totals_and_entries(api, world):
    gift = aid_factories.gift(world)
    services.record_donation(
        gift.drive,
        services.DonationData("out", timezone.localdate(), party_name="困难户王五", money="120"),
        by=None,
    )
    client = api(Role.COMMUNITY_WORKER)
    (drive,) = client.get("/api/v1/donations/").json()["results"]
    assert (drive["money_in"], drive["money_out"], drive["money_left"]) == (
        "500.00",
        "120.00",
        "380.00",
    )
    assert drive["gifts"] == 1
    detail = client.get(f"/api/v1/donations/{gift.drive_id}/").json()
    assert detail["money_left"] == "380.00" and detail["items"] == []
    entries = client.get(f"/api/v1/donations/{gift.drive_id}/entries/").json()["results"]
    assert [(e["direction"], e["party"]) for e in entries] == [
        ("in", "张三"),
        ("out", "困难户王五"),
    ]
    # Drives are kept at the community: a grid worker and a neighbour see none.
    assert api(Role.GRID_WORKER).get("/api/v1/donations/").json()["results"] == []
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.get("/api/v1/donations/").json()["results"] == []
    assert outsider.get(f"/api/v1/donations/{gift.drive_id}/entries/").status_code == 404


def test_stock_and_moves_are_listed_with_the_pages_filters(api, world, client):
    move = aid_factories.move(world)
    earlier = aid_factories.receive(
        world.community, "5", name="消毒液", day=timezone.localdate() - datetime.timedelta(days=3)
    )
    aid_factories.receive(world.neighbour_community, "7")
    worker = api(Role.COMMUNITY_WORKER)
    stock = worker.get("/api/v1/supplies/stock/", place=world.community.pk).json()["results"]
    assert sorted((s["item"]["name"], s["on_hand"]) for s in stock) == [
        ("口罩", "10.00"),
        ("消毒液", "5.00"),
    ]
    bad = worker.get("/api/v1/supplies/stock/", place=world.neighbour_community.pk)
    assert bad.status_code == 400 and not bad.json()["fields"]["place"][0].isascii()
    filters = {"item": move.item_id}
    listed = worker.get("/api/v1/supplies/moves/", **filters).json()["results"]
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    shown = client.get(reverse("programs:move-list"), filters).context["rows"]
    assert [m["id"] for m in listed] == [m.pk for m in shown] == [move.pk]
    assert worker.get(f"/api/v1/supplies/moves/{earlier.pk}/").json()["balance"] == "5.00"
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.get(f"/api/v1/supplies/moves/{move.pk}/").status_code == 404
    stock_id = stock[0]["id"]
    assert outsider.get(f"/api/v1/supplies/stock/{stock_id}/").status_code == 404
    assert [m["id"] for m in outsider.get("/api/v1/supplies/moves/").json()["results"]] != [move.pk]


def test_the_lists_take_as_many_queries_for_many_rows_as_for_one(
    api, world, django_assert_max_num_queries
):
    aid_factories.gift(world)
    aid_factories.move(world)
    _application(world)
    client = api(Role.COMMUNITY_WORKER)
    urls = [
        f"/api/v1/campaigns/{_campaign(world).pk}/applications/",
        "/api/v1/donations/",
        "/api/v1/supplies/stock/",
        "/api/v1/supplies/moves/",
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(30) as one:
            assert client.get(url).status_code == 200
        counts[url] = len(one.captured_queries)
    for n in range(4):
        services.apply(
            _campaign(world), household=household(world.grid), values={"water": "20"}, by=None
        )
        aid_factories.receive(world.community, "1", name=f"物资{n}")
        services.open_drive(
            name=f"捐赠{n}", place=world.community, starts_on=timezone.localdate(), by=None
        )
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert len(client.get(url).json()["results"]) >= 5


def test_an_application_is_made_through_the_service_once_per_key(api, world):
    campaign = _campaign(world)
    home = household(world.grid)
    url = f"/api/v1/campaigns/{campaign.pk}/applications/"
    client = api(Role.COMMUNITY_WORKER)
    body = {"applicant": home.pk, "values": {"water": "25"}}
    first = client.post(url, body, key="a-1")
    second = client.post(url, body, key="a-1")
    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert first.json() == second.json()
    assert first.json()["household"] == {"id": home.pk, "number": home.number}
    assert first.json()["applied_on"] == timezone.localdate().isoformat()
    assert campaign.applications.count() == 1


def test_bad_applications_are_400_in_chinese_and_save_nothing(api, world):
    campaign = _campaign(world)
    home = household(world.grid)
    url = f"/api/v1/campaigns/{campaign.pk}/applications/"
    client = api(Role.COMMUNITY_WORKER)
    late = (campaign.ends_on + datetime.timedelta(days=1)).isoformat()
    cases = [
        ({"values": {"water": "25"}}, "applicant"),
        ({"applicant": home.pk}, "values.water"),
        ({"applicant": home.pk, "values": {"water": "很多"}}, "values"),
        ({"applicant": home.pk, "values": {"gas": "1", "water": "2"}}, "values"),
        ({"applicant": home.pk, "values": {"water": "2"}, "applied_on": late}, "applied_on"),
        ({"applicant": home.pk, "values": ["2"]}, "values"),
    ]
    for body, field in cases:
        response = client.post(url, body)
        assert response.status_code == 400, (body, response.content)
        fields = response.json()["fields"]
        assert field in fields, (body, fields)
        assert not fields[field][0].isascii(), fields
    assert not campaign.applications.exists()


def test_applications_are_refused_to_viewers_and_outside_the_place(api, world):
    campaign = _campaign(world)
    url = f"/api/v1/campaigns/{campaign.pk}/applications/"
    body = {"applicant": household(world.grid).pk, "values": {"water": "25"}}
    assert api(Role.VIEWER).post(url, body).status_code == 403
    assert api(Role.COMMUNITY_WORKER, outside=True).post(url, body).status_code == 404
    next_door = household(world.neighbour_community)
    worker = api(Role.COMMUNITY_WORKER)
    assert worker.post(url, {**body, "applicant": next_door.pk}).status_code == 404
    assert not campaign.applications.exists()
