"""The programs ledgers on screen and as .xlsx: their columns and totals, their period, masking,
health-tied aid kept from those who may not see the group, scope, and a fixed number of queries
however many rows."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.masking import mask
from audit.models import AuditEntry
from conftest import downloaded, ledger_sheet
from inspections.tests.factories import shop
from people import services as people
from people.ledgers import LEDGERS
from people.models import GroupCategory
from people.tests.factories import resident
from programs import services
from programs.tests.factories import dibao, household
from shequ.errors import DomainError

CODES = ("applications", "honours", "assistance", "donations", "supplies", "deliberations")
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PHONE = "13912345678"


def _query(world, start=None, place=None):
    return {
        "place": (place or world.community).pk,
        "start": (start or TODAY - 90 * DAY).isoformat(),
        "on": TODAY.isoformat(),
    }


_sheet = ledger_sheet


def _table(values):
    """The data rows of an exported ledger as dicts by header (row 3 holds the headers)."""
    headers = values[2]
    return [dict(zip(headers, row, strict=True)) for row in values[3:]]


def _same(cell, value):
    if isinstance(cell, datetime.datetime) and not isinstance(value, datetime.datetime):
        return cell.date() == value
    if isinstance(value, Decimal) and isinstance(cell, int | float):
        return Decimal(str(cell)) == value
    return cell == value


def _staff(world, name="李晓燕"):
    return people.save_staff(
        None, by=None, name=name, sex="女", birth_date=datetime.date(1985, 3, 1),
        post="社区专职工作者", education="本科", political_status="中共党员",
        start_date=datetime.date(2015, 1, 1), place=world.community,
    )  # fmt: skip


def _disabled(person):
    return people.add_membership(
        GroupCategory.objects.get(code="disabled"),
        resident=person,
        start=datetime.date(2020, 1, 1),
        attributes={"disability_type": "肢体", "grade": "一级"},
        by=None,
    )


def _campaign(world, **extra):
    values = {
        "name": "节水型家庭",
        "subject": "household",
        "criteria": "全年人均用水量不超过36吨",
        "starts_on": TODAY - 60 * DAY,
        "ends_on": TODAY + 30 * DAY,
        "place": world.community,
        "fields": "water:全年用水量:吨",
        "rule": "threshold",
        "rule_field": "water",
        "rule_per_member": True,
        "rule_op": "<=",
        "rule_value": Decimal("36"),
    }
    values.update(extra)
    return services.create_campaign(services.CampaignData(**values), by=None)


def _applications(world):
    campaign = _campaign(world)
    saver, spender = household(world.grid, members=2), household(world.grid, members=1)
    day = TODAY - 20 * DAY
    services.apply(campaign, household=saver, values={"water": "60"}, applied_on=day, by=None)
    services.apply(campaign, household=spender, values={"water": "50.5"}, applied_on=day, by=None)
    services.screen_all(campaign, by=None)
    head = world.cast["community_head"]
    services.shortlist(
        campaign.applications.get(household=saver), shortlisted=True, reason="节水措施到位", by=head
    )
    services.award(campaign, household=saver, certificate=True, by=None)
    return campaign, saver, spender


def _aid(world):
    """低保金 for a month, 临时救助 to a resident with a phone, 残疾人补贴 tied to a health
    group."""
    home = household(world.grid, members=3, head_name="低保户主")
    dibao(home)
    month = (TODAY - 40 * DAY).replace(day=1)
    month_end = (month + 31 * DAY).replace(day=1) - DAY
    services.give_assistance(
        services.AssistanceData(
            "低保金", "民政", month + 9 * DAY, amount="800", household=home,
            period_start=month, period_end=month_end,
        ),
        by=None,
    )  # fmt: skip
    needy = resident(world.grid, "临时困难者", phone=PHONE)
    services.give_assistance(
        services.AssistanceData(
            "临时救助", "社会捐助", TODAY - 10 * DAY, amount="1500.50", resident=needy,
            notes="因病住院",
        ),
        by=None,
    )  # fmt: skip
    disabled = resident(world.grid, "残疾居民")
    _disabled(disabled)
    services.give_assistance(
        services.AssistanceData(
            "残疾人补贴", "民政", TODAY - 5 * DAY, amount="300", resident=disabled
        ),
        by=None,
    )
    return home, needy, disabled


def _drive(world, start=None, early=()):
    """A drive with four entries over the last month, after the `early` ones."""
    drive = services.open_drive(
        name="冬季送温暖", place=world.community, starts_on=start or TODAY - 30 * DAY, by=None
    )
    entries = [
        *early,
        ("in", TODAY - 25 * DAY, "爱心企业", "2000", "棉被", "30"),
        ("in", TODAY - 20 * DAY, "张大妈", "200", "", ""),
        ("out", TODAY - 10 * DAY, "困难户王某", "500", "棉被", "2"),
        ("out", TODAY - 10 * DAY, "困难户赵某", "", "棉被", "3"),
    ]
    for direction, day, party, money, item, quantity in entries:
        services.record_donation(
            drive,
            services.DonationData(
                direction, day, party, money=money, item=item, quantity=quantity,
                item_unit="条" if item else "",
            ),
            by=None,
        )  # fmt: skip
    return drive


def _supplies(world):
    mask_item = services.add_supply_item(name="口罩", unit="个", by=None)
    rice = services.add_supply_item(name="大米", unit="公斤", by=None)
    moves = [
        (mask_item, "采购入库", "1000", TODAY - 30 * DAY, {"counterpart": "康民药房"}),
        (mask_item, "发放出库", "300", TODAY - 20 * DAY, {"to_place": world.grid}),
        (rice, "调拨入库", "200", TODAY - 15 * DAY, {"counterpart": "东街道"}),
        (rice, "发放出库", "50", TODAY - 5 * DAY, {"counterpart": "重阳节慰问"}),
        (mask_item, "发放出库", "100", TODAY - 3 * DAY, {"to_unit": shop(world.grid)}),
    ]
    for item, kind, quantity, day, extra in moves:
        services.move_supplies(
            world.community, services.MoveData(item, kind, quantity, day, **extra), by=None
        )


def _voice(world):
    meeting = services.record_deliberation(
        services.DeliberationData(
            "小区停车位划线", TODAY - 7 * DAY, world.community, participants=18,
            decision="在3栋北侧增划12个车位", published_on=TODAY - 5 * DAY,
        ),
        by=None,
    )  # fmt: skip
    for day, content in ((TODAY - 20 * DAY, "小区停车难"), (TODAY - 15 * DAY, "晚上车停消防通道")):
        opinion = services.collect_opinion(
            services.OpinionData(day, "网格员", "交通停车", content, place=world.grid,
                                 from_name="王大爷"),
            by=None,
        )  # fmt: skip
        services.settle_opinion(opinion, outcome="提交议事", deliberation=meeting, by=None)
    return meeting


def _honours(world):
    services.record_honour(
        services.HonourData("市级文明社区", "市级", "市文明委", TODAY - 50 * DAY, "社区",
                            place=world.community),
        by=None,
    )  # fmt: skip
    services.record_honour(
        services.HonourData("优秀社区工作者", "区级", "区民政局", TODAY - 40 * DAY, "个人",
                            staff=_staff(world)),
        by=None,
    )  # fmt: skip
    services.record_honour(
        services.HonourData("食品安全示范店", "区级", "区市场监管局", TODAY - 30 * DAY, "单位",
                            unit=shop(world.grid, "放心超市")),
        by=None,
    )  # fmt: skip


def _everything(world):
    _campaign, saver, _spender = _applications(world)
    _honours(world)
    home, _needy, _disabled = _aid(world)
    _drive(world)
    _supplies(world)
    _voice(world)
    return {"saver": saver, "home": home}


# What the first row of each ledger must show: (column header, value).
def _expected(made):
    saver, home = made["saver"], made["home"]
    return {
        "applications": [
            ("评选活动", "节水型家庭"), ("评选对象", "家庭（户）"),
            ("申报对象", f"{saver.number}（{saver.head.name}）"), ("户内人数", 2),
            ("申报数据", "全年用水量 60吨"), ("阶段", "评定/授牌"),
            # The first review (by the rule) and the shortlist keep their own reasons.
            ("初审意见", "人均全年用水量 30.00，符合“不高于36.00”的标准"),
            ("入围评审意见", "节水措施到位"), ("入围评审日期", TODAY),
            ("入围评审人", "in_community_head"), ("授牌日期", TODAY), ("已发证书/牌匾", "是"),
            ("社区/网格", "甲社区甲一网格"),
        ],
        "honours": [
            ("荣誉名称", "市级文明社区"), ("级别", "市级"), ("授予单位", "市文明委"),
            ("获得者类型", "社区（集体）"), ("获得者", "甲社区"), ("证书扫描件", "否"),
        ],
        "assistance": [
            ("救助类型", "低保金"), ("资金/物资来源", "民政"), ("受助人", home.head.name),
            ("户号", home.number), ("依据的人群", "低保"), ("金额（元）", Decimal("800")),
            ("所属期间", f"{(TODAY - 40 * DAY).replace(day=1):%Y年%m月}"),
            ("社区/网格", "甲社区甲一网格"),
        ],
        "donations": [
            ("募捐活动", "冬季送温暖"), ("摘要", "捐入"), ("捐赠人/受赠人", "爱心企业"),
            ("捐入金额（元）", Decimal("2000")), ("发放金额（元）", None),
            ("结余金额（元）", Decimal("2000")), ("物品", "棉被"), ("捐入数量", Decimal("30")),
            ("计量单位", "条"), ("该物品结余", Decimal("30")),
        ],
        "supplies": [
            ("物资名称", "口罩"), ("计量单位", "个"), ("类型", "采购入库"),
            ("入库数量", Decimal("1000")), ("出库数量", None), ("结存", Decimal("1000")),
            ("来源/去向", "康民药房"), ("社区/街道", "甲社区"),
        ],
        "deliberations": [
            ("议题", "小区停车位划线"), ("参加人数", 18), ("意见条数", 2),
            ("提交协商的居民意见", f"1. {TODAY - 20 * DAY:%Y-%m-%d} 王大爷：小区停车难\n"
                                  f"2. {TODAY - 15 * DAY:%Y-%m-%d} 王大爷：晚上车停消防通道"),
            ("协商结果", "在3栋北侧增划12个车位"), ("公示情况", "已公示"),
            ("公示日期", TODAY - 5 * DAY), ("社区/网格", "甲社区"),
        ],
    }  # fmt: skip


@pytest.mark.parametrize("code", CODES)
def test_every_programs_ledger_opens_on_screen_and_as_a_workbook(client, world, code):
    expected = _expected(_everything(world))[code]
    client.force_login(world.cast["community_head"])
    ledger = LEDGERS[code]
    page = client.get(reverse("people:ledger-detail", args=[code]), _query(world))
    assert page.status_code == 200
    assert "统计期间" in page.content.decode()
    rows = page.context["rows"]
    assert rows, code
    first = dict(zip(ledger.headers(), rows[0], strict=True))
    for header, value in expected:
        assert first[header] == value, (code, header, first[header])

    index = client.get(reverse("people:ledger-index")).content.decode()
    assert str(ledger.title) in index
    values = _sheet(client.get(reverse("people:ledger-export", args=[code]), _query(world)))
    assert values[0][0] == f"甲社区{ledger.title}"
    assert values[2] == ["序号", *ledger.headers()]
    row = _table(values)[0]
    assert row["序号"] == 1
    for header, value in expected:
        assert _same(row[header], value), (code, header, row[header])
    entry = AuditEntry.objects.get(action="ledger.export")
    assert entry.data["ledger"] == code and entry.data["rows"] == len(values) - 3


def test_the_aid_workbook_adds_up_and_masks_numbers_for_whoever_may_not_see_them(client, world):
    home, needy, disabled = _aid(world)
    export = reverse("people:ledger-export", args=["assistance"])
    client.force_login(world.cast["community_worker"])
    rows = _table(_sheet(client.get(export, _query(world))))
    assert [r["救助类型"] for r in rows] == ["低保金", "临时救助", "残疾人补贴"]
    assert sum(Decimal(str(r["金额（元）"])) for r in rows) == Decimal("2600.50")
    # The sheet's own 合计 row says the same, under the amount column.
    book = openpyxl.load_workbook(io.BytesIO(downloaded(client.get(export, _query(world)))))
    cells = [[c.value for c in row] for row in book.active.iter_rows()]
    total_row = cells[-3]
    amount = LEDGERS["assistance"].headers().index("金额（元）") + 1
    assert total_row[0] == "合计" and Decimal(str(total_row[amount])) == Decimal("2600.50")
    assert [v for i, v in enumerate(total_row) if i not in (0, amount)] == [None] * (
        len(total_row) - 2
    )
    printed = client.get(reverse("people:ledger-print", args=["assistance"]), _query(world))
    assert "<tfoot><tr><th>合计</th>" in printed.content.decode()
    assert "2600.50" in printed.content.decode()
    temporary = rows[1]
    assert (temporary["受助人"], temporary["联系电话"]) == ("临时困难者", PHONE)
    assert temporary["身份证号码"] == needy.id_number
    assert (temporary["户号"], temporary["依据的人群"], temporary["备注"]) == (
        None,
        None,
        "因病住院",
    )
    assert rows[0]["身份证号码"] == home.head.id_number
    assert rows[2]["依据的人群"] == "残疾"
    # On screen, numbers stay masked for everyone.
    page = client.get(reverse("people:ledger-detail", args=["assistance"]), _query(world))
    phone = LEDGERS["assistance"].headers().index("联系电话")
    assert page.context["rows"][1][phone] == mask(PHONE)
    assert PHONE not in page.content.decode() and needy.id_number not in page.content.decode()
    # A viewer reads records, not numbers, nor the aid that rests on a health group.
    client.force_login(world.cast["viewer"])
    rows = _table(_sheet(client.get(export, _query(world))))
    assert [r["救助类型"] for r in rows] == ["低保金", "临时救助"]
    assert rows[1]["联系电话"] == mask(PHONE) and rows[1]["身份证号码"] == mask(needy.id_number)
    assert disabled.name not in str(rows)


def test_health_tied_aid_is_kept_from_roles_that_may_not_see_the_group(client, world):
    _aid(world)
    for role, shown in (("community_worker", True), ("grid_worker", False), ("viewer", False)):
        client.force_login(world.cast[role])
        query = _query(world, place=world.grid if role == "grid_worker" else None)
        page = client.get(reverse("people:ledger-detail", args=["assistance"]), query)
        kinds = [row[1] for row in page.context["rows"]]
        assert ("残疾人补贴" in kinds) is shown, role
        assert "低保金" in kinds, role


def test_the_donation_ledger_carries_each_drives_balance_from_before_the_period(client, world):
    drive = _drive(
        world,
        start=TODAY - 60 * DAY,
        early=[("in", TODAY - 50 * DAY, "早期捐赠人", "100", "", "")],
    )
    other = services.open_drive(name="助学", place=world.community, starts_on=TODAY - DAY, by=None)
    services.record_donation(
        other, services.DonationData("in", TODAY, "某公司", money="3000"), by=None
    )
    client.force_login(world.cast["community_worker"])
    export = reverse("people:ledger-export", args=["donations"])
    # The period starts after the early gift: its money is still in the balance.
    rows = _table(_sheet(client.get(export, _query(world, start=TODAY - 40 * DAY))))
    assert [(r["募捐活动"], r["摘要"]) for r in rows] == [
        ("冬季送温暖", "捐入"), ("冬季送温暖", "捐入"), ("冬季送温暖", "发放"),
        ("冬季送温暖", "发放"), ("助学", "捐入"),
    ]  # fmt: skip
    money_left = [_decimal(r["结余金额（元）"]) for r in rows]
    assert money_left == [Decimal(n) for n in ("2100", "2300", "1800", "1800", "3000")]
    assert [_decimal(r["该物品结余"]) for r in rows[:4]] == [
        Decimal("30"), None, Decimal("28"), Decimal("25"),
    ]  # fmt: skip
    balance = services.balance(drive)
    assert money_left[3] == balance[""] and _decimal(rows[3]["该物品结余"]) == balance["棉被"]
    given = sum(_decimal(r["发放金额（元）"]) or 0 for r in rows)
    received = sum(_decimal(r["捐入金额（元）"]) or 0 for r in rows)
    assert (received, given) == (Decimal("5200"), Decimal("500"))


def _decimal(cell):
    return None if cell is None else Decimal(str(cell))


def test_the_supplies_ledger_keeps_the_stock_after_each_move(client, world):
    _supplies(world)
    client.force_login(world.cast["community_worker"])
    export = reverse("people:ledger-export", args=["supplies"])
    rows = _table(_sheet(client.get(export, _query(world))))
    shown = [(r["物资名称"], r["类型"], _decimal(r["结存"])) for r in rows]
    assert shown == [
        ("口罩", "采购入库", Decimal("1000")), ("口罩", "发放出库", Decimal("700")),
        ("口罩", "发放出库", Decimal("600")), ("大米", "上级调拨入库", Decimal("200")),
        ("大米", "发放出库", Decimal("150")),
    ] or shown == [
        ("大米", "上级调拨入库", Decimal("200")), ("大米", "发放出库", Decimal("150")),
        ("口罩", "采购入库", Decimal("1000")), ("口罩", "发放出库", Decimal("700")),
        ("口罩", "发放出库", Decimal("600")),
    ]  # fmt: skip
    for name in ("口罩", "大米"):
        moves = [r for r in rows if r["物资名称"] == name]
        taken_in = sum(_decimal(r["入库数量"]) or 0 for r in moves)
        taken_out = sum(_decimal(r["出库数量"]) or 0 for r in moves)
        assert taken_in - taken_out == _decimal(moves[-1]["结存"]), name
    issued = {r["来源/去向"] for r in rows if r["类型"] == "发放出库"}
    assert issued == {"甲一网格", "重阳节慰问", "好又多便利店"}


def test_the_application_ledger_follows_where_the_applicants_live(client, world):
    _applications(world)
    # The sub-district's own campaign: households of every community apply.
    district_wide = _campaign(world, name="文明家庭", rule="manual", fields="",
                              place=world.subdistrict)  # fmt: skip
    ours, theirs = household(world.grid), household(world.neighbour_community)
    for home in (ours, theirs):
        services.apply(district_wide, household=home, applied_on=TODAY - DAY, by=None)
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("people:ledger-detail", args=["applications"]), _query(world))
    names = [(row[0], row[2]) for row in page.context["rows"]]
    assert len(names) == 3 and ("文明家庭", f"{ours.number}（{ours.head.name}）") in names
    assert all(theirs.number not in name for _c, name in names)
    # Before the period: nothing.
    before = {**_query(world), "start": "2020-01-01", "on": (TODAY - 30 * DAY).isoformat()}
    page = client.get(reverse("people:ledger-detail", args=["applications"]), before)
    assert page.context["rows"] == []
    # The grid worker: the grid's households.
    client.force_login(world.cast["grid_worker"])
    page = client.get(
        reverse("people:ledger-detail", args=["applications"]), _query(world, place=world.grid)
    )
    assert len(page.context["rows"]) == 3


def test_an_outsider_sees_nothing_of_the_neighbours_programs(client, world):
    _everything(world)
    outsider = world.outsiders["community_head"]  # 乙社区
    client.force_login(outsider)
    for code in CODES:
        own = client.get(reverse("people:ledger-detail", args=[code]), {"start": "2000-01-01"})
        assert own.status_code == 200, code
        assert own.context["rows"] == [], code
        home = client.get(reverse("people:ledger-detail", args=[code]), _query(world))
        assert "rows" not in home.context, code  # the home community is not a choice
        export = client.get(reverse("people:ledger-export", args=[code]), _query(world))
        assert export.status_code == 404, code


def test_a_sub_district_meeting_lists_each_communitys_opinions_only_above_them(client, world):
    """A sub-district meeting takes opinions from two of its communities: the sub-district
    reads both with who gave them; a community's ledger does not list the meeting at all, and
    a community's opinion cannot go to the next community's meeting."""
    meeting = services.record_deliberation(
        services.DeliberationData("辖区交通整治", TODAY - 2 * DAY, world.subdistrict), by=None
    )
    own = services.record_deliberation(
        services.DeliberationData("本社区停车", TODAY - 2 * DAY, world.community), by=None
    )
    for place, name in ((world.grid, "甲社区居民"), (world.neighbour_community, "乙社区居民")):
        opinion = services.collect_opinion(
            services.OpinionData(TODAY - 9 * DAY, "座谈会", "交通停车", f"{name}的意见",
                                 place=place, from_name=name),
            by=None,
        )  # fmt: skip
        services.settle_opinion(opinion, outcome="提交议事", deliberation=meeting, by=None)
    stray = services.collect_opinion(
        services.OpinionData(TODAY - 9 * DAY, "座谈会", "交通停车", "隔壁的意见",
                             place=world.neighbour_community),
        by=None,
    )  # fmt: skip
    with pytest.raises(DomainError, match="不是本意见所在社区的议事"):
        services.settle_opinion(stray, outcome="提交议事", deliberation=own, by=None)
    column = LEDGERS["deliberations"].headers().index("提交协商的居民意见")

    def rows(user, place):
        client.force_login(user)
        page = client.get(
            reverse("people:ledger-detail", args=["deliberations"]), _query(world, place=place)
        )
        return page.context["rows"]

    (row,) = [r for r in rows(world.cast["subdistrict_admin"], world.subdistrict) if r[column]]
    assert "甲社区居民：甲社区居民的意见" in row[column]
    assert "乙社区居民：乙社区居民的意见" in row[column]
    community_rows = rows(world.cast["community_worker"], world.community)
    assert [r for r in community_rows if "乙社区居民" in str(r)] == []
    assert len(community_rows) == 1  # only the community's own meeting


def test_programs_ledgers_read_a_fixed_number_of_queries_however_many_rows(
    client, world, django_assert_max_num_queries
):
    for _n in range(3):
        _applications(world)
        _honours(world)
        _aid(world)
        _drive(world)
        _voice(world)
    _supplies(world)
    client.force_login(world.cast["community_head"])
    for code in CODES:
        with django_assert_max_num_queries(QUERIES):
            page = client.get(reverse("people:ledger-detail", args=[code]), _query(world))
        assert len(page.context["rows"]) >= 3, code
        with django_assert_max_num_queries(QUERIES):
            export = client.get(reverse("people:ledger-export", args=[code]), _query(world))
        assert export.status_code == 200


QUERIES = 14
