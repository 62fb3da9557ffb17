"""重点人群 memberships through the API: the resident list's filters, registered and ended
through people.services, and sensitive categories hidden or audited as on screen."""

from __future__ import annotations

import datetime

from accounts.roles import Role
from audit.models import AuditEntry
from people import services
from people.models import GroupCategory, Membership
from people.tests.factories import resident

MEMBERSHIPS = "/api/v1/memberships/"


def _member(world, code: str, name: str, place=None, **attributes):
    person = resident(place or world.grid, name)
    return services.add_membership(
        GroupCategory.objects.get(code=code),
        resident=person,
        start=datetime.date(2024, 1, 1),
        attributes=attributes,
        by=None,
    )


def test_members_are_listed_with_the_resident_lists_filters(api, world):
    party = _member(world, "party", "党员甲", branch="第一支部", party_status="正式党员")
    elderly = _member(world, "elderly", "老人乙", place=world.neighbour_grid)
    _member(
        world, "party", "邻居丙", world.neighbour_community, branch="一", party_status="正式党员"
    )
    client = api(Role.COMMUNITY_WORKER)
    listed = client.get(MEMBERSHIPS).json()["results"]
    assert {m["id"] for m in listed} == {party.pk, elderly.pk}
    by_group = client.get(MEMBERSHIPS, group="party").json()["results"]
    assert [m["id"] for m in by_group] == [party.pk]
    assert {(a["key"], a["value"]) for a in by_group[0]["attributes"]} == {
        ("branch", "第一支部"),
        ("party_status", "正式党员"),
    }
    by_place = client.get(MEMBERSHIPS, place=world.neighbour_grid.pk).json()["results"]
    assert [m["id"] for m in by_place] == [elderly.pk]
    refused = client.get(MEMBERSHIPS, group="nonsense")
    assert refused.status_code == 400 and not refused.json()["fields"]["group"][0].isascii()


def test_health_and_judicial_members_are_hidden_from_roles_without_them(api, world):
    disabled = _member(world, "disabled", "残疾甲", disability_type="肢体", grade="二级")
    grid_worker = api(Role.GRID_WORKER)  # no health data
    assert grid_worker.get(MEMBERSHIPS).json()["results"] == []
    assert grid_worker.get(f"{MEMBERSHIPS}{disabled.pk}/").status_code == 404
    assert grid_worker.get(MEMBERSHIPS, group="disabled").status_code == 400
    shown = api(Role.COMMUNITY_WORKER).get(f"{MEMBERSHIPS}{disabled.pk}/")
    assert shown.status_code == 200
    assert {a["key"] for a in shown.json()["attributes"]} == {"disability_type", "grade"}


def test_reads_of_sensitive_members_are_audited_and_others_not(api, world):
    tekun = _member(world, "tekun", "特困甲", support_type="分散供养")
    party = _member(world, "party", "党员乙", branch="一", party_status="正式党员")
    client = api(Role.COMMUNITY_WORKER)
    client.get(f"{MEMBERSHIPS}{party.pk}/")
    assert not AuditEntry.objects.filter(action="membership.view").exists()
    client.get(f"{MEMBERSHIPS}{tekun.pk}/")
    client.get(MEMBERSHIPS)
    views = list(AuditEntry.objects.filter(action="membership.view").order_by("pk"))
    assert len(views) == 2
    assert views[0].object_id == str(tekun.pk)
    assert views[1].data["groups"] == ["tekun"] and views[1].data["rows"] == 1


def _body(world, person, **changes) -> dict:
    body = {
        "group": "party",
        "resident": person.pk,
        "start": "2024-07-01",
        "attributes": {"branch": "第二支部", "party_status": "正式党员"},
    }
    body.update(changes)
    return body


def test_a_membership_is_registered_and_ended_through_the_residents_page_services(api, world):
    person = resident(world.grid, "新党员")
    client = api(Role.COMMUNITY_WORKER)
    created = client.post(MEMBERSHIPS, _body(world, person), key="m-1")
    assert created.status_code == 201, created.content
    again = client.post(MEMBERSHIPS, _body(world, person), key="m-1")
    assert again.status_code == 201 and again.json() == created.json()
    membership = Membership.objects.get()
    assert membership.resident == person and membership.attributes["branch"] == "第二支部"
    assert AuditEntry.objects.filter(action="membership.create").count() == 1
    ended = client.post(f"{MEMBERSHIPS}{membership.pk}/end/", {"on": "2025-01-01"})
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2025-01-01"
    assert AuditEntry.objects.filter(action="membership.end").count() == 1
    twice = client.post(f"{MEMBERSHIPS}{membership.pk}/end/", {"on": "2025-02-01"})
    assert twice.status_code == 400 and not twice.json()["fields"]["on"][0].isascii()
    membership.refresh_from_db()
    assert membership.end == datetime.date(2025, 1, 1)


def test_bad_membership_input_is_400_in_chinese_and_saves_nothing(api, world):
    person = resident(world.grid, "某人")
    client = api(Role.GRID_WORKER)
    cases = [
        (_body(world, person, group="nonsense"), "group"),
        (_body(world, person, group="disabled"), "group"),  # health: not for a grid worker
        (_body(world, person, resident="x"), "resident"),
        (_body(world, person, start="bad"), "start"),
        (_body(world, person, attributes={"nonsense": 1}), "attributes"),
        (_body(world, person, attributes=[1]), "attributes"),
        (
            _body(world, person, attributes={"branch": "一", "party_status": "不存在"}),
            "attributes.party_status",
        ),
    ]
    for body, field in cases:
        response = client.post(MEMBERSHIPS, body)
        assert response.status_code == 400, (field, response.content)
        assert field in response.json()["fields"], (field, response.json())
        assert not response.json()["fields"][field][0].isascii()
    assert not Membership.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="membership.").exists()


def test_memberships_are_refused_to_viewers_and_outsiders(api, world):
    person = resident(world.grid, "某人")
    assert api(Role.VIEWER).post(MEMBERSHIPS, _body(world, person)).status_code == 403
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.post(MEMBERSHIPS, _body(world, person)).status_code == 404
    assert not Membership.objects.exists()
    party = _member(world, "party", "党员丙", branch="一", party_status="正式党员")
    assert outsider.get(f"{MEMBERSHIPS}{party.pk}/").status_code == 404
    assert outsider.post(f"{MEMBERSHIPS}{party.pk}/end/", {"on": "2025-01-01"}).status_code == 404
    assert (
        api(Role.VIEWER).post(f"{MEMBERSHIPS}{party.pk}/end/", {"on": "2025-01-01"}).status_code
        == 403
    )
    party.refresh_from_db()
    assert party.end is None
