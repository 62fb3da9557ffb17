"""The inspection ledgers on screen and as .xlsx (opened with openpyxl): their rows for the
hand-made year, the period, scope, and a fixed number of queries however many rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from conftest import ledger_sheet
from inspections import services
from inspections.tests.factories import PEST, inspect, order, shop
from inspections.tests.sample import Y, build, day
from people.ledgers import LEDGERS

CODES = ("safety_inspections", "rectifications", "vector_control", "agreements")
YEAR = {"start": f"{Y}-01-01", "on": f"{Y}-12-31"}


def _query(world, **extra):
    return {"place": world.community.pk, **YEAR, **extra}


_sheet = ledger_sheet


def _plain(value):
    """openpyxl gives dates back as datetimes."""
    return value.date() if isinstance(value, datetime.datetime) else value


def _exported(client, world, code, **extra) -> list[dict]:
    values = _sheet(
        client.get(reverse("people:ledger-export", args=[code]), _query(world, **extra))
    )
    ledger = LEDGERS[code]
    assert values[0][0] == f"甲社区{ledger.title}"
    assert values[2] == ["序号", *ledger.headers()]
    return [
        {h: _plain(v) for h, v in zip(values[2], row, strict=True)} for row in values[3:] if row[0]
    ]


def _on_screen(client, world, code, **extra) -> list[dict]:
    page = client.get(reverse("people:ledger-detail", args=[code]), _query(world, **extra))
    assert page.status_code == 200
    headers = LEDGERS[code].headers()
    return [dict(zip(headers, row, strict=True)) for row in page.context["rows"]]


def test_the_inspection_ledgers_are_listed(client, world):
    client.force_login(world.cast["community_worker"])
    index = client.get(reverse("people:ledger-index")).content.decode()
    for code in CODES:
        assert str(LEDGERS[code].title) in index, code


def test_the_safety_ledger_lists_the_years_inspections_but_patriotic_health(client, world):
    s = build(world)
    client.force_login(world.cast["community_head"])
    rows = _exported(client, world, "safety_inspections")
    assert [(r["检查日期"], r["检查对象"]) for r in rows] == [
        (day(3, 1), "一号店"),
        (day(6, 1), "一号店"),
        (day(9, 1), "二号店"),
        (day(12, 20), "三号店"),
    ]  # not the pest-control ones (F, G), nor the year before, nor next door
    a = rows[0]
    assert (a["检查结果"], a["不合格项数"], a["检查领域"]) == ("不合格", 2, "消防安全")
    assert a["检查表"] == "消防安全检查（第1版）"
    assert a["地址"] == "一号店门口" and a["检查人员"] == "in_community_worker"
    assert a["不合格项目"] == "灭火器配置齐全且在有效期内；疏散通道、安全出口畅通"
    assert a["整改通知"] == f"{s.orders['o1'].number}、{s.orders['o5'].number}"
    assert a["社区/网格"] == "甲社区甲一网格"
    assert rows[1]["检查结果"] == "合格" and rows[1]["不合格项目"] is None
    assert rows[2]["社区/网格"] == "甲社区甲二网格"
    c = rows[2]["整改通知"].split("、")
    assert c == [s.orders[k].number for k in ("o2", "o4", "o7")]
    assert _on_screen(client, world, "safety_inspections")[0]["不合格项数"] == 2
    entry = AuditEntry.objects.get(action="ledger.export")
    assert entry.data["ledger"] == "safety_inspections" and entry.data["rows"] == 4


def test_the_rectification_ledger_shows_rechecks_and_whether_on_time(client, world):
    s = build(world)
    client.force_login(world.cast["community_worker"])
    rows = {r["编号"]: r for r in _exported(client, world, "rectifications")}
    numbers = [s.orders[k].number for k in ("o1", "o5", "o2", "o4", "o7", "o3")]
    assert list(rows) == numbers  # by date of issue; o6 (the year before) and next door's not
    o1 = rows[s.orders["o1"].number]
    assert (o1["下达日期"], o1["整改期限"], o1["延期至"]) == (day(3, 1), day(3, 8), None)
    assert (o1["整改完成日期"], o1["是否按期"], o1["状态"]) == (day(3, 5), "是", "已整改")
    assert o1["复查情况"] == f"{Y}-03-05复查：已整改到位"
    assert o1["检查对象"] == "一号店" and o1["整改责任单位/责任人"] == "店主"
    o2 = rows[s.orders["o2"].number]
    assert o2["复查情况"] == (
        f"{Y}-09-15复查：未整改到位，延期至{Y}-09-30\n{Y}-10-05复查：已整改到位"
    )
    assert (o2["延期至"], o2["是否按期"]) == (day(9, 30), "否")
    o4 = rows[s.orders["o4"].number]
    assert (o4["整改完成日期"], o4["是否按期"], o4["状态"]) == (None, "逾期未整改", "逾期未整改")
    assert o4["存在问题"] == "现场发现问题"
    assert rows[s.orders["o7"].number]["整改完成日期"] == day(1, 1, Y + 1)


def test_the_vector_control_ledger_has_each_kind_of_premises_and_totals(client, world):
    build(world)
    client.force_login(world.cast["community_worker"])
    rows = _exported(client, world, "vector_control")
    assert [r["检查场所/对象"] for r in rows] == ["菜场外环境", "一号店"]
    f, g = rows
    key = ("重点单位检查房间数", "重点单位鼠迹阳性房间数", "重点单位防鼠设施不合格房间数")
    assert [f[h] for h in key] == [10, 2, 1]
    assert (f["居民户检查房间数"], f["居民户鼠迹阳性房间数"]) == (30, 1)
    assert f["一般单位检查房间数"] is None  # not checked: blank, not 0
    total = ("合计检查房间数", "合计鼠迹阳性房间数", "合计防鼠设施不合格房间数")
    assert [f[h] for h in total] == [40, 3, 1]
    assert (f["外环境检查长度（米）"], f["鼠洞数（个）"]) == (1500, 3)
    assert (g["合计检查房间数"], g["合计防鼠设施不合格房间数"], g["鼠洞数（个）"]) == (20, 4, 0)
    # The figures add up to the statistics' totals for the year.
    assert sum(r["合计检查房间数"] for r in rows) == 60
    assert sum(r["外环境检查长度（米）"] for r in rows) == 2000


def test_the_agreement_ledger_gives_each_ones_standing_on_the_last_day(client, world):
    build(world)
    client.force_login(world.cast["community_worker"])
    rows = {r["类型"]: r for r in _exported(client, world, "agreements")}
    assert set(rows) == {"消防安全责任书", "门前三包责任书", "食品安全承诺书"}
    fire = rows["消防安全责任书"]
    assert (fire["签订方"], fire["签订对象"], fire["签字人"]) == ("一号店", "辖区单位", "店主")
    assert (fire["签订日期"], fire["有效期至"]) == (day(2, 1), day(12, 31, Y + 3))
    assert fire["状态"] == "有效"
    assert rows["门前三包责任书"]["状态"] == "已过期"  # ended 10-31
    assert rows["食品安全承诺书"]["状态"] == "已过期"  # signed the year before, in force until 2-28
    summer = _on_screen(client, world, "agreements", on=f"{Y}-09-30")
    assert {r["类型"]: r["状态"] for r in summer}["门前三包责任书"] == "有效"
    spring = _on_screen(client, world, "agreements", start=f"{Y}-04-01", on=f"{Y}-06-30")
    assert {r["类型"] for r in spring} == {"消防安全责任书"}  # the old one ended 2-28


def test_an_outsider_sees_only_the_neighbours_records(client, world):
    build(world)
    client.force_login(world.outsiders["community_worker"])
    for code in CODES:
        own = _on_screen(client, world, code, place=world.neighbour_community.pk)
        shown = " ".join(str(v) for row in own for v in row.values())
        assert "一号店" not in shown and "甲社区" not in shown, code
        export = client.get(reverse("people:ledger-export", args=[code]), _query(world))
        assert export.status_code == 404, code
    rows = _on_screen(client, world, "safety_inspections", place=world.neighbour_community.pk)
    assert [r["检查对象"] for r in rows] == ["隔壁店"]


def test_a_grid_worker_reads_the_grids_rows(client, world):
    build(world)
    client.force_login(world.cast["grid_worker"])
    rows = _on_screen(client, world, "safety_inspections", place=world.grid.pk)
    assert "二号店" not in [r["检查对象"] for r in rows] and len(rows) == 3


@pytest.mark.parametrize("code", CODES)
def test_inspection_ledgers_read_a_fixed_number_of_queries_however_many_rows(
    client, world, code, django_assert_max_num_queries
):
    today = timezone.localdate()
    worker = world.cast["community_worker"]
    for i in range(12):
        unit = shop(world.grid, f"店{i}")
        fire = inspect(world, unit=unit, date=today, fail=2, by=worker)
        rect = order(fire, issued_on=today, deadline=today + datetime.timedelta(days=3))
        services.recheck(
            rect,
            services.RecheckData(today, passed=False, new_deadline=today + datetime.timedelta(5)),
            version=rect.version,
            by=None,
        )
        inspect(
            world, name=PEST, site=f"场所{i}", place=world.grid, date=today, by=worker,
            counts=[services.CountData("居民户", 10, 1, 1), services.CountData("重点单位", 5)],
            outdoor_metres=100, burrows=1,
        )  # fmt: skip
        services.sign_agreement(
            services.AgreementData("消防安全责任书", today, unit=unit, signer="店主"), by=worker
        )
    client.force_login(world.cast["community_head"])
    query = {"place": world.community.pk}
    with django_assert_max_num_queries(QUERIES):
        page = client.get(reverse("people:ledger-detail", args=[code]), query)
    assert len(page.context["rows"]) == 12, code
    with django_assert_max_num_queries(QUERIES):
        export = client.get(reverse("people:ledger-export", args=[code]), query)
    assert len(_sheet(export)) == 3 + 12  # title, note, headers, rows


# Session, user, menu, the place and its choices, the count, the page, one query per prefetch
# (inspectors, failing answers, orders or re-checks or room counts), the audit row: fixed.
QUERIES = 15
