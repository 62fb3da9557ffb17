"""Cases opened and moved on through the API (the new-case form, the case page's actions, the
same state machine and permission checks), the case list's filters shared with the page, and
ledgers exported as the ledger centre exports them."""

from __future__ import annotations

import datetime
import io

import openpyxl
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEntry
from cases.models import Case, Event
from cases.tests.factories import open_case
from people.tests.factories import resident

CASES = "/api/v1/cases/"


def _request_body(world, **changes) -> dict:
    body = {
        "kind": "诉求",
        "title": "楼道灯不亮",
        "category": "水电维修",
        "channel": "电话",
        "place": world.grid.pk,
        "reporter_name": "王大妈",
        "reporter_phone": "13800001234",
        "description": "3号楼2单元楼道灯坏了",
    }
    body.update(changes)
    return body


def _actions(world, case) -> str:
    return f"{CASES}{case.pk}/actions/"


def test_a_request_is_opened_through_the_new_case_service_with_the_phone_masked(api, world):
    response = api(Role.COMMUNITY_WORKER).post(CASES, _request_body(world), key="c-1")
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.kind, case.state, case.place_id) == ("诉求", "已受理", world.grid.pk)
    assert case.created_by == world.cast[Role.COMMUNITY_WORKER]
    assert response.json()["reporter_phone"] == "138****1234"
    assert response.json()["version"] == case.version
    assert AuditEntry.objects.filter(action="case.open").count() == 1


def test_bad_case_input_is_400_in_chinese_and_opens_nothing(api, world):
    client = api(Role.COMMUNITY_WORKER)
    cases = [
        (_request_body(world, kind="nonsense"), "kind"),
        (_request_body(world, category="不存在"), "category"),
        (_request_body(world, title=""), "title"),
        (_request_body(world, place=world.neighbour_community.pk), "place"),
        (_request_body(world, deadline="2000-01-01"), "deadline"),
        (_request_body(world, due="2030-01-01"), "due"),  # the page form's name: not taken
    ]
    for body, field in cases:
        response = client.post(CASES, body)
        assert response.status_code == 400, (field, response.content)
        fields = response.json()["fields"]
        assert field in fields or "_" in fields, (field, fields)
        assert not next(iter(fields.values()))[0].isascii()
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="case.").exists()


def test_a_case_body_names_its_deadline_as_the_answer_does(api, world):
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = api(Role.COMMUNITY_WORKER).post(CASES, _request_body(world, deadline=deadline))
    assert response.status_code == 201, response.content
    assert response.json()["deadline"] == deadline
    assert Case.objects.get().due.isoformat() == deadline


def test_an_unknown_case_key_is_400_on_that_key_and_opens_nothing(api, world):
    response = api(Role.COMMUNITY_WORKER).post(CASES, _request_body(world, urgent=True))
    assert response.status_code == 400
    assert response.json()["fields"] == {"urgent": ["不认识的字段"]}
    assert not Case.objects.exists()


def test_a_retried_case_with_the_same_key_is_opened_once(api, world):
    client = api(Role.COMMUNITY_WORKER)
    first = client.post(CASES, _request_body(world), key="same")
    second = client.post(CASES, _request_body(world), key="same")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json() and second["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_supervision_files_are_opened_only_by_judicial_roles(api, world):
    someone = resident(world.grid, "郑一")
    body = {
        "kind": "矫正",
        "category": "缓刑",
        "place": world.grid.pk,
        "subject": someone.id_number,
        "starts_on": timezone.localdate().isoformat(),
    }
    assert api(Role.COMMUNITY_WORKER).post(CASES, body).status_code == 403
    assert not Case.objects.exists()
    response = api(Role.COMMUNITY_HEAD).post(CASES, body)
    assert response.status_code == 201, response.content
    assert Case.objects.get().kind == "矫正"


def test_a_viewer_may_not_open_a_case(api, world):
    assert api(Role.VIEWER).post(CASES, _request_body(world)).status_code == 403
    assert not Case.objects.exists()


def test_a_case_answer_names_its_assignee_in_a_fixed_number_of_queries(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    worker = world.cast[Role.COMMUNITY_WORKER]
    client = api(Role.COMMUNITY_WORKER)
    client.get("/api/v1/me/")  # the token's last use is written once, not in what is counted

    def assigned() -> Case:
        case = open_case(world, "诉求")
        body = {"action": "assign", "version": case.version, "assignee": worker.pk}
        answer = client.post(_actions(world, case), body).json()
        assert answer["assignee"] == {"id": worker.pk, "name": worker.name}
        return case

    case = assigned()
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["assignee"]["id"] == worker.pk
    open_case(world, "诉求", title="未派单的")
    with CaptureQueriesContext(connection) as few:
        listed = client.get(CASES).json()["results"]
    assert {c["title"]: c["assignee"] for c in listed}["未派单的"] is None
    for _n in range(3):
        assigned()
    with CaptureQueriesContext(connection) as more:
        listed = client.get(CASES).json()["results"]
    assert len(listed) == 5
    assert len(more.captured_queries) == len(few.captured_queries)  # not one per row


def test_a_request_is_taken_to_closed_through_the_case_pages_actions(api, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    case = open_case(world, "诉求")
    client = api(Role.COMMUNITY_WORKER)
    offered = client.get(_actions(world, case)).json()
    assert offered["state"] == "已受理"
    assert {a["code"] for a in offered["actions"]} >= {"assign", "note"}
    # A read-only role sees the case but is offered nothing.
    assert api(Role.VIEWER).get(_actions(world, case)).json()["actions"] == []
    steps = [
        ("assign", {"assignee": worker.pk, "note": "请处理"}, "已派单"),
        ("start", {}, "处理中"),
        ("finish", {"note": "已换灯泡"}, "已办结"),
        ("follow_up", {"rating": "满意"}, "已回访"),
        ("close", {}, "已结案"),
    ]
    for code, fields, state in steps:
        version = Case.objects.get(pk=case.pk).version
        response = client.post(
            _actions(world, case), {"action": code, "version": version, **fields}
        )
        assert response.status_code == 200, (code, response.content)
        assert response.json()["state"] == state
    case.refresh_from_db()
    assert case.state == "已结案" and case.assignee == worker and case.closed_at is not None
    assert [e.action for e in Event.objects.filter(case=case).order_by("at", "pk")][1:] == [
        s[0] for s in steps
    ]
    assert AuditEntry.objects.filter(action="case.close", object_id=str(case.pk)).exists()


def test_an_action_the_state_does_not_allow_is_409_and_changes_nothing(api, world):
    case = open_case(world, "诉求")
    client = api(Role.COMMUNITY_WORKER)
    response = client.post(_actions(world, case), {"action": "close", "version": case.version})
    assert response.status_code == 409
    assert response.json()["message"] == "回访完成后才能结案"
    case.refresh_from_db()
    assert case.state == "已受理" and case.version == 0
    assert not Event.objects.filter(case=case).exclude(action="open").exists()


def test_a_stale_version_is_409_and_changes_nothing(api, world):
    case = open_case(world, "诉求")
    client = api(Role.COMMUNITY_WORKER)
    first = client.post(_actions(world, case), {"action": "note", "version": 0, "note": "一"})
    assert first.status_code == 200
    stale = client.post(_actions(world, case), {"action": "note", "version": 0, "note": "二"})
    assert stale.status_code == 409 and not stale.json()["message"].isascii()
    assert Event.objects.filter(case=case, action="note").count() == 1


def test_bad_action_input_is_400_in_chinese_and_changes_nothing(api, world):
    case = open_case(world, "诉求")
    outsider = world.outsiders[Role.COMMUNITY_WORKER]
    client = api(Role.COMMUNITY_WORKER)
    cases = [
        ({"action": "fly", "version": 0}, "action"),
        ({"version": 0}, "action"),
        ({"action": "note"}, "version"),
        ({"action": "note", "version": 0}, "note"),
        ({"action": "assign", "version": 0}, "assignee"),
        ({"action": "assign", "version": 0, "assignee": outsider.pk}, "assignee"),
    ]
    for body, field in cases:
        response = client.post(_actions(world, case), body)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["fields"], (body, response.json())
        assert not response.json()["fields"][field][0].isascii()
    case.refresh_from_db()
    assert case.version == 0 and case.assignee is None
    assert not Event.objects.filter(case=case).exclude(action="open").exists()


def test_a_retried_action_with_the_same_key_is_taken_once(api, world):
    case = open_case(world, "诉求")
    client = api(Role.COMMUNITY_WORKER)
    body = {"action": "note", "version": 0, "note": "电话联系了居民"}
    first = client.post(_actions(world, case), body, key="act-1")
    second = client.post(_actions(world, case), body, key="act-1")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert Event.objects.filter(case=case, action="note").count() == 1


def test_actions_are_refused_to_viewers_and_outsiders(api, world):
    case = open_case(world, "诉求")
    body = {"action": "note", "version": 0, "note": "x"}
    assert api(Role.VIEWER).post(_actions(world, case), body).status_code == 403
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.post(_actions(world, case), body).status_code == 404
    assert outsider.get(_actions(world, case)).status_code == 404
    file = open_case(world, "矫正", subject=resident(world.grid, "郑二"))
    # A supervision file does not exist for a role without judicial data.
    assert api(Role.COMMUNITY_WORKER).get(_actions(world, file)).status_code == 404
    assert not Event.objects.exclude(action="open").exists()


def test_the_api_and_the_page_list_the_same_cases_for_the_same_filters(api, world, client):
    from django.urls import reverse

    kept = open_case(world, "诉求", title="留下")
    open_case(world, "信访", title="信访件")
    open_case(world, "诉求", title="别处", place=world.neighbour_grid)
    query = {"kind": "诉求", "place": world.grid.pk, "year": timezone.localdate().year}
    listed = api(Role.COMMUNITY_WORKER).get(CASES, **query).json()["results"]
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    page = client.get(reverse("cases:case-list"), query)
    assert [c["id"] for c in listed] == [c.pk for c in page.context["rows"]] == [kept.pk]


# --- Ledgers --------------------------------------------------------------------------------


def test_the_ledger_catalogue_is_the_ledger_centres_for_the_role(api, world):
    from people.ledgers import LEDGERS

    answer = api(Role.COMMUNITY_HEAD).get("/api/v1/ledgers/").json()
    assert answer["next"] is None  # the shape every list has
    head = {x["code"] for x in answer["results"]}
    grid = {x["code"] for x in api(Role.GRID_WORKER).get("/api/v1/ledgers/").json()["results"]}
    assert head == set(LEDGERS)
    hidden = {c for c, ledger in LEDGERS.items() if ledger.needs.value == "view_judicial"}
    assert (
        hidden
        and not hidden & grid
        and grid
        == set(LEDGERS)
        - hidden
        - {c for c, ledger in LEDGERS.items() if ledger.needs.value == "view_health"}
    )


def _sheet(response) -> list[list]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [[c.value for c in row] for row in book.active.iter_rows()]


def test_a_ledger_is_exported_as_the_ledger_centre_exports_it_and_audited(api, world):
    from people import services

    for place, name in [(world.grid, "周十"), (world.neighbour_community, "邻居")]:
        head = resident(place, name, phone="13812345678")
        services.create_household(
            number=name, place=place, head=head, since=datetime.date(2020, 1, 1), by=None
        )
    response = api(Role.VIEWER).get("/api/v1/ledgers/population/export/", place=world.community.pk)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = str(_sheet(response))
    assert "周十" in text and "邻居" not in text
    assert "13812345678" not in text  # a viewer's export keeps numbers masked, as the page's
    entry = AuditEntry.objects.get(action="ledger.export")
    assert entry.data["ledger"] == "population" and entry.data["rows"] == 1
    assert entry.data["full_numbers"] is False


def test_a_ledger_export_is_refused_where_the_page_refuses_it(api, world):
    from people.ledgers import LEDGERS

    judicial = next(c for c, ledger in LEDGERS.items() if ledger.needs.value == "view_judicial")
    worker = api(Role.COMMUNITY_WORKER)
    assert worker.get(f"/api/v1/ledgers/{judicial}/export/").status_code == 403
    assert worker.get("/api/v1/ledgers/nonsense/export/").status_code == 404
    outside = worker.get("/api/v1/ledgers/population/export/", place=world.neighbour_community.pk)
    assert outside.status_code == 404
    bad = worker.get("/api/v1/ledgers/population/export/", on="2999-01-01")
    assert bad.status_code == 400 and not bad.json()["fields"]["on"][0].isascii()
    assert not AuditEntry.objects.filter(action="ledger.export").exists()
