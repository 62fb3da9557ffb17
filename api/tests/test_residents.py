"""Residents through the API: masked as on every page, revealed one at a time with an audit
row, health groups hidden from roles not granted them, registered through the same service
as the form, once per idempotency key, in keyset pages."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from audit.models import AuditEntry
from people import services
from people.choices import ResidentStatus
from people.models import GroupCategory, Resident
from people.tests.factories import id_for, resident

LIST = "/api/v1/residents/"


def _disabled(person):
    services.add_membership(
        GroupCategory.objects.get(code="disabled"),
        resident=person,
        start=datetime.date(2020, 1, 1),
        attributes={"disability_type": "肢体", "grade": "二级"},
        by=None,
    )


def test_numbers_are_masked_for_every_role_in_lists_and_details(api, world):
    person = resident(world.grid, "周十", phone="13812345678")
    for role in (Role.COMMUNITY_HEAD, Role.VIEWER, Role.GRID_WORKER):
        client = api(role)
        row = client.get(LIST).json()["results"][0]
        detail = client.get(f"{LIST}{person.pk}/").json()
        for shown in (row, detail):
            assert shown["id_number"] == person.id_number[:3] + "*" * 11 + person.id_number[-4:]
            assert shown["phone"] == "138****5678"
            assert person.id_number not in str(shown) and "13812345678" not in str(shown)


def test_reveal_gives_the_number_to_a_frontline_role_and_is_audited(api, world):
    person = resident(world.grid, "周十", phone="13812345678")
    url = f"{LIST}{person.pk}/reveal/"
    response = api(Role.COMMUNITY_WORKER).post(url, {"field": "phone"})
    assert response.status_code == 200
    assert response.json() == {"field": "phone", "field_label": "手机号码", "value": "13812345678"}
    entry = AuditEntry.objects.get(action="resident.reveal")
    assert entry.actor == world.cast[Role.COMMUNITY_WORKER] and entry.object_id == str(person.pk)


def test_reveal_is_refused_to_a_viewer_and_leaves_no_reveal_row(api, world):
    person = resident(world.grid, "周十", phone="13812345678")
    response = api(Role.VIEWER).post(f"{LIST}{person.pk}/reveal/", {"field": "id_number"})
    assert response.status_code == 403
    assert person.id_number not in response.content.decode()
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()
    assert AuditEntry.objects.filter(action="access.denied").exists()


def test_an_unknown_field_is_not_revealed(api, world):
    person = resident(world.grid, "周十")
    response = api(Role.COMMUNITY_WORKER).post(f"{LIST}{person.pk}/reveal/", {"field": "name"})
    assert response.status_code == 400 and "field" in response.json()["fields"]
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()


def test_health_groups_are_hidden_from_a_grid_worker(api, world):
    person = resident(world.grid, "周十")
    _disabled(person)
    for role, sees in ((Role.GRID_WORKER, False), (Role.COMMUNITY_WORKER, True)):
        client = api(role)
        detail = client.get(f"{LIST}{person.pk}/").json()
        listed = client.get(LIST).json()["results"][0]
        assert ("disabled" in [g["group"] for g in detail["groups"]]) is sees, role
        # The list names them as the detail does: one shape for `groups`.
        assert ("disabled" in [g["group"] for g in listed["groups"]]) is sees, role
        if sees:
            assert listed["groups"] == detail["groups"]
            assert listed["groups"][0]["group_label"] == "残疾"
        # Nor does the group filter find them through it.
        found = client.get(LIST, group="disabled")
        assert (found.status_code == 200 and found.json()["results"] != []) is sees, role


def test_filters_are_the_lists_filters(api, world):
    resident(world.grid, "周十", birth=datetime.date(1940, 1, 1))
    resident(world.grid, "吴一", birth=datetime.date(2000, 1, 1), male=False)
    client = api(Role.COMMUNITY_WORKER)
    assert [r["name"] for r in client.get(LIST, age="80-").json()["results"]] == ["周十"]
    assert [r["name"] for r in client.get(LIST, sex="女").json()["results"]] == ["吴一"]
    assert [r["name"] for r in client.get(LIST, q="zs").json()["results"]] == ["周十"]
    refused = client.get(LIST, age="old")
    assert refused.status_code == 400 and "age" in refused.json()["fields"]


def test_filters_keep_to_present_residents_unless_a_status_is_chosen(api, world):
    stayed = resident(world.grid, "郑留", birth=datetime.date(1960, 1, 1))
    left = resident(world.grid, "冯走", birth=datetime.date(1961, 1, 1))
    Resident.objects.filter(pk=left.pk).update(status=ResidentStatus.MOVED_OUT)
    client = api(Role.COMMUNITY_WORKER)
    for query in ({}, {"sex": "男"}, {"q": "zl"}, {"q": "fz"}):  # as the page's form starts
        names = {r["name"] for r in client.get(LIST, **query).json()["results"]}
        assert left.name not in names, query
    assert stayed.name in {r["name"] for r in client.get(LIST, sex="男").json()["results"]}
    everyone = {r["name"] for r in client.get(LIST, status="").json()["results"]}
    assert {stayed.name, left.name} <= everyone
    moved = client.get(LIST, status=ResidentStatus.MOVED_OUT).json()["results"]
    assert [r["name"] for r in moved] == [left.name]


def test_a_duplicate_here_names_the_resident_without_the_pages_link(api, world):
    here = resident(world.grid, "褚九")
    response = api(Role.COMMUNITY_WORKER).post(LIST, _body(world, id_number=here.id_number))
    assert response.status_code == 400
    message = response.json()["fields"]["id_number"][0]
    assert "褚九" in message and not message.endswith("查看") and "<" not in message


def _body(world, **extra):
    return {
        "name": "钱七",
        "id_number": id_for(datetime.date(1985, 3, 4)),
        "place": world.grid.pk,
        "phone": "13900001111",
        **extra,
    }


def test_a_resident_is_registered_through_the_service_with_its_audit_row(api, world):
    body = _body(world)
    response = api(Role.COMMUNITY_WORKER).post(LIST, body)
    assert response.status_code == 201, response.content
    created = Resident.objects.get(id_number=body["id_number"])
    assert response.json()["id"] == created.pk and response.json()["phone"] == "139****1111"
    assert created.birth_date == datetime.date(1985, 3, 4) and created.sex == "男"  # from the ID
    entry = AuditEntry.objects.get(action="resident.create")
    assert entry.actor == world.cast[Role.COMMUNITY_WORKER] and entry.object_id == str(created.pk)


def test_bad_input_is_400_in_chinese_and_saves_nothing(api, world):
    client = api(Role.COMMUNITY_WORKER)
    before = (Resident.objects.count(), AuditEntry.objects.filter(action="resident.create").count())
    bad_id = client.post(LIST, _body(world, id_number="110105198503040000"))
    assert bad_id.status_code == 400
    assert bad_id.json()["code"] == "invalid" and bad_id.json()["fields"]["id_number"]
    assert not bad_id.json()["fields"]["id_number"][0].isascii()
    missing = client.post(LIST, {"place": world.grid.pk})
    assert missing.status_code == 400
    assert {"name", "id_number"} <= set(missing.json()["fields"])
    outside = client.post(LIST, _body(world, place=world.neighbour_community.pk))
    assert outside.status_code == 400 and "place" in outside.json()["fields"]
    not_json = client.client.post(LIST, "{", "application/json", headers=client.headers)
    assert not_json.status_code == 400 and not_json.json()["code"] == "malformed"
    after = (Resident.objects.count(), AuditEntry.objects.filter(action="resident.create").count())
    assert after == before


def test_a_duplicate_elsewhere_is_refused_without_naming_it(api, world):
    other = resident(world.neighbour_community, "孙八")
    response = api(Role.COMMUNITY_WORKER).post(LIST, _body(world, id_number=other.id_number))
    assert response.status_code == 400
    message = response.json()["fields"]["id_number"][0]
    assert "孙八" not in message and "<a" not in message


def test_a_retried_create_with_the_same_key_creates_once(api, world):
    client = api(Role.COMMUNITY_WORKER)
    body = _body(world)
    first = client.post(LIST, body, key="k-1")
    again = client.post(LIST, body, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Resident.objects.filter(id_number=body["id_number"]).count() == 1
    assert AuditEntry.objects.filter(action="resident.create").count() == 1
    # The same key with another body: 409, nothing made.
    other = client.post(
        LIST, _body(world, name="李九", id_number=id_for(datetime.date(1990, 1, 1))), key="k-1"
    )
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    assert not Resident.objects.filter(name="李九").exists()
    # A new key is a new request.
    assert (
        client.post(
            LIST, _body(world, name="李九", id_number=id_for(datetime.date(1990, 1, 1))), key="k-2"
        ).status_code
        == 201
    )


def test_a_refused_create_keeps_no_answer_so_the_corrected_retry_works(api, world):
    client = api(Role.COMMUNITY_WORKER)
    assert client.post(LIST, _body(world, id_number="1"), key="k-1").status_code == 400
    assert client.post(LIST, _body(world), key="k-1").status_code == 201


def test_pages_follow_the_cursor_without_overlap_in_a_fixed_number_of_queries(api, world):
    people = [
        resident(world.grid, f"居民{n}", birth=datetime.date(1950 + n, 1, 1)) for n in range(55)
    ]
    client = api(Role.COMMUNITY_WORKER)
    client.get("/api/v1/me/")  # the token's last use is written once, not in what is counted
    with CaptureQueriesContext(connection) as first_page:
        first = client.get(LIST).json()
    assert len(first["results"]) == 50 and first["next"]
    second = client.client.get(first["next"], headers=client.headers).json()
    assert second["next"] is None
    seen = [r["id"] for r in first["results"] + second["results"]]
    assert sorted(seen) == sorted(p.pk for p in people) and len(set(seen)) == 55
    assert len(first_page.captured_queries) <= 12  # not one per row
    bad = client.get(LIST, cursor="abc")
    assert bad.status_code == 400 and "cursor" in bad.json()["fields"]


def test_a_search_by_whole_numbers_leaves_them_masked_in_the_audit_log(api, world):
    person = resident(world.grid, "周十", phone="13812345678")
    client = api(Role.COMMUNITY_WORKER)
    for query in ({"q": person.id_number}, {"q": "13812345678"}):
        assert [r["name"] for r in client.get(LIST, **query).json()["results"]] == ["周十"]
    paths = [e.data["path"] for e in AuditEntry.objects.filter(action="api.call")]
    assert len(paths) == 2
    for path in paths:
        assert person.id_number not in path and "13812345678" not in path
    assert any("138****5678" in path for path in paths)
