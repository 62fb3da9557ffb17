import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.calendar import PER_DAY
from ledger.models import Topic, WorkRecord

URL = "/records/calendar/"


def _record(place, title, day, *, kind="活动", topic="law", start=None):
    record = WorkRecord.objects.create(
        kind=kind, title=title, date=day, place=place, start_time=start
    )
    record.topics.add(Topic.objects.get(code=topic))
    return record


def _titles(page) -> list[str]:
    return [e.title for week in page.context["calendar"].weeks for d in week for e in d.entries]


def test_the_calendar_has_its_own_url_and_sits_in_the_menu_and_on_the_list(client, world):
    assert reverse("ledger:record-calendar") == URL
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("ledger:record-list"), {"kind": "会议"}).content.decode()
    assert f'href="{URL}?kind=%E4%BC%9A%E8%AE%AE"' in page  # the list's filters come along
    assert f'href="{URL}"' in page  # the menu
    client.force_login(world.cast["sysadmin"])  # no records, so no calendar either
    assert URL not in client.get("/").content.decode()


def test_a_month_shows_its_own_records_in_scope_and_nothing_else(client, world):
    _record(world.grid, "本网格活动", datetime.date(2026, 11, 5))
    _record(world.community, "社区会议", datetime.date(2026, 11, 30), kind="会议")
    _record(world.neighbour_grid, "邻网格巡逻", datetime.date(2026, 11, 12), kind="巡逻")
    _record(world.grid, "十月活动", datetime.date(2026, 10, 31))
    _record(world.grid, "十二月活动", datetime.date(2026, 12, 1))
    _record(world.neighbour_community, "乙社区活动", datetime.date(2026, 11, 5))
    _record(world.other_community, "丙社区活动", datetime.date(2026, 11, 5))
    client.force_login(world.cast["community_worker"])
    page = client.get(URL, {"month": "2026-11"})
    assert sorted(_titles(page)) == ["本网格活动", "社区会议", "邻网格巡逻"]
    assert page.context["calendar"].total == 3
    client.force_login(world.cast["grid_worker"])  # the grid only
    assert _titles(client.get(URL, {"month": "2026-11"})) == ["本网格活动"]
    client.force_login(world.outsiders["community_worker"])  # next door
    assert _titles(client.get(URL, {"month": "2026-11"})) == ["乙社区活动"]


def test_weeks_start_on_monday_with_chinese_weekday_names(client, world):
    record = _record(world.grid, "入户走访", datetime.date(2026, 11, 1), kind="走访/入户")
    client.force_login(world.cast["community_worker"])
    page = client.get(URL, {"month": "2026-11"})
    weeks = page.context["calendar"].weeks
    # 1 November 2026 is a Sunday: the first row starts on Monday 26 October.
    assert weeks[0][0].date == datetime.date(2026, 10, 26) and not weeks[0][0].in_month
    assert weeks[0][6].date == datetime.date(2026, 11, 1) and weeks[-1][6].date.month == 12
    assert all(len(week) == 7 for week in weeks) and len(weeks) == 6
    html = page.content.decode()
    assert html.index("周一") < html.index("周二") < html.index("周六") < html.index("周日")
    assert "2026年11月 · 共 1 条" in html
    assert f'href="{reverse("ledger:record-detail", args=[record.pk])}"' in html
    assert "走访/入户" in html


def test_a_busy_day_shows_the_first_records_by_time_and_links_to_the_rest(client, world):
    day = datetime.date(2026, 11, 18)
    for hour in (15, 9, 11, 8, 17, 10):
        _record(world.grid, f"{hour}点的活动", day, start=datetime.time(hour))
    _record(world.grid, "没有时间的记录", day)
    _record(world.grid, "第二天的记录", day + datetime.timedelta(days=1))
    client.force_login(world.cast["community_worker"])
    page = client.get(URL, {"month": "2026-11", "kind": "活动"})
    busy = next(d for week in page.context["calendar"].weeks for d in week if d.date == day)
    assert [e.title for e in busy.entries] == ["8点的活动", "9点的活动", "10点的活动", "11点的活动"]
    assert busy.entries[0].time == "08:00" and busy.total == 7 and busy.more == 7 - PER_DAY
    html = page.content.decode()
    link = "/records/?kind=%E6%B4%BB%E5%8A%A8&amp;day=2026-11-18"
    assert f'<a class="day-more" href="{link}">+3 条</a>' in html
    # The list behind "+3 条": that day, every record of it, the calendar link back to it.
    listed = client.get("/records/", {"kind": "活动", "day": "2026-11-18"})
    assert len(listed.context["rows"]) == 7 and {r.date for r in listed.context["rows"]} == {day}
    assert f"{URL}?kind=%E6%B4%BB%E5%8A%A8&amp;month=2026-11" in listed.content.decode()


def test_the_filters_narrow_the_calendar_as_they_narrow_the_list(client, world):
    day = datetime.date(2026, 11, 10)
    _record(world.grid, "法治讲座", day, kind="讲座", topic="law")
    _record(world.grid, "健康讲座", day, kind="讲座", topic="health")
    _record(world.neighbour_grid, "二网格法治宣传", day, kind="宣传", topic="law")
    client.force_login(world.cast["community_worker"])
    assert _titles(client.get(URL, {"month": "2026-11", "topic": "law", "kind": "讲座"})) == [
        "法治讲座"
    ]
    by_place = client.get(URL, {"month": "2026-11", "place": world.neighbour_grid.pk})
    assert _titles(by_place) == ["二网格法治宣传"]
    html = by_place.content.decode()
    assert f'href="?month=2026-10&amp;place={world.neighbour_grid.pk}"' in html
    assert f'href="?month=2026-12&amp;place={world.neighbour_grid.pk}"' in html
    # A place outside the user's own is refused beside its field, never shown.
    outside = client.get(URL, {"month": "2026-11", "place": world.other_community.pk})
    assert "选择一个有效的选项" in outside.content.decode()
    assert "二网格法治宣传" in _titles(outside) and len(_titles(outside)) == 3


@pytest.mark.parametrize("month", ["2026-13", "十一月", "2026-11-05", "9999-12", "0001-01", ""])
def test_a_bad_month_is_refused_in_chinese_and_this_month_is_shown(client, world, month):
    today = timezone.localdate()
    _record(world.grid, "今天的活动", today)
    client.force_login(world.cast["community_worker"])
    page = client.get(URL, {"month": month})
    assert page.status_code == 200
    assert page.context["calendar"].start == today.replace(day=1)
    assert _titles(page) == ["今天的活动"]
    html = page.content.decode()
    assert 'aria-current="date"' in html and "今天" in html
    if month:
        assert "月份应写作“年-月”，如 2026-11" in html or "月份应在1900年至2100年之间" in html
    assert "回到本月" not in html


def test_a_far_month_in_the_list_filter_is_refused_too(client, world):
    client.force_login(world.cast["community_worker"])
    for query in ({"month": "9999-12"}, {"day": "0001-01-01"}, {"day": "2026-02-30"}):
        page = client.get("/records/", query)
        assert page.status_code == 200, query
        assert page.context["filters"].errors, query


def test_the_month_is_read_in_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    law = Topic.objects.get(code="law")
    _record(world.grid, "第一条", datetime.date(2026, 11, 2))
    client.force_login(world.cast["community_worker"])
    query = {"month": "2026-11", "topic": "law", "kind": "活动"}
    # Session, user, its place, breadcrumb, the topic asked for, the two filter selects, the
    # month's ranking and its shown records, and the session's renewal (update and its
    # savepoint): none per record or per day.
    with django_assert_num_queries(12):
        client.get(URL, query)
    records = WorkRecord.objects.bulk_create(
        WorkRecord(
            kind="活动",
            title=f"活动{i}",
            date=datetime.date(2026, 11, 1 + i % 30),
            place=world.grid,
            place_path=world.grid.path,
        )
        for i in range(200)
    )
    WorkRecord.topics.through.objects.bulk_create(
        WorkRecord.topics.through(workrecord=r, topic=law) for r in records
    )
    with django_assert_num_queries(12):
        page = client.get(URL, query)
    assert page.context["calendar"].total == 201 and len(_titles(page)) == 30 * PER_DAY
