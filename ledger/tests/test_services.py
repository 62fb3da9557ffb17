import datetime

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from ledger.models import ServiceEntry
from people.tests.factories import resident


def test_the_desk_logs_a_service_by_id_number_or_unique_name_with_counts(client, world):
    zhang = resident(world.grid, "张三")
    resident(world.grid, "李四", birth=datetime.date(1970, 1, 1))
    resident(world.neighbour_grid, "李四", birth=datetime.date(1971, 1, 1))
    resident(world.other_community, "王五", birth=datetime.date(1972, 1, 1))
    client.force_login(world.cast["community_worker"])
    url = reverse("ledger:service-list")
    today = timezone.localdate().isoformat()
    base = {"service": "养老认证", "outcome": "已办结", "date": today}
    assert client.post(url, {**base, "who": zhang.id_number}).status_code == 302
    assert client.post(url, {**base, "who": "张三", "service": "开具证明"}).status_code == 302
    refused = [
        ({"who": "李四"}, "多位名为“李四”的居民"),
        ({"who": "王五"}, "没有姓名或身份证号码为“王五”的"),  # lives in another community
        ({"who": ""}, "这个字段是必填项"),
        ({"who": "张三", "date": "2999-01-01"}, "办理日期不能晚于今天"),
        ({"who": "张三", "service": "办护照"}, "选择一个有效的选项"),
    ]
    for changes, message in refused:
        response = client.post(url, {**base, **changes})
        assert response.status_code == 200 and message in response.content.decode(), changes
    assert ServiceEntry.objects.count() == 2
    assert AuditEntry.objects.filter(action="service.create").count() == 2
    page = client.get(url)
    counts = {row["service"]: row["n"] for row in page.context["by_service"]}
    assert counts == {"养老认证": 1, "开具证明": 1}
    workers = {row["handled_by__name"]: row["n"] for row in page.context["by_worker"]}
    assert workers == {world.cast["community_worker"].name: 2}
    assert zhang.id_number not in page.content.decode()  # masked in the list


def test_a_viewer_sees_the_log_but_cannot_write_to_it(client, world):
    client.force_login(world.cast["viewer"])
    url = reverse("ledger:service-list")
    assert client.get(url).status_code == 200
    response = client.post(url, {"who": "张三", "service": "养老认证", "outcome": "已办结"})
    assert response.status_code == 403 and not ServiceEntry.objects.exists()


def test_the_service_ledger_masks_numbers_on_screen(client, world):
    person = resident(world.grid, "赵六")
    ServiceEntry.objects.create(
        resident=person,
        service="开具证明",
        date=datetime.date(2025, 5, 6),
        place=world.grid,
        handled_by=world.cast["community_worker"],
    )
    client.force_login(world.cast["community_worker"])
    page = client.get(
        reverse("people:ledger-detail", args=["services"]),
        {"place": world.community.pk, "start": "2025-01-01", "on": "2025-12-31"},
    )
    rows = page.context["rows"]
    assert len(rows) == 1 and rows[0][1] == "赵六" and "*" in rows[0][2]


def test_the_month_of_desk_services_pages_two_hundred_at_a_time(client, world):
    person = resident(world.grid, "钱七")
    today = timezone.localdate()
    ServiceEntry.objects.bulk_create(
        ServiceEntry(
            resident=person,
            service="开具证明",
            date=today.replace(day=1 + i % today.day),
            place=world.grid,
            place_path=world.grid.path,
        )
        for i in range(205)
    )
    client.force_login(world.cast["community_worker"])
    url = reverse("ledger:service-list")
    first = client.get(url)
    assert len(first.context["rows"]) == 200 and first.context["more"]
    second = client.get(url, {"before": first.context["more"]})
    assert len(second.context["rows"]) == 5 and second.context["more"] is None
    shown = {e.pk for e in first.context["rows"]} | {e.pk for e in second.context["rows"]}
    assert len(shown) == 205


def test_a_month_out_of_range_is_refused_beside_its_field(client, world):
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("ledger:service-list"), {"f-month": "9999-12"})
    assert page.status_code == 200 and "月份应在" in page.content.decode()
