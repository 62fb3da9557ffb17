"""One vocabulary across the API (docs/api.md, "One vocabulary"): enums answer their stored
value with its allowed values in the schema, a `<field>_label` beside every coded one; the
lists' filters take exactly the values the answers give; one name has one shape everywhere
(a reference is {id, ...}); dates end in _on, instants in _at. Also the case's timeline, the
drill-down rows' API links and the defaults the API shares with the pages."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.roles import Role
from api.docs import schema
from cases.forms import case_initial
from cases.models import Case
from cases.tests.factories import open_case
from inspections.tests.factories import inspect, order, shop

# Names whose shape legitimately differs between answers, and why.
MANY_SHAPES = {
    "results",  # every page's rows
    "id",  # an indicator's id is its code ("records.activity"); every record's is an integer
    "value",  # what a figure, a finding or an attribute holds
    "passed",  # a campaign funnel counts each stage under the stage's name; a re-check passed
    "items",  # a container's own rows: a checklist's, a campaign's reported ones, a drive's goods
}
# Calendar dates named without _on: a record's own day and the deadlines the forms name so.
DATE_NAMES = {"date", "birth_date", "deadline", "first_deadline", "new_deadline"}
# Every reference to another record, and the fields that name it.
REFERENCES = {
    "place": {"id", "name"},
    "parent": {"id", "name"},
    "to_place": {"id", "name"},
    "household": {"id", "number"},
    "unit": {"id", "name"},
    "to_unit": {"id", "name"},
    "resident": {"id", "name"},
    "head": {"id", "name"},
    "reporter": {"id", "name"},
    "organiser": {"id", "name"},
    "assignee": {"id", "name"},
    "by": {"id", "name"},
    "campaign": {"id", "name"},
    "checklist": {"id", "name"},
    "item": {"id", "name"},
    "inspection": {"id", "date", "target_name"},
    "record": {"id", "title"},
    "dwelling": {"id", "address"},
}


def _components() -> dict:
    return schema()["components"]["schemas"]


def _resolve(node: dict) -> dict:
    components = _components()
    while True:
        if "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        elif len(node.get("allOf", [])) == 1:
            node = node["allOf"][0]
        elif "oneOf" in node:  # a nullable or blank enum: the enum without null and ""
            kept = [
                o
                for o in node["oneOf"]
                if not o.get("$ref", "").endswith(("/NullEnum", "/BlankEnum"))
            ]
            if len(kept) != 1:
                return node
            node = kept[0]
        else:
            return node


def _answers() -> dict[str, dict]:
    """Every answer's component with its properties (request bodies and enums left out)."""
    return {
        name: component["properties"]
        for name, component in _components().items()
        if not name.endswith(("Request", "Enum")) and "properties" in component
    }


def _shape(node: dict) -> str:
    node = _resolve(node)
    if "enum" in node:
        return "enum"
    if node.get("type") == "object" and "properties" in node:
        return "{" + ",".join(sorted(node["properties"])) + "}"
    if node.get("type") == "array":
        return "[" + _shape(node.get("items", {})) + "]"
    return f"{node.get('type')}:{node.get('format', '')}"


def test_one_name_has_one_shape_in_every_answer():
    shapes: dict[str, dict[str, list[str]]] = {}
    for component, properties in _answers().items():
        for name, prop in properties.items():
            shapes.setdefault(name, {}).setdefault(_shape(prop), []).append(component)
    several = {n: s for n, s in shapes.items() if len(s) > 1 and n not in MANY_SHAPES}
    assert not several, several


def test_a_reference_is_an_object_naming_the_record_everywhere():
    found = set()
    for component, properties in _answers().items():
        for name, prop in properties.items():
            if name in REFERENCES:
                node = _resolve(prop)
                node = _resolve(node["items"]) if node.get("type") == "array" else node
                assert set(node.get("properties", {})) == REFERENCES[name], (component, name)
                found.add(name)
    assert found == set(REFERENCES)


def test_dates_end_in_on_and_instants_in_at():
    for component, properties in _answers().items():
        for name, prop in properties.items():
            kind = _resolve(prop).get("format")
            if name.endswith("_on") or kind == "date":
                assert kind == "date" and (name.endswith("_on") or name in DATE_NAMES), (
                    component,
                    name,
                )
            if name.endswith("_at") or kind == "date-time":
                # `at`: when a timeline entry happened (the action body's `at` too)
                assert kind == "date-time" and (name == "at" or name.endswith("_at")), (
                    component,
                    name,
                )


def test_every_enum_lists_its_values_and_a_coded_one_has_its_label_beside_it():
    enums = 0
    for component, properties in _answers().items():
        for name, prop in properties.items():
            node = _resolve(prop)
            # Beside codes that are data, not an enum: a 重点人群's, a flow's action's.
            if name.endswith("_label") and name not in ("group_label", "action_label"):
                assert "enum" in _resolve(properties[name.removesuffix("_label")]), (
                    component,
                    name,
                )
            if "enum" not in node:
                assert name not in ("kind", "state", "status", "sex", "stage", "result"), (
                    component,
                    name,
                )
                continue
            enums += 1
            coded = any(str(v).isascii() for v in node["enum"] if v)
            assert not coded or f"{name}_label" in properties, (component, name, node["enum"])
    assert enums >= 30


def test_the_rectification_filter_takes_the_state_each_order_answers(api, world):
    today = timezone.localdate()
    ten_days_ago = today - datetime.timedelta(days=10)
    late = order(
        inspect(world, fail=1, date=ten_days_ago), deadline=today - datetime.timedelta(days=1)
    )
    running = order(
        inspect(world, unit=shop(world.grid, "二店"), fail=1),
        deadline=today + datetime.timedelta(days=3),
    )
    done = order(inspect(world, unit=shop(world.grid, "三店"), fail=1))
    done.closed_on = today
    done.save(update_fields=["closed_on"])
    client = api(Role.COMMUNITY_WORKER)
    every = client.get("/api/v1/rectifications/").json()["results"]
    answered = {r["id"]: (r["state"], r["state_label"]) for r in every}
    assert answered == {
        late.pk: ("overdue", "逾期未整改"),
        running.pk: ("open", "整改中"),
        done.pk: ("closed", "已整改"),
    }
    for pk, (state, _label) in answered.items():
        only = client.get("/api/v1/rectifications/", state=state).json()["results"]
        assert [r["id"] for r in only] == [pk], state
    refused = client.get("/api/v1/rectifications/", state="逾期未整改")
    assert refused.status_code == 400 and "state" in refused.json()["fields"]


def test_the_inspection_filter_takes_the_result_each_inspection_answers(api, world):
    failed = inspect(world, fail=1)
    passed = inspect(world, unit=shop(world.grid, "二店"))
    client = api(Role.COMMUNITY_WORKER)
    every = client.get("/api/v1/inspections/").json()["results"]
    answered = {i["id"]: (i["result"], i["result_label"]) for i in every}
    assert answered == {failed.pk: ("fail", "不合格"), passed.pk: ("pass", "合格")}
    for pk, (result, _label) in answered.items():
        only = client.get("/api/v1/inspections/", result=result).json()["results"]
        assert [i["id"] for i in only] == [pk]
    assert every[0]["target"] == "unit" and every[0]["target_label"] == "辖区单位"
    assert every[0]["unit"]["name"]


def test_the_case_filter_takes_the_states_cases_answer_and_refuses_others(api, world):
    case = open_case(world, "诉求")
    client = api(Role.COMMUNITY_WORKER)
    answered = client.get("/api/v1/cases/").json()["results"][0]
    assert (answered["kind"], answered["kind_label"]) == ("诉求", "居民诉求/报修")
    only = client.get("/api/v1/cases/", state=answered["state"], kind=answered["kind"])
    assert [c["id"] for c in only.json()["results"]] == [case.pk]
    refused = client.get("/api/v1/cases/", state="nonsense")
    assert refused.status_code == 400 and not refused.json()["fields"]["state"][0].isascii()


def test_places_name_their_kind_and_parent(api, world):
    place = api(Role.COMMUNITY_WORKER).get(f"/api/v1/places/{world.grid.pk}/").json()
    assert (place["kind"], place["kind_label"]) == ("grid", "网格")
    assert place["parent"] == {"id": world.community.pk, "name": world.community.name}


def _act(client, case, action, **fields):
    version = Case.objects.get(pk=case.pk).version
    body = {"action": action, "version": version, **fields}
    response = client.post(f"/api/v1/cases/{case.pk}/actions/", body)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_case_answers_its_timeline_in_a_fixed_number_of_queries(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    worker = world.cast[Role.COMMUNITY_WORKER]
    client = api(Role.COMMUNITY_WORKER)
    case = open_case(world, "诉求")
    answer = _act(client, case, "assign", assignee=worker.pk, note="请尽快处理")
    assert [e["action"] for e in answer["timeline"]][1:] == ["assign"]
    url = f"/api/v1/cases/{case.pk}/"
    with CaptureQueriesContext(connection) as few:
        timeline = client.get(url).json()["timeline"]
    opened, assigned = timeline
    assert opened["previous_state"] is None and opened["state"] == "已受理"
    assert assigned["action_label"] == "派单" and assigned["note"] == "请尽快处理"
    assert (assigned["previous_state"], assigned["state"]) == ("已受理", "已派单")
    assert assigned["by"] == {"id": worker.pk, "name": worker.name}
    assert assigned["by_name"] == worker.name and assigned["assignee_name"] == worker.name
    assert datetime.datetime.fromisoformat(assigned["at"]) <= timezone.now()
    _act(client, case, "start")
    _act(client, case, "note", note="已联系物业")
    _act(client, case, "finish", note="已修好")
    with CaptureQueriesContext(connection) as more:
        timeline = client.get(url).json()["timeline"]
    assert [e["state"] for e in timeline][-3:] == ["处理中", "处理中", "已办结"]
    assert len(more.captured_queries) == len(few.captured_queries)  # not one per event


def test_drill_down_rows_link_to_the_api_and_to_the_page(api, world):
    client = api(Role.COMMUNITY_WORKER)
    case = open_case(world, "诉求")
    year = timezone.localtime(case.received_at).year
    detail = client.get("/api/v1/indicators/requests.all/", place=world.community.pk, year=year)
    assert detail.status_code == 200, detail.content
    row = detail.json()["rows"][0]
    assert row["url"].endswith(f"/api/v1/cases/{case.pk}/")
    assert row["page_url"].endswith(f"/cases/{case.pk}/") and "/api/" not in row["page_url"]
    followed = client.client.get(row["url"], headers=client.headers)
    assert followed.status_code == 200 and followed.json()["id"] == case.pk


def test_drill_down_rows_of_issued_supplies_and_applications_link_to_the_api(api, world):
    """Their page links are lists (the store, the 评选台账); the API answers each by id."""
    from programs import services as programs
    from programs.tests import aid_factories
    from tests.access_matrix import _application

    client = api(Role.COMMUNITY_WORKER)
    aid_factories.move(world)
    issued = programs.move_supplies(
        world.community,
        programs.MoveData(
            aid_factories.item(), "发放出库", "2", timezone.localdate(), to_place=world.grid
        ),
        by=None,
    )
    application = _application(world)
    for indicator, path in (
        ("supplies.issued", f"/api/v1/supplies/moves/{issued.pk}/"),
        ("campaigns.applied", f"/api/v1/applications/{application.pk}/"),
    ):
        detail = client.get(
            f"/api/v1/indicators/{indicator}/",
            place=world.community.pk,
            year=timezone.localdate().year,
        )
        assert detail.status_code == 200, detail.content
        (row,) = detail.json()["rows"]
        assert row["url"].endswith(path), (indicator, row)
        followed = client.client.get(row["url"], headers=client.headers)
        assert followed.status_code == 200 and followed.json()["id"] in (issued.pk, application.pk)


def test_a_case_body_leaves_out_what_the_new_case_page_fills_in(api, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    client = api(Role.COMMUNITY_WORKER)
    body = {"kind": "诉求", "title": "路灯不亮", "category": "水电维修", "channel": "电话"}
    before = timezone.localtime().replace(second=0, microsecond=0)
    created = client.post("/api/v1/cases/", body)
    assert created.status_code == 201, created.content
    case = Case.objects.get()
    initial = case_initial(case.flow, worker)
    assert case.place_id == initial["place"] == worker.place_id
    assert before <= case.received_at <= initial["received_at"]
    assert case.received_at.second == 0  # the minute, as the page's form shows it
