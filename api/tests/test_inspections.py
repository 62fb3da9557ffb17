"""Inspections and rectification orders through the API: the lists' filters shared with the
pages, findings and re-checks, and the re-check through inspections.services.recheck."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEntry
from inspections.models import Recheck, Rectification
from inspections.tests.factories import inspect, order, shop


def test_inspections_are_listed_with_the_lists_filters_and_read_with_their_findings(api, world):
    failed = inspect(world, fail=1)
    passed = inspect(world, unit=shop(world.grid, "第二家"))
    outsider = world.outsiders[Role.COMMUNITY_WORKER]
    inspect(world, unit=shop(world.neighbour_community, "邻店"), by=outsider)
    client = api(Role.COMMUNITY_WORKER)
    assert {i["id"] for i in client.get("/api/v1/inspections/").json()["results"]} == {
        failed.pk,
        passed.pk,
    }
    only_failed = client.get("/api/v1/inspections/", result="fail").json()["results"]
    assert [i["id"] for i in only_failed] == [failed.pk]
    assert only_failed[0]["failures"] == 1
    bad = client.get("/api/v1/inspections/", result="maybe")
    assert bad.status_code == 400 and not bad.json()["fields"]["result"][0].isascii()
    detail = client.get(f"/api/v1/inspections/{failed.pk}/").json()
    assert [a["failed"] for a in detail["answers"]].count(True) == 1
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.get(f"/api/v1/inspections/{failed.pk}/").status_code == 404


def test_the_api_and_the_page_list_the_same_orders_for_the_same_filters(api, world, client):
    from django.urls import reverse

    today = timezone.localdate()
    ten_days_ago = today - datetime.timedelta(days=10)
    late = order(
        inspect(world, fail=1, date=ten_days_ago), deadline=today - datetime.timedelta(days=1)
    )
    order(inspect(world, fail=1), deadline=today + datetime.timedelta(days=5))
    listed = api(Role.COMMUNITY_WORKER).get("/api/v1/rectifications/", state="overdue").json()
    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    page = client.get(reverse("inspections:rectification-list"), {"state": "overdue"})
    assert [r["id"] for r in listed["results"]] == [r.pk for r in page.context["rows"]]
    assert [r["id"] for r in listed["results"]] == [late.pk]


def _recheck(world, rectification) -> str:
    return f"/api/v1/rectifications/{rectification.pk}/recheck/"


def test_a_recheck_closes_the_order_through_the_service_once_per_key(api, world):
    notice = order(inspect(world, fail=1))
    client = api(Role.COMMUNITY_WORKER)
    body = {"version": notice.version, "date": timezone.localdate().isoformat(), "passed": True}
    first = client.post(_recheck(world, notice), body, key="r-1")
    second = client.post(_recheck(world, notice), body, key="r-1")
    assert (first.status_code, second.status_code) == (200, 200), first.content
    assert first.json() == second.json()
    assert first.json()["closed_on"] == timezone.localdate().isoformat()
    assert Recheck.objects.count() == 1
    assert AuditEntry.objects.filter(action__startswith="rectification.").exists()
    again = client.post(_recheck(world, notice), {**body, "version": notice.version + 1})
    assert again.status_code == 409 and "销号" in again.json()["message"]  # closed: a conflict
    assert Recheck.objects.count() == 1


def test_a_failed_recheck_sets_a_new_deadline(api, world):
    notice = order(inspect(world, fail=1))
    new = timezone.localdate() + datetime.timedelta(days=10)
    response = api(Role.COMMUNITY_WORKER).post(
        _recheck(world, notice),
        {
            "version": notice.version,
            "date": timezone.localdate().isoformat(),
            "passed": False,
            "new_deadline": new.isoformat(),
            "note": "灭火器仍过期",
        },
    )
    assert response.status_code == 200, response.content
    notice.refresh_from_db()
    assert notice.deadline == new and notice.closed_on is None


def test_bad_recheck_input_is_400_in_chinese_and_changes_nothing(api, world):
    notice = order(inspect(world, fail=1))
    today = timezone.localdate().isoformat()
    client = api(Role.COMMUNITY_WORKER)
    cases = [
        ({"date": today, "passed": True}, "version"),
        ({"version": notice.version, "passed": True}, "date"),
        ({"version": notice.version, "date": today}, "passed"),
        ({"version": notice.version, "date": today, "passed": False}, "new_deadline"),
    ]
    for body, field in cases:
        response = client.post(_recheck(world, notice), body)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["fields"], (body, response.json())
        assert not response.json()["fields"][field][0].isascii()
    stale = client.post(
        _recheck(world, notice), {"version": notice.version + 5, "date": today, "passed": True}
    )
    assert stale.status_code == 409
    assert not Recheck.objects.exists()
    notice.refresh_from_db()
    assert notice.closed_on is None


def test_rechecks_are_refused_to_viewers_and_outsiders(api, world):
    notice = order(inspect(world, fail=1))
    body = {"version": notice.version, "date": timezone.localdate().isoformat(), "passed": True}
    assert api(Role.VIEWER).post(_recheck(world, notice), body).status_code == 403
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    assert outsider.post(_recheck(world, notice), body).status_code == 404
    assert outsider.get(f"/api/v1/rectifications/{notice.pk}/").status_code == 404
    assert not Recheck.objects.exists()
    assert Rectification.objects.get().closed_on is None
