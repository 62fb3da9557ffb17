import datetime
import io

import openpyxl
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from conftest import downloaded
from ledger.models import QuantityKind, Topic, WorkRecord
from people.tests.factories import resident


def _record(world, kind, title, day, **extra):
    record = WorkRecord.objects.create(kind=kind, title=title, date=day, place=world.grid, **extra)
    record.topics.add(Topic.objects.get(code="law"))
    return record


def test_the_publicity_ledger_covers_the_chosen_period_with_its_quantities(client, world):
    inside = _record(world, "宣传", "宪法宣传日", datetime.date(2025, 12, 4), head_count=150)
    inside.quantities.create(kind=QuantityKind.objects.get(name="宣传资料"), amount=300)
    inside.quantities.create(kind=QuantityKind.objects.get(name="横幅"), amount=2)
    _record(world, "宣传", "去年的宣传", datetime.date(2024, 12, 4))
    _record(world, "会议", "不是宣传", datetime.date(2025, 12, 5))
    client.force_login(world.cast["community_worker"])
    url = reverse("people:ledger-detail", args=["publicity"])
    query = {"place": world.community.pk, "start": "2025-01-01", "on": "2025-12-31"}
    page = client.get(url, query)
    assert [row[1] for row in page.context["rows"]] == ["宪法宣传日"]
    assert "统计期间：2025-01-01至2025-12-31" in page.content.decode()
    export = client.get(reverse("people:ledger-export", args=["publicity"]), query)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(export))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(values) if "宣传主题" in row)
    first = values[header + 1]
    assert "宪法宣传日" in first and 300 in first and 2 in first and 150 in first
    entry = AuditEntry.objects.get(action="ledger.export")
    assert entry.data["period"] == "2025-01-01—2025-12-31" and entry.data["rows"] == 1


def test_a_period_that_ends_before_it_starts_is_refused(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("people:ledger-detail", args=["activities"])
    page = client.get(url, {"place": world.community.pk, "start": "2025-06-01", "on": "2025-01-01"})
    assert "起始日期不能晚于截止日期" in page.content.decode() and "rows" not in page.context
    export = reverse("people:ledger-export", args=["activities"])
    bad = {"place": world.community.pk, "start": "2025-06-01", "on": "2025-01-01"}
    assert client.get(export, bad).status_code == 404


def test_the_volunteering_ledger_lists_each_volunteer_with_hours(client, world):
    record = _record(world, "志愿服务/义务劳动", "楼道清洁", datetime.date(2025, 3, 5))
    record.participants.create(resident=resident(world.grid, "志愿者丙"), role="志愿者", hours=2)
    record.participants.create(resident=resident(world.grid, "居民丁"), role="参与者")
    client.force_login(world.cast["grid_worker"])
    page = client.get(
        reverse("people:ledger-detail", args=["volunteering"]),
        {"place": world.grid.pk, "start": "2025-01-01", "on": "2025-12-31"},
    )
    assert [(row[1], row[2], str(row[3])) for row in page.context["rows"]] == [
        ("楼道清洁", "志愿者丙", "2")
    ]


def test_every_record_ledger_opens_with_its_default_period(client, world):
    _record(world, "会议", "两委例会", timezone.localdate())
    client.force_login(world.cast["community_worker"])
    for code in ("activities", "meetings", "publicity", "visits", "volunteering"):
        response = client.get(reverse("people:ledger-detail", args=[code]))
        assert response.status_code == 200 and "统计期间" in response.content.decode()
    rows = client.get(reverse("people:ledger-detail", args=["meetings"])).context["rows"]
    assert [row[2] for row in rows] == ["两委例会"]


def test_record_ledgers_read_a_fixed_number_of_queries_however_many_rows(
    client, world, django_assert_max_num_queries
):
    leaflets = QuantityKind.objects.get(name="宣传资料")
    for i in range(30):
        record = _record(world, "宣传", f"宣传{i}", datetime.date(2025, 3, 1 + i % 28))
        record.quantities.create(kind=leaflets, amount=10 + i)
        record.participants.create(
            resident=resident(world.grid, f"居民{i}"), role="志愿者", hours=1
        )
    client.force_login(world.cast["community_worker"])
    query = {"place": world.community.pk, "start": "2025-01-01", "on": "2025-12-31"}
    for code in ("publicity", "volunteering"):
        with django_assert_max_num_queries(18):
            page = client.get(reverse("people:ledger-detail", args=[code]), query)
        assert len(page.context["rows"]) == 30
        with django_assert_max_num_queries(18):
            export = client.get(reverse("people:ledger-export", args=[code]), query)
        assert export.status_code == 200


def test_a_grid_worker_sees_residents_of_other_grids_unnamed_in_the_ledgers(client, world):
    record = _record(world, "活动", "健步走", datetime.date(2025, 5, 5))
    mine = resident(world.grid, "本网格居民")
    theirs = resident(world.neighbour_grid, "邻网格居民", birth=datetime.date(1977, 7, 7))
    record.participants.create(resident=mine, role="志愿者", hours=2)
    record.participants.create(resident=theirs, role="志愿者", hours=3)
    query = {"place": world.grid.pk, "start": "2025-01-01", "on": "2025-12-31"}
    client.force_login(world.cast["grid_worker"])
    for code in ("activities", "volunteering"):
        page = client.get(reverse("people:ledger-detail", args=[code]), query).content.decode()
        assert "本网格居民" in page and "辖区外居民" in page
        assert "邻网格居民" not in page, code
    client.force_login(world.cast["community_worker"])  # the community sees both by name
    page = client.get(reverse("people:ledger-detail", args=["activities"]), query)
    assert "邻网格居民" in page.content.decode()


def test_a_period_ledger_asked_only_to_an_end_covers_that_year(client, world):
    _record(world, "活动", "年末活动", datetime.date(2025, 12, 20))
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("people:ledger-detail", args=["activities"]), {"on": "2025-12-31"})
    assert [row[3] for row in page.context["rows"]] == ["年末活动"]


def test_every_kind_of_record_is_in_a_ledger(client, world):
    day = datetime.date(2025, 6, 1)
    for kind in WorkRecord.Kind.values:
        _record(world, kind, f"{kind}记录", day)
    client.force_login(world.cast["community_worker"])
    query = {"place": world.community.pk, "start": "2025-01-01", "on": "2025-12-31"}
    listed = set()
    for code in ("activities", "meetings", "publicity", "visits", "other_work"):  # by record
        page = client.get(reverse("people:ledger-detail", args=[code]), query)
        listed |= {cell for row in page.context["rows"] for cell in row if isinstance(cell, str)}
    assert {f"{kind}记录" for kind in WorkRecord.Kind.values} <= listed
