"""Work records (read and registered through the quick-entry service), cases (supervision
files only for judicial roles, each opening audited) and indicators with the records behind a
figure, through the API."""

from __future__ import annotations

from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEntry
from cases.tests.factories import open_case
from ledger.models import QuantityKind, WorkRecord
from people.tests.factories import resident

RECORDS = "/api/v1/records/"


def _body(world, **changes):
    leaflets = QuantityKind.objects.get(name="宣传资料")
    body = {
        "kind": "宣传",
        "topics": ["law", "security"],
        "title": "防范电信诈骗宣传",
        "date": "2025-04-15",
        "start_time": "09:00",
        "end_time": "11:30",
        "place": world.grid.pk,
        "venue": "社区广场",
        "head_count": 120,
        "quantities": {str(leaflets.pk): "300"},
    }
    body.update(changes)
    return body


def test_a_record_is_registered_through_the_quick_entry_service(api, world):
    response = api(Role.COMMUNITY_WORKER).post(RECORDS, _body(world))
    assert response.status_code == 201, response.content
    record = WorkRecord.objects.get()
    assert record.place_path == world.grid.path and record.head_count == 120
    assert {t.code for t in record.topics.all()} == {"law", "security"}
    assert [(q.kind.name, int(q.amount)) for q in record.quantities.all()] == [("宣传资料", 300)]
    assert record.created_by == world.cast[Role.COMMUNITY_WORKER]
    assert set(response.json()["topics"]) == {"law", "security"}
    assert {e.action for e in AuditEntry.objects.exclude(action="api.call")} >= {
        "record.create",
        "record.details",
    }


def test_bad_record_input_is_400_in_chinese_and_saves_nothing(api, world):
    client = api(Role.COMMUNITY_WORKER)
    cases = [
        (_body(world, topics=[]), "topics"),
        (_body(world, topics=["nonsense"]), "topics"),
        (_body(world, end_time="08:00"), "end_time"),
        (_body(world, date="1999-01-01"), "date"),
        (_body(world, place=world.neighbour_community.pk), "place"),
        (_body(world, head_count=-1), "head_count"),
        (_body(world, quantities={"999999": "3"}), "quantities"),
        (_body(world, quantities="3"), "quantities"),
    ]
    for body, field in cases:
        response = client.post(RECORDS, body)
        assert response.status_code == 400, (field, response.content)
        assert field in response.json()["fields"], (field, response.json())
        assert not response.json()["fields"][field][0].isascii()
    assert not WorkRecord.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="record.").exists()


def test_a_retried_record_with_the_same_key_is_registered_once(api, world):
    client = api(Role.COMMUNITY_WORKER)
    first = client.post(RECORDS, _body(world), key="rec-1")
    second = client.post(RECORDS, _body(world), key="rec-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert WorkRecord.objects.count() == 1
    assert AuditEntry.objects.filter(action="record.create").count() == 1
    assert client.post(RECORDS, _body(world, title="另一条"), key="rec-1").status_code == 409
    assert WorkRecord.objects.count() == 1


def test_the_key_is_the_users_not_anothers(api, world):
    """Two users may choose the same key: each has their own."""
    a = api(Role.COMMUNITY_WORKER).post(RECORDS, _body(world), key="same")
    b = api(Role.COMMUNITY_HEAD).post(RECORDS, _body(world, title="书记的"), key="same")
    assert (a.status_code, b.status_code) == (201, 201)
    assert WorkRecord.objects.count() == 2


def test_a_viewer_cannot_register_and_nothing_is_saved(api, world):
    response = api(Role.VIEWER).post(RECORDS, _body(world), key="v-1")
    assert response.status_code == 403
    assert not WorkRecord.objects.exists()


def test_records_are_newest_first_with_the_lists_filters(api, world):
    client = api(Role.COMMUNITY_WORKER)
    for n, (kind, day) in enumerate([("宣传", "2025-04-01"), ("会议", "2025-05-01")]):
        client.post(RECORDS, _body(world, kind=kind, date=day, title=f"第{n}条"))
    listed = client.get(RECORDS).json()["results"]
    assert [r["title"] for r in listed] == ["第1条", "第0条"]
    assert [r["title"] for r in client.get(RECORDS, kind="会议").json()["results"]] == ["第1条"]
    assert [r["title"] for r in client.get(RECORDS, month="2025-04").json()["results"]] == ["第0条"]
    refused = client.get(RECORDS, month="April")
    assert refused.status_code == 400 and "month" in refused.json()["fields"]


def test_supervision_files_only_for_judicial_roles_and_each_opening_audited(api, world):
    file = open_case(world, "矫正", subject=resident(world.grid, "郑一"))
    request = open_case(world, "诉求")
    url = f"/api/v1/cases/{file.pk}/"
    head, worker = api(Role.COMMUNITY_HEAD), api(Role.COMMUNITY_WORKER)
    assert {c["id"] for c in head.get("/api/v1/cases/").json()["results"]} == {
        file.pk,
        request.pk,
    }
    assert [c["id"] for c in worker.get("/api/v1/cases/").json()["results"]] == [request.pk]
    assert worker.get(url).status_code == 404
    assert head.get(url).status_code == 200
    views = AuditEntry.objects.filter(action="case.view")
    assert [(e.actor, e.object_id) for e in views] == [
        (world.cast[Role.COMMUNITY_HEAD], str(file.pk))
    ]


def test_an_indicator_and_the_records_behind_it(api, world):
    client = api(Role.COMMUNITY_WORKER)
    for n in range(3):
        client.post(
            RECORDS, _body(world, kind="活动", title=f"活动{n}", date="2025-03-0" + str(n + 1))
        )
    client.post(RECORDS, _body(world, kind="会议", title="例会", date="2025-03-05"))
    values = client.get("/api/v1/indicators/", place=world.community.pk, year=2025)
    assert values.status_code == 200
    figures = {f["id"]: f for f in values.json()["figures"]}
    assert figures["records.activity"]["value"] == "3"
    assert figures["records.meeting"]["value"] == "1"
    behind = client.client.get(figures["records.activity"]["records"], headers=client.headers)
    detail = behind.json()
    assert detail["value"] == "3" and detail["count"] == 3
    assert sorted(r["title"] for r in detail["rows"]) == [
        "活动 · 活动0",
        "活动 · 活动1",
        "活动 · 活动2",
    ]
    grid = next(c for c in detail["by_child"] if c["place"] and c["place"]["id"] == world.grid.pk)
    assert grid["value"] == "3"
    # Another year counts none of them.
    other = client.get("/api/v1/indicators/records.activity/", place=world.community.pk, year=2024)
    assert other.json()["value"] == "0" and other.json()["rows"] == []


def test_a_rate_is_a_decimal_string_rounded_as_the_statistics_page_shows_it(api, world):
    from inspections.tests.factories import inspect, shop

    inspect(world, fail=1)
    for name in ("第二家", "第三家"):
        inspect(world, unit=shop(world.grid, name))
    today = timezone.localdate()
    values = api(Role.COMMUNITY_HEAD).get(
        "/api/v1/indicators/", place=world.community.pk, year=today.year
    )
    rates = {r["id"]: r for r in values.json()["rates"]}
    failed = rates["rate.inspections.failed"]
    assert (failed["numerator"], failed["denominator"]) == ("1", "3")
    assert failed["value"] == "33.3"  # not 33.333333333333336
    assert rates["rate.requests.closed"]["value"] is None  # no requests: no denominator


def test_an_indicator_a_role_may_not_see_is_404(api, world):
    from reports import catalogue

    judicial = next(i for i in catalogue.INDICATORS if i.needs.value == "view_judicial")
    response = api(Role.GRID_WORKER).get(f"/api/v1/indicators/{judicial.id}/")
    assert response.status_code == 404
    assert judicial.id not in str(api(Role.GRID_WORKER).get("/api/v1/indicators/").json())


def test_nul_characters_are_refused_as_bad_input_not_a_server_error(api, world):
    """PostgreSQL refuses NUL even in a lookup; found by schemathesis on PostgreSQL."""
    client = api(Role.COMMUNITY_WORKER)
    response = client.post(RECORDS, _body(world, topics=["la\x00w"]))
    assert response.status_code == 400 and "topics" in response.json()["fields"]
    assert client.get("/api/v1/households/", q="1\x00").status_code == 400
    assert client.get("/api/v1/residents/", group="x\x00").status_code == 400
    assert not WorkRecord.objects.exists()


def test_record_and_case_pages_take_a_fixed_number_of_queries(
    api, world, django_assert_max_num_queries
):
    client = api(Role.COMMUNITY_WORKER)
    for n in range(55):
        client.post(RECORDS, _body(world, title=f"宣传{n}", date=f"2025-04-{n % 28 + 1:02d}"))
    for _n in range(5):
        open_case(world, "诉求")
    client.get("/api/v1/me/")  # the token's last use is written once, not in what is counted
    with django_assert_max_num_queries(14):
        first = client.get(RECORDS).json()
    assert len(first["results"]) == 50
    second = client.client.get(first["next"], headers=client.headers).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    with django_assert_max_num_queries(10):
        assert len(client.get("/api/v1/cases/").json()["results"]) == 5


def test_units_with_the_contact_phone_masked_and_the_lists_filters(api, world):
    from areas.models import LocalUnit

    shop = LocalUnit.objects.create(
        name="甲便利店", kind="商铺", place=world.grid, contact_phone="13812345678"
    )
    LocalUnit.objects.create(name="乙小学", kind="学校", place=world.grid)
    LocalUnit.objects.create(name="邻店", kind="商铺", place=world.neighbour_community)
    client = api(Role.COMMUNITY_WORKER)
    listed = client.get("/api/v1/units/").json()["results"]
    assert {u["name"] for u in listed} == {"甲便利店", "乙小学"}
    assert [u["name"] for u in client.get("/api/v1/units/", kind="商铺").json()["results"]] == [
        "甲便利店"
    ]
    assert [u["name"] for u in client.get("/api/v1/units/", q="小学").json()["results"]] == [
        "乙小学"
    ]
    detail = client.get(f"/api/v1/units/{shop.pk}/").json()
    assert detail["contact_phone"] == "138****5678"
    assert client.get("/api/v1/units/", kind="银行").status_code == 400
