import datetime
import io
import re

import openpyxl
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from conftest import downloaded
from people import services
from people.models import GroupCategory
from people.tests.factories import resident

D2020 = datetime.date(2020, 1, 1)


def _household(world, number, head, since=D2020):
    return services.create_household(
        number=number, place=world.grid, head=head, since=since, by=None
    )


def _party(person, start=datetime.date(2015, 7, 1)):
    return services.add_membership(
        GroupCategory.objects.get(code="party"),
        resident=person,
        start=start,
        attributes={"branch": "第一支部", "party_status": "正式党员"},
        by=None,
    )


def _ledger(client, code, world, day, export=False):
    name = "people:ledger-export" if export else "people:ledger-detail"
    return client.get(
        reverse(name, args=[code]), {"place": world.community.pk, "on": day.isoformat()}
    )


def test_population_ledger_is_as_of_the_chosen_day(client, world):
    head = resident(world.grid, "户主甲", birth=datetime.date(1960, 1, 1))
    household = _household(world, "P1", head)
    late = resident(world.grid, "后来者", birth=datetime.date(1990, 1, 1))
    services.move_in(household, late, relation="子", since=datetime.date(2024, 5, 1), by=None)
    client.force_login(world.cast["community_worker"])

    def names(day):
        return [row[0] for row in _ledger(client, "population", world, day).context["rows"]]

    assert names(datetime.date(2023, 12, 31)) == ["户主甲"]
    assert names(datetime.date(2024, 6, 1)) == ["户主甲", "后来者"]
    services.move_out(late, on=datetime.date(2025, 1, 31), by=None)
    assert names(datetime.date(2025, 2, 1)) == ["户主甲"]


def test_party_ledger_export_is_a_real_workbook_masked_for_a_viewer(client, world):
    member = resident(world.grid, "党员乙", birth=datetime.date(1970, 3, 3))
    _household(world, "P2", member)
    _party(member)
    client.force_login(world.cast["viewer"])
    response = _ledger(client, "party", world, datetime.date(2026, 1, 1), export=True)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(response))).active
    assert sheet["A1"].value == "甲社区党员台账"
    headers = [c.value for c in sheet[3]]
    assert headers[:5] == ["序号", "姓名", "性别", "出生日期", "身份证号码"]
    assert sheet["B4"].value == "党员乙"
    assert sheet["E4"].value == member.id_number[:3] + "*" * 11 + member.id_number[-4:]
    entry = AuditEntry.objects.get(action="ledger.export")
    assert entry.data["rows"] == 1 and entry.data["full_numbers"] is False
    footer = sheet.oddFooter.left.text
    viewer = world.cast["viewer"]
    assert f"导出人：{viewer.name}（{viewer.get_role_display()}）" in footer
    assert re.search(r"导出时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}", footer), footer


def test_worker_export_carries_full_numbers_as_text(client, world, django_assert_max_num_queries):
    people = [
        resident(world.grid, f"党员{i}", birth=datetime.date(1960 + i, 1, 1)) for i in range(30)
    ]
    for person in people:
        _party(person)
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(12):  # not one per row
        response = _ledger(client, "party", world, datetime.date(2026, 1, 1), export=True)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(response))).active
    numbers = {sheet.cell(row=r, column=5).value for r in range(4, 34)}
    assert numbers == {p.id_number for p in people}
    assert sheet.cell(row=4, column=5).data_type == "s"


def test_membership_ledger_respects_start_and_end(client, world):
    member = resident(world.grid, "党员丙")
    m = _party(member, start=datetime.date(2020, 7, 1))
    services.end_membership(m, end=datetime.date(2023, 6, 30), by=None)
    client.force_login(world.cast["community_worker"])

    def rows(day):
        return _ledger(client, "party", world, day).context["rows"]

    assert rows(datetime.date(2020, 6, 30)) == []
    assert len(rows(datetime.date(2021, 1, 1))) == 1
    assert rows(datetime.date(2023, 7, 1)) == []


def test_health_ledger_needs_the_health_permission(client, world):
    client.force_login(world.cast["grid_worker"])
    assert _ledger(client, "disabled", world, datetime.date(2026, 1, 1)).status_code == 403
    client.force_login(world.cast["community_worker"])
    assert _ledger(client, "disabled", world, datetime.date(2026, 1, 1)).status_code == 200


def test_elderly_ledger_counts_age_on_the_day(client, world):
    old = resident(world.grid, "老人丁", birth=datetime.date(1945, 6, 1))
    _household(world, "P3", old, since=datetime.date(2000, 1, 1))
    client.force_login(world.cast["community_worker"])
    before = _ledger(client, "elderly", world, datetime.date(2025, 5, 31)).context["rows"]
    after = _ledger(client, "elderly", world, datetime.date(2025, 6, 1)).context["rows"]
    assert before == [] and after[0][0] == "老人丁" and after[0][4] == 80


def test_future_day_is_refused(client, world):
    client.force_login(world.cast["community_worker"])
    future = timezone.localdate() + datetime.timedelta(days=30)
    response = _ledger(client, "party", world, future)
    assert "不能晚于今天" in response.content.decode()


def test_on_screen_ledger_masks_numbers_even_for_those_who_may_export_them(client, world):
    member = resident(world.grid, "党员戊")
    _party(member)
    client.force_login(world.cast["community_worker"])
    html = _ledger(client, "party", world, datetime.date(2026, 1, 1)).content.decode()
    assert "党员戊" in html and member.id_number not in html
    assert AuditEntry.objects.filter(action="ledger.view").exists()


def test_the_next_ledger_page_keeps_the_place_and_day_it_pages_through(client, world):
    head = resident(world.grid, "户主甲", birth=datetime.date(1950, 1, 1))
    household = _household(world, "L-1", head)
    for i in range(55):
        person = resident(world.grid, f"成员{i:02d}", birth=D2020 - datetime.timedelta(days=i))
        services.move_in(household, person, relation="其他", since=D2020, by=None)
    client.force_login(world.cast["community_worker"])
    url = reverse("people:ledger-detail", args=["population"])
    first = client.get(url)
    assert first.context["page"].paginator.count == 56 and "page=2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert second.context["place"] == world.community and len(second.context["rows"]) == 6
    page = second.content.decode()
    assert f'<option value="{world.community.pk}" selected>' in page
    assert f'value="{timezone.localdate().isoformat()}"' in page


def test_export_ends_with_lines_to_sign(client, world):
    member = resident(world.grid, "党员丙", birth=datetime.date(1971, 3, 3))
    _party(member)
    client.force_login(world.cast["community_worker"])
    response = _ledger(client, "party", world, datetime.date(2026, 1, 1), export=True)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(response))).active
    # Title, subtitle, header, one row, a blank row, then the signatures.
    assert sheet["B4"].value == "党员丙"
    assert sheet["A5"].value is None
    line = sheet["A6"].value
    assert all(who in line for who in ("制表人：", "审核人：", "负责人：", "日期："))
    assert "A6" in {str(r).split(":")[0] for r in sheet.merged_cells.ranges}


def test_print_page_lists_every_row_masked_with_signatures_and_is_audited(
    client, world, django_assert_max_num_queries
):
    members = [
        resident(world.grid, f"党员{i}", birth=datetime.date(1960 + i, 1, 1)) for i in range(60)
    ]
    for person in members:
        _party(person)
    client.force_login(world.cast["community_worker"])
    url = reverse("people:ledger-print", args=["party"])
    query = {"place": world.community.pk, "on": "2026-01-01"}
    with django_assert_max_num_queries(14):  # not one per row
        response = client.get(url, query)
    html = response.content.decode()
    assert response.context["rows"] and len(response.context["rows"]) == 60  # one page, no pager
    assert "甲社区党员台账" in html and "共60条" in html
    assert members[0].id_number not in html  # masked, as on screen
    assert members[0].id_number[-4:] in html
    assert all(who in html for who in ("制表人", "审核人", "负责人"))
    entry = AuditEntry.objects.get(action="ledger.print")
    assert entry.data["rows"] == 60 and entry.data["ledger"] == "party"
    bad = client.get(url, {"place": world.community.pk, "on": "2999-01-01"})
    assert bad.status_code == 404
    assert AuditEntry.objects.filter(action="ledger.print").count() == 1


def test_a_long_ledger_prints_its_first_rows_and_says_so(client, world, monkeypatch):
    from people import ledger_views

    monkeypatch.setattr(ledger_views, "PRINT_LIMIT", 2)
    for i in range(3):
        _party(resident(world.grid, f"党员{i}", birth=datetime.date(1960 + i, 1, 1)))
    client.force_login(world.cast["community_worker"])
    response = client.get(
        reverse("people:ledger-print", args=["party"]),
        {"place": world.community.pk, "on": "2026-01-01"},
    )
    assert len(response.context["rows"]) == 2
    assert "共3条，打印页只列前2条" in response.content.decode()


def test_an_export_is_streamed_from_a_file_and_counts_the_rows_it_wrote(client, world):
    for i in range(3):
        _party(resident(world.grid, f"党员{i}", birth=datetime.date(1960 + i, 1, 1)))
    client.force_login(world.cast["community_worker"])
    response = _ledger(client, "party", world, datetime.date(2026, 1, 1), export=True)
    # Sent in blocks from a temporary file: the rows never sit in memory all at once.
    assert response.streaming
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(response))).active
    assert "共3条" in sheet["A2"].value
    assert [sheet.cell(row=r, column=2).value for r in (4, 5, 6)] == ["党员0", "党员1", "党员2"]
    assert AuditEntry.objects.get(action="ledger.export").data["rows"] == 3
