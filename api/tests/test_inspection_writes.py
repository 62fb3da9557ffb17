"""Recording an inspection with its findings and issuing a rectification order through the
API: the page's form and services, Chinese 400s that save nothing, one inspection per
Idempotency-Key, and the page's role and place checks."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEntry
from inspections.models import Inspection, Rectification
from inspections.tests.factories import (
    checklist,
    failing_item,
    inspect,
    passing_answers,
    shop,
)


def _body(world, *, unit=None, fail: bool = True) -> dict:
    version = checklist()
    answers = {str(k): v for k, v in passing_answers(version).items()}
    if fail:
        item = failing_item(version)
        answers[str(item.pk)] = item.failing_list()[0]
    body = {
        "checklist": version.checklist_id,
        "unit": (unit or shop(world.grid)).pk,
        "date": timezone.localdate().isoformat(),
        "answers": answers,
        "notes": "现场检查",
    }
    if fail:
        body["answer_notes"] = {str(item.pk): "灭火器过期"}
    return body


def test_an_inspection_is_recorded_with_its_findings_once_per_key(api, world):
    client = api(Role.COMMUNITY_WORKER)
    body = _body(world)
    first = client.post("/api/v1/inspections/", body, key="i-1")
    second = client.post("/api/v1/inspections/", body, key="i-1")
    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert second["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    inspection = Inspection.objects.get()
    assert first.json()["id"] == inspection.pk
    assert inspection.failures == 1 and first.json()["result"]
    failed = [a for a in first.json()["answers"] if a["failed"]]
    assert [a["note"] for a in failed] == ["灭火器过期"]
    assert [u.pk for u in inspection.inspectors.all()] == [world.cast[Role.COMMUNITY_WORKER].pk]
    assert AuditEntry.objects.filter(action="inspection.create").count() == 1


def test_a_site_is_inspected_with_its_place(api, world):
    body = _body(world, fail=False)
    del body["unit"]
    body.update(site="菜市场周边", place=world.grid.pk)
    response = api(Role.COMMUNITY_WORKER).post("/api/v1/inspections/", body)
    assert response.status_code == 201, response.content
    assert response.json()["target_name"] == "菜市场周边"
    assert response.json()["place"]["id"] == world.grid.pk


def test_bad_inspections_are_400_in_chinese_and_save_nothing(api, world):
    client = api(Role.COMMUNITY_WORKER)
    good = _body(world)
    item = failing_item(checklist())
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    cases = [
        ({**good, "checklist": 999999}, "checklist"),
        ({k: v for k, v in good.items() if k != "unit"}, "target"),
        ({**good, "site": "菜市场"}, "target"),
        ({**good, "date": "明天"}, "date"),
        ({**good, "date": tomorrow}, "date"),
        ({**good, "answers": {**good["answers"], "999999": "是"}}, "answers"),
        ({**good, "answers": {**good["answers"], str(item.pk): "也许"}}, f"answers.{item.pk}"),
        ({**good, "answers": "是"}, "answers"),
        ({**good, "inspectors": [], "other_inspectors": ""}, "inspectors"),
        ({**good, "notes": ["a"]}, "notes"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/inspections/", body)
        assert response.status_code == 400, (field, response.content)
        fields = response.json()["fields"]
        assert field in fields, (field, fields)
        assert not fields[field][0].isascii(), fields
    assert not Inspection.objects.exists()


def test_inspections_are_recorded_only_by_roles_that_record_and_only_at_home(api, world):
    body = _body(world)
    assert api(Role.VIEWER).post("/api/v1/inspections/", body).status_code == 403
    neighbour = shop(world.neighbour_community, "邻店")
    outsider = api(Role.COMMUNITY_WORKER).post("/api/v1/inspections/", _body(world, unit=neighbour))
    assert outsider.status_code == 404
    assert not Inspection.objects.exists()


def _issue(inspection) -> str:
    return f"/api/v1/inspections/{inspection.pk}/rectifications/"


def test_an_order_is_issued_for_a_failing_item_with_the_pages_defaults_once_per_key(api, world):
    inspection = inspect(world, fail=1)
    item = inspection.answers.get(failed=True).item
    client = api(Role.COMMUNITY_WORKER)
    first = client.post(_issue(inspection), {"item": item.pk}, key="o-1")
    second = client.post(_issue(inspection), {"item": item.pk}, key="o-1")
    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert first.json() == second.json()
    order = Rectification.objects.get()
    today = timezone.localdate()
    assert order.finding.startswith(item.label)
    assert order.responsible.startswith("好又多便利店")
    assert (order.issued_on, order.deadline) == (today, today + datetime.timedelta(days=7))
    assert first.json()["number"] == order.number
    again = client.post(_issue(inspection), {"item": item.pk})
    assert again.status_code == 400 and "item" in again.json()["fields"]
    assert Rectification.objects.count() == 1


def test_bad_orders_are_400_in_chinese_and_save_nothing(api, world):
    inspection = inspect(world, fail=1)
    failed = inspection.answers.get(failed=True).item
    passed = inspection.answers.filter(failed=False).first().item
    client = api(Role.COMMUNITY_WORKER)
    yesterday = (inspection.date - datetime.timedelta(days=1)).isoformat()
    cases = [
        ({}, "finding"),
        ({"item": 999999}, "item"),
        ({"item": passed.pk}, "item"),
        ({"item": failed.pk, "deadline": yesterday}, "deadline"),
        ({"item": failed.pk, "issued_on": yesterday}, "issued_on"),
        ({"item": failed.pk, "responsible": ""}, "responsible"),
        ({"item": "一"}, "item"),
    ]
    for body, field in cases:
        response = client.post(_issue(inspection), body)
        assert response.status_code == 400, (body, response.content)
        fields = response.json()["fields"]
        assert field in fields, (body, fields)
        assert not fields[field][0].isascii(), fields
    assert not Rectification.objects.exists()


def test_orders_are_refused_to_viewers_and_outsiders(api, world):
    inspection = inspect(world, fail=1)
    body = {"item": inspection.answers.get(failed=True).item_id}
    assert api(Role.VIEWER).post(_issue(inspection), body).status_code == 403
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.post(_issue(inspection), body).status_code == 404
    assert not Rectification.objects.exists()
