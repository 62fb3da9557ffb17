"""Lookups: the ids and codes the creating calls take (checklists and their items, topics and
quantity items, group categories and their attributes, a campaign's items, the accounts a case
or an inspection may name), scoped and paged as the other lists, each usable in the call it
serves. The role cast (401, 403, outsider 404) is in tests/access_matrix.py."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from api.base import PAGE_SIZE
from audit.models import AuditEntry
from cases.tests.factories import open_case
from inspections import services as inspections
from inspections.models import Checklist
from inspections.tests.factories import FIRE, passing_answers, shop
from ledger.models import QuantityKind, Topic
from people.models import GroupCategory
from programs import services as programs
from tests.access_matrix import _campaign


def _all(client, url: str, **params) -> list[dict]:
    """Every row of a list, following `next`."""
    rows, answer = [], client.get(url, **params)
    while True:
        assert answer.status_code == 200, answer.content
        body = answer.json()
        rows += body["results"]
        if body["next"] is None:
            return rows
        answer = client.client.get(body["next"], headers=client.headers)


def _queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **params)
    assert response.status_code == 200, response.content
    return len(captured)


# --- /me/ -----------------------------------------------------------------------------------


def test_me_names_the_accounts_id(api, world):
    me = api(Role.GRID_WORKER).get("/api/v1/me/").json()
    assert me["id"] == world.cast[Role.GRID_WORKER].pk
    assert me["user"] == world.cast[Role.GRID_WORKER].username


# --- Checklists -----------------------------------------------------------------------------


def test_checklists_are_the_usable_ones_with_their_newest_published_items(api, world):
    fire = Checklist.objects.get(name=FIRE)
    draft = inspections.new_draft(fire, by=None)
    inspections.add_item(draft, inspections.ItemData(label="疏散通道畅通"), by=None)
    newest = inspections.publish(draft, by=None)
    inspections.new_draft(fire, by=None)  # an unpublished draft is never offered
    unpublished = inspections.create_checklist(name="未发布的表", area="其他", by=None)
    retired = inspections.create_checklist(name="停用的表", area="其他", by=None)
    inspections.add_item(retired.draft(), inspections.ItemData(label="某项"), by=None)
    inspections.publish(retired.draft(), by=None)
    Checklist.objects.filter(pk=retired.pk).update(active=False)

    client = api(Role.VIEWER)
    listed = _all(client, "/api/v1/checklists/")
    ids = {c["id"] for c in listed}
    assert fire.pk in ids and unpublished.pk not in ids and retired.pk not in ids
    shown = next(c for c in listed if c["id"] == fire.pk)
    assert shown["current_version"]["id"] == newest.pk
    assert [i["id"] for i in shown["items"]] == [i.pk for i in newest.items.order_by("order")]
    assert shown["items"][-1]["label"] == "疏散通道畅通"
    assert shown["items"][-1]["choices"] == ["是", "否"]
    assert client.get(f"/api/v1/checklists/{fire.pk}/").json() == shown
    assert client.get(f"/api/v1/checklists/{retired.pk}/").status_code == 404
    assert client.get(f"/api/v1/checklists/{unpublished.pk}/").status_code == 404


def test_a_checklists_ids_make_an_inspection(api, world):
    """What the lookup answers is what POST /inspections/ takes."""
    client = api(Role.COMMUNITY_WORKER)
    checklist = next(c for c in _all(client, "/api/v1/checklists/") if c["name"] == FIRE)
    inspector = next(
        a for a in _all(client, "/api/v1/accounts/") if a["id"] == world.cast[Role.GRID_WORKER].pk
    )
    version = Checklist.objects.get(pk=checklist["id"]).current()
    by_label = {i.label: value for i, value in _labelled(version).items()}
    made = client.post(
        "/api/v1/inspections/",
        {
            "checklist": checklist["id"],
            "checklist_version": checklist["current_version"]["id"],
            "unit": shop(world.grid).pk,
            "date": timezone.localdate().isoformat(),
            "inspectors": [inspector["id"]],
            "answers": {str(i["id"]): by_label[i["label"]] for i in checklist["items"]},
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["inspectors"] == [{"id": inspector["id"], "name": inspector["name"]}]


def _labelled(version) -> dict:
    answers = passing_answers(version)
    return {item: answers[item.pk] for item in version.items.all()}


# --- Topics and quantity items ------------------------------------------------------------------


def test_topics_and_quantity_items_page_through_all_of_them(api, world):
    for i in range(PAGE_SIZE + 3):  # more than a page of each
        Topic.objects.create(code=f"t{i}", name=f"领域{i}", order=1000 + i % 3)
        QuantityKind.objects.create(name=f"项目{i}", unit="个", order=1000 + i % 3)
    Topic.objects.filter(code="t0").update(active=False)
    client = api(Role.VIEWER)
    topics = _all(client, "/api/v1/topics/")
    assert [t["id"] for t in topics] == list(
        Topic.objects.order_by("order", "pk").values_list("pk", flat=True)
    )
    assert next(t for t in topics if t["code"] == "t0")["active"] is False
    items = _all(client, "/api/v1/quantity-items/")
    assert [q["id"] for q in items] == list(
        QuantityKind.objects.order_by("order", "pk").values_list("pk", flat=True)
    )
    assert client.get("/api/v1/topics/", cursor="999999").status_code == 400


def test_a_topic_code_and_quantity_item_id_make_a_record(api, world):
    client = api(Role.COMMUNITY_WORKER)
    topic = next(t for t in _all(client, "/api/v1/topics/") if t["active"])
    item = next(q for q in _all(client, "/api/v1/quantity-items/") if q["active"])
    made = client.post(
        "/api/v1/records/",
        {
            "kind": "活动",
            "title": "清洁家园",
            "date": timezone.localdate().isoformat(),
            "place": world.grid.pk,
            "topics": [topic["code"]],
            "quantities": {str(item["id"]): "300"},
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["topics"] == [topic["code"]]
    assert made.json()["quantities"] == {str(item["id"]): "300.00"}


# --- Group categories -------------------------------------------------------------------------


def test_group_categories_hide_health_and_judicial_ones_from_roles_not_granted_them(api, world):
    def codes(role):
        return {c["sensitivity"] for c in _all(api(role), "/api/v1/groups/")}

    assert codes(Role.COMMUNITY_HEAD) == {"normal", "personal", "health", "judicial"}
    assert codes(Role.COMMUNITY_WORKER) == {"normal", "personal", "health"}
    assert codes(Role.GRID_WORKER) == codes(Role.VIEWER) == {"normal", "personal"}
    grid = api(Role.GRID_WORKER)
    assert grid.get("/api/v1/groups/disabled/").status_code == 404
    assert grid.get("/api/v1/groups/correction/").status_code == 404
    assert api(Role.COMMUNITY_WORKER).get("/api/v1/groups/disabled/").status_code == 200
    assert api(Role.COMMUNITY_WORKER).get("/api/v1/groups/correction/").status_code == 404
    assert grid.get("/api/v1/groups/nothing/").status_code == 404


def test_a_group_category_lists_its_attribute_keys_and_types(api, world):
    dibao = api(Role.GRID_WORKER).get("/api/v1/groups/dibao/").json()
    category = GroupCategory.objects.get(code="dibao")
    expected = list(category.attributes.order_by("order", "pk").values_list("key", "kind"))
    assert [(a["key"], a["kind"]) for a in dibao["attribute_fields"]] == expected
    assert (dibao["subject"], dibao["sensitivity"]) == ("household", "personal")


# --- Campaign items ------------------------------------------------------------------------------


def test_a_campaigns_items_are_what_an_application_takes(api, world):
    campaign = _campaign(world)
    client = api(Role.COMMUNITY_WORKER)
    shown = client.get(f"/api/v1/campaigns/{campaign.pk}/items/").json()
    assert shown["items"] == [{"code": "water", "label": "全年用水量", "item_unit": "吨"}]
    listed = _all(client, "/api/v1/campaign-items/")
    assert listed == [shown]
    assert _all(api(Role.COMMUNITY_WORKER, outside=True), "/api/v1/campaign-items/") == []
    from tests.access_matrix import _household

    made = client.post(
        f"/api/v1/campaigns/{campaign.pk}/applications/",
        {"applicant": _household(world).pk, "values": {shown["items"][0]["code"]: "30"}},
    )
    assert made.status_code == 201, made.content


# --- Accounts -------------------------------------------------------------------------------------


def test_accounts_are_those_the_pages_offer_in_the_callers_place(api, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    inactive = User.objects.create(
        username="gone", name="离职", role=Role.COMMUNITY_WORKER, place=world.grid, is_active=False
    )
    client = api(Role.COMMUNITY_WORKER)
    inspectors = {a["id"]: a for a in _all(client, "/api/v1/accounts/")}
    c1 = {"in_community_head", "in_community_worker", "in_grid_worker", "in_viewer", "subject"}
    assert {a["name"] for a in inspectors.values()} == c1
    assert inactive.pk not in inspectors
    assert inspectors[worker.pk] == {
        "id": worker.pk,
        "name": worker.name,
        "role": "community_worker",
        "role_label": "社区工作者",
        "place": {"id": world.community.pk, "name": world.community.name},
    }
    # Assignees edit records: no 只读查看; supervision files need judicial data.
    assignees = {a["name"] for a in _all(client, "/api/v1/accounts/", usable_as="assignee")}
    assert assignees == c1 - {"in_viewer"}
    head = api(Role.COMMUNITY_HEAD)
    judicial = {
        a["name"] for a in _all(head, "/api/v1/accounts/", usable_as="assignee", kind="矫正")
    }
    assert judicial == {"in_community_head"}
    # A case in the grid: those whose place covers it.
    case = open_case(world)
    covering = _all(client, "/api/v1/accounts/", usable_as="assignee", case=case.pk)
    assert {a["name"] for a in covering} == c1 - {"in_viewer"}
    # A sub-district's accounts are named only to those at the sub-district.
    above = {a["name"] for a in _all(api(Role.SUBDISTRICT_ADMIN), "/api/v1/accounts/")}
    assert {"in_subdistrict_admin", "out_community_worker"} <= above
    # From next door: none of ours; ours one by one is 404.
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert not {a["id"] for a in _all(outsider, "/api/v1/accounts/")} & set(inspectors)
    misses = AuditEntry.objects.filter(action="access.out_of_scope", object_id=str(worker.pk))
    assert outsider.get(f"/api/v1/accounts/{worker.pk}/").status_code == 404
    assert misses.count() == 1  # a miss on an account that exists elsewhere, as get_for_user
    assert client.get(f"/api/v1/accounts/{worker.pk}/").json() == inspectors[worker.pk]


def test_account_lookups_refuse_what_the_pages_would_not_offer(api, world):
    client = api(Role.COMMUNITY_WORKER)
    # A supervision file's kind is no choice for a role without judicial data.
    refused = client.get("/api/v1/accounts/", usable_as="assignee", kind="矫正")
    assert refused.status_code == 400 and "kind" in refused.json()["fields"]
    supervision = open_case(world, "矫正")
    refused = client.get("/api/v1/accounts/", usable_as="assignee", case=supervision.pk)
    assert refused.status_code == 400 and "case" in refused.json()["fields"]
    next_door = open_case(
        world, place=world.neighbour_community, by=world.cast[Role.SUBDISTRICT_ADMIN]
    )
    refused = client.get("/api/v1/accounts/", usable_as="assignee", case=next_door.pk)
    assert refused.status_code == 400 and not refused.json()["fields"]["case"][0].isascii()
    mixed = client.get("/api/v1/accounts/", kind="诉求")
    assert mixed.status_code == 400
    assert client.get("/api/v1/accounts/", usable_as="boss").status_code == 400


def test_an_assignee_from_the_lookup_takes_the_case(api, world):
    client = api(Role.COMMUNITY_WORKER)
    case = open_case(world)
    offered = _all(client, "/api/v1/accounts/", usable_as="assignee", case=case.pk)
    grid_worker = next(a for a in offered if a["role"] == "grid_worker")
    version = client.get(f"/api/v1/cases/{case.pk}/actions/").json()["version"]
    done = client.post(
        f"/api/v1/cases/{case.pk}/actions/",
        {"action": "assign", "version": version, "assignee": grid_worker["id"], "note": "请处理"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["assignee"]["id"] == grid_worker["id"]


def test_account_answers_hold_no_login_name_or_phone(api, world):
    User.objects.filter(pk=world.cast[Role.GRID_WORKER].pk).update(name="")
    shown = _all(api(Role.COMMUNITY_WORKER), "/api/v1/accounts/")
    assert all(set(a) == {"id", "name", "role", "role_label", "place"} for a in shown)
    # No name given: the login name stands in, as the pages show it.
    assert "in_grid_worker" in {a["name"] for a in shown}


# --- Audit and query counts -----------------------------------------------------------------


def test_each_lookup_call_is_audited(api, world):
    client = api(Role.VIEWER)
    before = AuditEntry.objects.filter(action="api.call").count()
    for url in ("/api/v1/checklists/", "/api/v1/groups/", "/api/v1/accounts/"):
        assert client.get(url).status_code == 200
    calls = AuditEntry.objects.filter(action="api.call").order_by("pk")
    assert calls.count() == before + 3
    assert calls.last().data["path"] == "/api/v1/accounts/"


def test_lookups_take_a_fixed_number_of_queries(api, world):
    client = api(Role.COMMUNITY_HEAD)
    client.get("/api/v1/me/")  # the token's last use is written once, not in what is counted
    urls = [
        "/api/v1/checklists/",
        "/api/v1/topics/",
        "/api/v1/quantity-items/",
        "/api/v1/groups/",
        "/api/v1/campaign-items/",
        "/api/v1/accounts/",
        "/api/v1/accounts/?usable_as=assignee",
    ]
    _campaign(world)
    few = [_queries(client, url) for url in urls]
    for i in range(3):
        checklist = inspections.create_checklist(name=f"表{i}", area="其他", by=None)
        for n in range(3):
            inspections.add_item(checklist.draft(), inspections.ItemData(label=f"项{n}"), by=None)
        inspections.publish(checklist.draft(), by=None)
        Topic.objects.create(code=f"x{i}", name=f"新领域{i}")
        QuantityKind.objects.create(name=f"新项目{i}", unit="个")
        category = GroupCategory.objects.create(code=f"g{i}", name=f"人群{i}")
        category.attributes.create(key="a", label="属性")
        programs.create_campaign(
            programs.CampaignData(
                name=f"评选{i}",
                subject="household",
                criteria="标准",
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate() + datetime.timedelta(days=9),
                place=world.community,
                fields="a:甲:个\nb:乙:吨",
            ),
            by=None,
        )
        User.objects.create(
            username=f"w{i}", name=f"工作者{i}", role=Role.GRID_WORKER, place=world.grid
        )
    many = [_queries(client, url) for url in urls]
    assert many == few
