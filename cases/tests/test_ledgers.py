"""The case ledgers on screen and as .xlsx: their columns, their period, masking, scope, the
judicial ones kept from plain workers, the screening ledger's missing half-months, and a fixed
number of queries however many rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.masking import mask
from audit.models import AuditEntry
from cases import services
from cases.flows import SATISFIED, UNSATISFIED
from cases.ledgers import half_months
from cases.models import Event
from cases.services import half_month_of
from cases.tests.factories import open_case
from conftest import ledger_sheet
from people.ledgers import LEDGERS, Span
from people.tests.factories import resident

CODES = ("requests", "petitions", "disputes", "screenings", "corrections", "releases")
PHONE = "13912345678"


def _act(world, case, code, *, by=None, **values):
    return services.act(
        case, code, by=by or world.cast["community_head"], version=case.version, **values
    )


def _walk(world, case, *steps):
    for code, values in steps:
        case = _act(world, case, code, **values)
    return case


def _request(world, title="楼道灯不亮", **extra):
    case = open_case(
        world, "诉求", title=title, reporter_name="李大爷", reporter_phone=PHONE,
        address="甲一网格3栋2单元", **extra,
    )  # fmt: skip
    head = world.cast["community_head"]
    return _walk(
        world,
        case,
        ("assign", {"assignee": head, "note": "派给王师傅"}),
        ("finish", {"note": "已更换灯泡"}),
        ("follow_up", {"rating": UNSATISFIED, "note": "过两天又坏了"}),
        ("finish", {"note": "更换了线路"}),
        ("follow_up", {"rating": SATISFIED, "note": "满意"}),
        ("close", {"note": ""}),
    )


def _petition(world, title="小区停车难"):
    case = open_case(world, "信访", title=title, reporter_name="赵女士")
    return _walk(
        world,
        case,
        ("accept", {"note": ""}),
        ("reply", {"note": "已协调物业增设车位"}),
        ("close", {"note": ""}),
    )


def _dispute(world, title="楼上漏水"):
    case = open_case(world, "纠纷", title=title, assignee=world.cast["community_worker"])
    services.add_party(case, role="申请人", name="孙某", by=world.cast["community_worker"])
    services.add_party(case, role="被申请人", name="周某", by=world.cast["community_worker"])
    return _walk(
        world,
        case,
        ("mediate", {"note": "第一次调解"}),
        ("mediate", {"note": "第二次调解"}),
        ("agree", {"note": "周某承担维修费800元"}),
    )


def _file(world, kind="矫正", name="钱某", **extra):
    subject = resident(world.grid, name, birth=datetime.date(1988, 8, 8))
    case = open_case(
        world, kind, subject=subject, team="王书记、李民警", guardian="钱父",
        assignee=world.cast["community_head"], **extra,
    )  # fmt: skip
    return _walk(
        world,
        case,
        ("visit", {"note": "入户走访，情况稳定"}),
        ("visit", {"note": "再次走访"}),
        ("talk", {"note": "个别谈话"}),
        ("report", {"note": "月度报告"}),
    )


def _ended_half_months(n):
    """The last `n` half-months that have ended, oldest first."""
    start = half_month_of(timezone.localdate())
    found = []
    while len(found) < n:
        day = start - datetime.timedelta(days=1)
        start = half_month_of(day)
        found.append(start)
    return found[::-1]


def _query(world, start=None):
    today = timezone.localdate()
    start = start or today - datetime.timedelta(days=90)
    return {"place": world.community.pk, "start": start.isoformat(), "on": today.isoformat()}


_sheet = ledger_sheet


def _everything(world):
    made = {
        "requests": _request(world),
        "petitions": _petition(world),
        "disputes": _dispute(world),
        "corrections": _file(world, "矫正", "钱某", category="缓刑"),
        "releases": _file(world, "帮教", "吴某"),
    }
    for day in _ended_half_months(8):
        services.record_screening(
            place=world.community, period_start=day, found=0, nothing_found=True,
            notes="未发现矛盾纠纷", by=world.cast["community_worker"],
        )  # fmt: skip
    return made


# What one row of each ledger must show: (column header, value).
def _expected(made):
    request, dispute, correction = made["requests"], made["disputes"], made["corrections"]
    today = timezone.localdate()
    return {
        "requests": [
            ("编号", request.number), ("来源渠道", "电话"), ("反映人", "李大爷"),
            ("事由", "楼道灯不亮"), ("承办人", "in_community_head"), ("是否按期", "是"),
            ("回访评价", "满意"), ("状态", "已结案"), ("办结日期", today),
        ],
        "petitions": [
            ("信访人", "赵女士"), ("是否受理", "是"), ("答复意见", "已协调物业增设车位"),
            ("状态", "已办结"), ("受理日期", today), ("是否按期", "是"),
        ],
        "disputes": [
            ("编号", dispute.number), ("当事人", "孙某、周某"), ("调解员", "in_community_worker"),
            ("调解次数", 2), ("调解结果", "调解成功"), ("协议内容", "周某承担维修费800元"),
            ("状态", "调解成功"),
        ],
        "screenings": [("社区/网格", "甲社区"), ("报告情况", "零报告"), ("发现纠纷（件）", 0)],
        "corrections": [
            ("姓名", "钱某"), ("矫正类别", "缓刑"), ("责任人", "in_community_head"),
            ("小组成员", "王书记、李民警"), ("监护人/联系人", "钱父"), ("走访次数", 2),
            ("谈话次数", 1), ("教育学习次数", 0), ("报告次数", 1), ("状态", "在矫"),
            ("起始日期", correction.starts_on), ("最近一次走访日期", today),
        ],
        "releases": [
            ("姓名", "吴某"), ("帮教类别", "刑满释放"), ("走访次数", 2), ("状态", "帮教中"),
        ],
    }  # fmt: skip


def _same(cell, value):
    if isinstance(cell, datetime.datetime) and not isinstance(value, datetime.datetime):
        return cell.date() == value
    return cell == value


@pytest.mark.parametrize("code", CODES)
def test_every_case_ledger_opens_on_screen_and_as_a_workbook(client, world, code):
    made = _everything(world)
    expected = _expected(made)[code]
    client.force_login(world.cast["community_head"])
    ledger = LEDGERS[code]
    page = client.get(reverse("people:ledger-detail", args=[code]), _query(world))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows, code
    headers = ledger.headers()
    first = dict(zip(headers, rows[0], strict=True))
    for header, value in expected:
        assert first[header] == value, (code, header)
    assert "统计期间" in page.content.decode()

    values = _sheet(client.get(reverse("people:ledger-export", args=[code]), _query(world)))
    assert values[0][0] == f"甲社区{ledger.title}"
    assert values[2] == ["序号", *headers]
    row = dict(zip(values[2], values[3], strict=True))
    assert row["序号"] == 1
    for header, value in expected:
        assert _same(row[header], value), (code, header, row[header])
    entry = AuditEntry.objects.get(action="ledger.export")
    assert entry.data["ledger"] == code and entry.data["rows"] == len(values) - 3


def test_phones_are_masked_on_screen_and_in_full_only_in_a_frontline_export(client, world):
    _request(world)
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("people:ledger-detail", args=["requests"]), _query(world))
    phone = LEDGERS["requests"].headers().index("联系电话")
    assert page.context["rows"][0][phone] == mask(PHONE) == "139****5678"
    assert PHONE not in page.content.decode()
    export = reverse("people:ledger-export", args=["requests"])
    assert _sheet(client.get(export, _query(world)))[3][phone + 1] == PHONE
    client.force_login(world.cast["viewer"])  # reads records, not numbers
    assert _sheet(client.get(export, _query(world)))[3][phone + 1] == mask(PHONE)


def test_an_outsider_sees_nothing_of_the_neighbours_cases(client, world):
    _everything(world)
    outsider = world.outsiders["community_head"]  # 乙社区, with the judicial right too
    open_case(world, "诉求", title="乙社区的诉求", by=world.outsiders["community_worker"],
              place=world.neighbour_community)  # fmt: skip
    client.force_login(outsider)
    for code in CODES:
        own = client.get(reverse("people:ledger-detail", args=[code]), {"start": "2000-01-01"})
        shown = " ".join(str(v) for row in own.context["rows"] for v in row)
        assert "甲社区" not in shown and "钱某" not in shown and "楼道灯" not in shown, code
        home = client.get(reverse("people:ledger-detail", args=[code]), _query(world))
        assert "rows" not in home.context, code  # the home community is not a choice
        export = client.get(reverse("people:ledger-export", args=[code]), _query(world))
        assert export.status_code == 404, code
    rows = client.get(reverse("people:ledger-detail", args=["requests"])).context["rows"]
    assert [row[7] for row in rows] == ["乙社区的诉求"]


def test_a_plain_worker_neither_sees_nor_opens_the_supervision_ledgers(client, world):
    _everything(world)
    for role in ("community_worker", "grid_worker", "viewer"):
        client.force_login(world.cast[role])
        index = client.get(reverse("people:ledger-index")).content.decode()
        assert "信访台账" in index and "社区矫正台账" not in index and "安置帮教台账" not in index
        for code in ("corrections", "releases"):
            for name in ("people:ledger-detail", "people:ledger-export"):
                response = client.get(reverse(name, args=[code]), _query(world))
                assert response.status_code == 403, (role, code, name)
    client.force_login(world.cast["community_head"])
    assert "社区矫正台账" in client.get(reverse("people:ledger-index")).content.decode()


def test_the_screening_ledger_flags_each_half_month_left_unreported(client, world):
    first, missing, third, fourth = _ended_half_months(4)
    worker = world.cast["community_worker"]
    services.record_screening(place=world.community, period_start=first, found=2,
                              nothing_found=False, notes="两起邻里纠纷", by=worker)  # fmt: skip
    services.record_screening(place=world.grid, period_start=third, found=0,
                              nothing_found=True, by=worker)  # fmt: skip
    services.record_screening(place=world.community, period_start=fourth, found=0,
                              nothing_found=True, by=worker)  # fmt: skip
    client.force_login(worker)
    query = {**_query(world, start=first), "on": half_month_of(timezone.localdate()).isoformat()}
    page = client.get(reverse("people:ledger-detail", args=["screenings"]), query)
    rows = [(row[0], row[2], row[3]) for row in page.context["rows"]]
    assert rows == [
        ("甲社区", "发现纠纷", 2),
        ("甲社区", "未报", None),
        ("甲社区甲一网格", "零报告", 0),  # reported from a grid: the community is not missing it
        ("甲社区", "零报告", 0),
    ]
    # The current half-month is still running: not yet missing.
    labels = [row[1] for row in page.context["rows"]]
    assert labels[1] == f"{missing:%Y年%m月}{'上半月' if missing.day == 1 else '下半月'}"
    # The grid worker sees the grid's own screening and is not held to the community's.
    client.force_login(world.cast["grid_worker"])
    page = client.get(
        reverse("people:ledger-detail", args=["screenings"]), {**query, "place": world.grid.pk}
    )
    assert [row[2] for row in page.context["rows"]] == ["零报告"]


def test_half_months_cover_the_span():
    span = Span(datetime.date(2026, 1, 20), datetime.date(2026, 3, 1))
    assert half_months(span) == [
        datetime.date(2026, 1, 16), datetime.date(2026, 2, 1), datetime.date(2026, 2, 16),
        datetime.date(2026, 3, 1),
    ]  # fmt: skip
    december = Span(datetime.date(2025, 12, 20), datetime.date(2026, 1, 2))
    assert half_months(december) == [datetime.date(2025, 12, 16), datetime.date(2026, 1, 1)]


def test_the_period_decides_which_cases_and_which_entries_are_counted(client, world):
    today = timezone.localdate()
    long_ago = timezone.now() - datetime.timedelta(days=200)
    old = open_case(world, "诉求", title="半年前的诉求", received_at=long_ago)
    recent = open_case(world, "诉求", title="本月的诉求")
    # A file opened long ago and still open, with an old visit and a recent one; a file closed
    # before the period; a file begun after it.
    active = _file(world, "矫正", "在矫者", starts_on=today - datetime.timedelta(days=300))
    first_visit = Event.objects.filter(case=active, action="visit").order_by("id").first()
    Event.objects.filter(pk=first_visit.pk).update(at=long_ago)
    closed = _file(world, "矫正", "已解矫者", starts_on=today - datetime.timedelta(days=300))
    closed = _act(world, closed, "end", note="期满")
    Event.objects.filter(case=closed).update(at=long_ago)
    type(closed).objects.filter(pk=closed.pk).update(closed_at=long_ago, done_at=long_ago)
    client.force_login(world.cast["community_head"])
    query = _query(world, start=today - datetime.timedelta(days=30))
    rows = client.get(reverse("people:ledger-detail", args=["requests"]), query).context["rows"]
    assert [row[7] for row in rows] == [recent.title]
    assert old.title not in [row[7] for row in rows]
    headers = LEDGERS["corrections"].headers()
    rows = client.get(reverse("people:ledger-detail", args=["corrections"]), query).context["rows"]
    shown = [dict(zip(headers, row, strict=True)) for row in rows]
    assert [(r["姓名"], r["走访次数"]) for r in shown] == [("在矫者", 1)]
    before = {**query, "start": "2000-01-01", "on": str(today - datetime.timedelta(days=31))}
    rows = client.get(reverse("people:ledger-detail", args=["corrections"]), before)
    names = sorted(dict(zip(headers, r, strict=True))["姓名"] for r in rows.context["rows"])
    assert names == ["在矫者", "已解矫者"]


def test_an_unfinished_request_past_its_due_date_shows_as_overdue(client, world):
    received = timezone.now() - datetime.timedelta(days=20)
    open_case(world, "诉求", title="下水道堵塞", received_at=received)
    client.force_login(world.cast["community_worker"])
    rows = client.get(reverse("people:ledger-detail", args=["requests"]), _query(world))
    row = dict(zip(LEDGERS["requests"].headers(), rows.context["rows"][0], strict=True))
    assert (row["是否按期"], row["状态"], row["办结日期"]) == ("逾期未办结", "已受理", None)


def test_case_ledgers_read_a_fixed_number_of_queries_however_many_rows(
    client, world, django_assert_max_num_queries
):
    for i in range(12):
        _request(world, title=f"诉求{i}")
        _petition(world, title=f"信访{i}")
        _dispute(world, title=f"纠纷{i}")
        _file(world, "矫正", f"矫正对象{i}")
        _file(world, "帮教", f"帮教对象{i}")
    worker = world.cast["community_worker"]
    for day in _ended_half_months(6)[::2]:
        services.record_screening(place=world.community, period_start=day, found=0,
                                  nothing_found=True, by=worker)  # fmt: skip
    client.force_login(world.cast["community_head"])
    query = _query(world, start=_ended_half_months(6)[0])
    for code in CODES:
        with django_assert_max_num_queries(QUERIES):
            page = client.get(reverse("people:ledger-detail", args=[code]), query)
        assert len(page.context["rows"]) >= 6, code
        with django_assert_max_num_queries(QUERIES):
            export = client.get(reverse("people:ledger-export", args=[code]), query)
        assert export.status_code == 200


QUERIES = 14
