"""Campaigns and assistance payments through the API: the lists' filters shared with the
pages, recipients' numbers masked, aid tied to a health group hidden as on screen."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.roles import Role
from people import services as people
from people.models import GroupCategory
from people.tests.factories import resident
from programs import services
from programs.tests.factories import household


def _aid(kind, *, household_=None, resident_=None, amount="300", day=None):
    return services.give_assistance(
        services.AssistanceData(
            kind,
            "民政",
            day or timezone.localdate(),
            amount=amount,
            household=household_,
            resident=resident_,
        ),
        by=None,
    )


def test_assistance_is_listed_with_the_pages_filters_and_the_recipient_masked(api, world, client):
    from django.urls import reverse

    home = household(world.grid, head_name="李")
    condolence = _aid("慰问金", household_=home)
    _aid("临时救助", household_=home, amount="500")
    _aid("慰问金", household_=household(world.neighbour_community, head_name="邻"))
    api_client = api(Role.COMMUNITY_WORKER)
    listed = api_client.get("/api/v1/assistance/", kind="慰问金").json()["results"]
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    page = client.get(reverse("programs:assistance-list"), {"kind": "慰问金"})
    assert [a["id"] for a in listed] == [a.pk for a in page.context["rows"]] == [condolence.pk]
    shown = listed[0]
    assert shown["amount"] == "300.00" and shown["recipient"] == home.head.name
    assert shown["recipient_id_number"] != home.head.id_number
    assert "*" in shown["recipient_id_number"]
    bad = api_client.get("/api/v1/assistance/", kind="彩票")
    assert bad.status_code == 400 and not bad.json()["fields"]["kind"][0].isascii()
    assert (
        api(Role.COMMUNITY_WORKER, outside=True)
        .get(f"/api/v1/assistance/{condolence.pk}/")
        .status_code
        == 404
    )


def test_aid_tied_to_a_health_group_is_hidden_from_roles_without_health_data(api, world):
    person = resident(world.grid, "残疾甲")
    people.add_membership(
        GroupCategory.objects.get(code="disabled"),
        resident=person,
        start=datetime.date(2024, 1, 1),
        attributes={"disability_type": "肢体", "grade": "二级"},
        by=None,
    )
    aid = _aid("残疾人补贴", resident_=person, amount="100")
    assert aid.membership_id is not None
    assert api(Role.GRID_WORKER).get("/api/v1/assistance/").json()["results"] == []
    assert api(Role.GRID_WORKER).get(f"/api/v1/assistance/{aid.pk}/").status_code == 404
    shown = api(Role.COMMUNITY_WORKER).get(f"/api/v1/assistance/{aid.pk}/")
    assert shown.status_code == 200 and shown.json()["group"] == "disabled"


def test_campaigns_are_listed_with_their_funnels(api, world):
    from tests.access_matrix import _campaign

    campaign = _campaign(world)
    client = api(Role.COMMUNITY_WORKER)
    listed = client.get("/api/v1/campaigns/", state="open").json()["results"]
    assert [c["id"] for c in listed] == [campaign.pk]
    assert client.get("/api/v1/campaigns/", state="closed").json()["results"] == []
    detail = client.get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert detail["funnel"]["applied"] == 0 and detail["name"] == campaign.name
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.get(f"/api/v1/campaigns/{campaign.pk}/").status_code == 404
