import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from inspections.tests.factories import shop
from people import services as people
from people.tests.factories import resident
from programs import services
from programs.models import Assistance, Donation, DonationDrive, Stock, SupplyItem, SupplyMove
from programs.tests import aid_factories
from programs.tests.factories import SINCE, dibao, household

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _aid(kind="慰问金", amount="100", **extra):
    source, day = extra.pop("source", "社区"), extra.pop("date", TODAY)
    data = services.AssistanceData(kind, source, day, amount=amount, **extra)
    return services.give_assistance(data, by=None)


def _aid_form(target="", **extra):
    form = {
        "target": target,
        "kind": "慰问金",
        "source": "社区",
        "amount": "200",
        "goods": "",
        "date": TODAY.isoformat(),
        "notes": "",
    }
    form.update(extra)
    return form


# --- Assistance ---------------------------------------------------------------------------------


def test_a_worker_finds_a_household_and_pays_low_income_aid(client, world):
    home = household(world.grid, members=3)
    people.move_in(home, resident(world.grid, "赵低保"), relation="其他", since=SINCE, by=None)
    membership = dibao(home)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:assistance-create")
    found = client.get(url, {"q": "赵低保"}).content.decode()
    member = home.residences.get(resident__name="赵低保").resident
    assert f"target=h%3A{home.pk}" in found and f"target=r%3A{member.pk}" in found
    by_number = client.get(url, {"q": home.number}).content.decode()
    assert f"target=h%3A{home.pk}" in by_number
    chosen = client.get(url, {"target": f"h:{home.pk}"}).content.decode()
    assert f"户号{home.number}" in chosen and "更换" in chosen
    response = client.post(
        f"{url}?target=h:{home.pk}", _aid_form(f"h:{home.pk}", kind="低保金", source="民政")
    )
    aid = Assistance.objects.get()
    assert response.url == reverse("programs:assistance-detail", args=[aid.pk])
    assert aid.household == home and aid.membership == membership
    page = client.get(response.url).content.decode()
    assert "已登记低保金，依据低保登记" in page  # the message tells which membership
    assert "依据的重点人群登记" in page and f"{membership.start:%Y-%m-%d}起" in page


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"kind": "低保金"}, "低保金只能发给在册的低保对象"),
        ({"amount": "-5"}, "金额不能为负数"),
        ({"amount": "", "goods": ""}, "请填写金额或发放的物资"),
        ({"target": ""}, "请选择受助户或受助人"),
        ({"date": ""}, "这个字段是必填项"),
    ],
)
def test_refused_aid_shows_the_reason_and_saves_nothing(client, world, extra, message):
    home = household(world.grid)
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("programs:assistance-create"), {**_aid_form(f"h:{home.pk}"), **extra}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Assistance.objects.exists()


def test_a_recipient_outside_ones_place_is_refused(client, world):
    outside = household(world.neighbour_community)
    client.force_login(world.cast["community_worker"])
    for target in (f"h:{outside.pk}", f"r:{outside.head.pk}", "h:999999", "u:1"):
        response = client.post(reverse("programs:assistance-create"), _aid_form(target))
        assert "受助对象不在本辖区，不能登记" in response.content.decode(), target
    assert not Assistance.objects.exists()


def test_a_grid_worker_is_not_offered_aid_tied_to_health_groups(client, world):
    client.force_login(world.cast["grid_worker"])
    form = client.get(reverse("programs:assistance-create")).context["form"]
    kinds = [k for k, _label in form.fields["kind"].choices]
    assert "残疾人补贴" not in kinds and "低保金" in kinds
    client.force_login(world.cast["community_worker"])
    form = client.get(reverse("programs:assistance-create")).context["form"]
    assert "残疾人补贴" in [k for k, _label in form.fields["kind"].choices]


def test_assistance_totals_equal_the_payments(client, world):
    a, b = household(world.grid, members=2), household(world.neighbour_grid)
    old = resident(world.grid, "高龄老人", birth=datetime.date(1935, 1, 1))
    dibao(a)
    _aid("低保金", "800", household=a, source="民政")
    last_month = (TODAY.replace(day=1) - DAY).replace(day=1)  # paid late, for last month
    _aid("低保金", "800", household=a, date=TODAY - DAY, period_start=last_month)
    _aid("慰问金", "200.50", household=a)
    _aid("慰问金", "300", household=b)
    _aid("慰问物资", "", goods="大米1袋", resident=old)
    _aid("慰问金", "100", resident=old)
    _aid("慰问金", "999", household=household(world.neighbour_community))  # not visible
    _aid("慰问金", "555", household=a, date=TODAY.replace(year=TODAY.year - 1))  # last year
    client.force_login(world.cast["community_worker"])
    response = client.get(reverse("programs:assistance-list"))
    total = response.context["total"]
    expected = (
        Assistance.objects.visible_to(world.cast["community_worker"])
        .filter(date__year=TODAY.year, date__lte=TODAY)
        .aggregate(s=Sum("amount"))["s"]
    )
    assert total.amount == expected == Decimal("2200.50")
    assert (total.payments, total.households, total.persons) == (6, 2, 1)
    by_kind = {
        t.kind: (t.amount, t.payments, t.households, t.persons) for t in response.context["by_kind"]
    }
    assert by_kind == {
        "低保金": (Decimal("1600.00"), 2, 1, 0),
        "慰问金": (Decimal("600.50"), 3, 2, 1),
        "慰问物资": (Decimal("0.00"), 1, 0, 1),
    }
    page = response.content.decode()
    assert 'data-total="amount">2200.50<' in page
    assert "发给户的救助只计户数，不计户内人数" in page  # the page says how persons count
    # The filters narrow the totals the same way.
    only_dibao = client.get(reverse("programs:assistance-list"), {"kind": "低保金"})
    assert only_dibao.context["total"].amount == Decimal("1600.00")
    by_number = client.get(reverse("programs:assistance-list"), {"q": a.number})
    assert by_number.context["total"].payments == 3
    every_year = client.get(reverse("programs:assistance-list"), {"start": "", "end": ""})
    assert every_year.context["total"].amount == Decimal("2755.50")


def test_the_assistance_list_keeps_its_query_count_and_pages(
    client, world, django_assert_max_num_queries
):
    homes = [household(world.grid) for _ in range(6)]
    for i in range(55):
        _aid("慰问金", str(10 + i), household=homes[i % 6], date=TODAY - (i % 3) * DAY)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:assistance-list")
    with django_assert_max_num_queries(12):
        first = client.get(url)
    assert len(first.context["rows"]) == 50 and first.context["more"]
    second = client.get(url, {"before": first.context["more"]})
    shown = {a.pk for a in first.context["rows"]} | {a.pk for a in second.context["rows"]}
    assert len(shown) == 55


def test_assistance_pages_answer_outsiders_viewers_and_wrong_methods(client, world):
    aid = aid_factories.assistance(world)
    detail = reverse("programs:assistance-detail", args=[aid.pk])
    client.force_login(world.outsiders["community_worker"])
    assert client.get(detail).status_code == 404
    client.force_login(world.cast["viewer"])
    assert client.get(detail).status_code == 200
    create = reverse("programs:assistance-create")
    assert client.get(create).status_code == 403
    assert client.post(create, _aid_form(f"h:{aid.household_id}")).status_code == 403
    assert Assistance.objects.count() == 1
    assert client.post(reverse("programs:assistance-list")).status_code == 405
    assert client.post(detail).status_code == 405


# --- Donations ----------------------------------------------------------------------------------


def _entry(direction, **extra):
    form = {
        "target": "",
        "party_name": "",
        "date": TODAY.isoformat(),
        "money": "",
        "item": "",
        "quantity": "",
        "item_unit": "",
        "notes": "",
    }
    form.update(extra)
    return form


def test_a_drive_takes_gifts_and_hands_out_within_its_balance(client, world):
    worker = world.cast["community_worker"]
    client.force_login(worker)
    response = client.post(
        reverse("programs:drive-create"),
        {"name": "冬季送温暖", "place": world.community.pk, "starts_on": TODAY.isoformat()},
    )
    drive = DonationDrive.objects.get()
    assert response.url == reverse("programs:drive-detail", args=[drive.pk])
    gift_in = reverse("programs:donation-in", args=[drive.pk])
    donor = shop(world.grid, "爱心超市")
    found = client.get(gift_in, {"q": "爱心"}).content.decode()
    assert f"target=u%3A{donor.pk}" in found
    client.post(gift_in, _entry("in", target=f"u:{donor.pk}", money="500", item="大米",
                                quantity="20", item_unit="袋"))  # fmt: skip
    client.post(gift_in, _entry("in", party_name="热心居民王先生", money="300"))
    assert [e.party_name for e in drive.entries.all()] == ["爱心超市", "热心居民王先生"]
    assert drive.entries.first().unit == donor

    hand_out = reverse("programs:donation-out", args=[drive.pk])
    page = client.get(hand_out).content.decode()
    assert "大米（结余20袋）" in page and "现有结余 800.00 元" in page
    taker = household(world.grid, head_name="困难户")
    too_much = client.post(hand_out, _entry("out", target=f"h:{taker.pk}", money="801"))
    assert "发放金额801.00元超过结余800.00元" in too_much.content.decode()
    rice = client.post(hand_out, _entry("out", target=f"h:{taker.pk}", item="大米", quantity="21"))
    assert "大米（21）超过结余（20）" in rice.content.decode()
    assert drive.entries.count() == 2
    client.post(
        hand_out, _entry("out", target=f"h:{taker.pk}", money="300", item="大米", quantity="5")
    )
    given = drive.entries.get(direction="out")
    assert given.household == taker and given.party_name == f"{taker.number}（{taker.head.name}）"
    assert given.item_unit == "袋"

    detail = client.get(reverse("programs:drive-detail", args=[drive.pk]))
    assert (detail.context["money_in"], detail.context["money_out"]) == (800, 300)
    assert detail.context["money_left"] == Decimal("500.00")
    assert [(i["item"], i["left"]) for i in detail.context["items"]] == [("大米", 15)]
    listing = client.get(reverse("programs:drive-list"))
    (row,) = listing.context["page"]
    assert (row.money_in, row.money_out, row.money_left) == (800, 300, 500)


def test_a_party_outside_ones_place_is_refused(client, world):
    drive = aid_factories.drive(world)
    outside = household(world.neighbour_community)
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("programs:donation-in", args=[drive.pk]),
        _entry("in", target=f"h:{outside.pk}", money="10"),
    )
    assert "不能选择辖区外的居民、户或单位" in response.content.decode()
    assert not Donation.objects.exists()


def test_donation_pages_answer_outsiders_viewers_and_wrong_methods(client, world):
    drive = aid_factories.drive(world)
    gift_in = reverse("programs:donation-in", args=[drive.pk])
    detail = reverse("programs:drive-detail", args=[drive.pk])
    client.force_login(world.outsiders["community_worker"])
    assert client.get(detail).status_code == 404
    assert client.post(gift_in, _entry("in", party_name="某人", money="5")).status_code == 404
    client.force_login(world.cast["grid_worker"])  # the drive is the community's
    assert client.get(detail).status_code == 404
    client.force_login(world.cast["viewer"])
    assert client.get(detail).status_code == 200
    assert client.post(gift_in, _entry("in", party_name="某人", money="5")).status_code == 403
    assert client.post(reverse("programs:drive-create"), {"name": "x"}).status_code == 403
    assert client.post(detail).status_code == 405
    assert not Donation.objects.exists() and DonationDrive.objects.count() == 1


def test_the_drive_list_keeps_its_query_count(client, world, django_assert_max_num_queries):
    for n in range(12):
        drive = services.open_drive(
            name=f"募捐{n}", place=world.community, starts_on=TODAY - DAY, by=None
        )
        services.record_donation(
            drive, services.DonationData("in", TODAY, "张三", money="100"), by=None
        )
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programs:drive-list"))
    assert len(response.context["page"]) == 12
    assert all(d.money_left == 100 for d in response.context["page"])


# --- Supplies -----------------------------------------------------------------------------------


def test_a_worker_adds_an_item_receives_and_issues_within_stock(client, world):
    client.force_login(world.cast["community_worker"])
    items = reverse("programs:item-list")
    client.post(items, {"name": "消毒液", "unit": "瓶"})
    again = client.post(items, {"name": "消毒液", "unit": "瓶"})
    assert "已有物资“消毒液”" in again.content.decode()
    item = SupplyItem.objects.get()
    response = client.post(
        reverse("programs:supply-receive"),
        {
            "place": world.community.pk,
            "item": item.pk,
            "kind": "采购入库",
            "quantity": "10",
            "date": TODAY.isoformat(),
            "counterpart": "医药公司",
        },
        follow=True,
    )
    assert "已登记采购入库：消毒液 10瓶，结存10瓶" in response.content.decode()
    issue = reverse("programs:supply-issue")
    unit = shop(world.grid, "社区卫生站")
    found = client.get(issue, {"q": "卫生站"}).content.decode()
    assert f"target=u%3A{unit.pk}" in found
    form = {
        "place": world.community.pk,
        "item": item.pk,
        "quantity": "11",
        "date": TODAY.isoformat(),
        "target": f"u:{unit.pk}",
    }
    refused = client.post(issue, form)
    assert "消毒液库存只有10瓶，不能发放11瓶" in refused.content.decode()
    assert SupplyMove.objects.count() == 1
    both = client.post(issue, {**form, "quantity": "4", "to_place": world.grid.pk})
    assert "去向只能选一个" in both.content.decode()
    client.post(issue, {**form, "quantity": "4"})
    move = SupplyMove.objects.get(kind="发放出库")
    assert (move.to_unit, move.counterpart, move.balance) == (unit, "社区卫生站", 6)
    assert Stock.objects.get().on_hand == 6
    moves = client.get(reverse("programs:move-list"), {"item": item.pk})
    assert [(m.kind, m.balance) for m in moves.context["rows"]] == [
        ("发放出库", 6),
        ("采购入库", 10),
    ]
    stock = client.get(reverse("programs:stock-list")).content.decode()
    assert "消毒液" in stock and "<strong>6</strong> 瓶" in stock


def test_an_issue_to_a_unit_outside_ones_place_is_refused(client, world):
    aid_factories.receive(world.community, "10")
    far = shop(world.neighbour_community, "乙社区商店")
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("programs:supply-issue"),
        {
            "place": world.community.pk,
            "item": SupplyItem.objects.get().pk,
            "quantity": "1",
            "date": TODAY.isoformat(),
            "target": f"u:{far.pk}",
        },
    )
    assert "去向不在本辖区" in response.content.decode()
    assert SupplyMove.objects.count() == 1


def test_supply_pages_answer_viewers_grid_workers_and_wrong_methods(client, world):
    aid_factories.receive(world.community, "10")
    client.force_login(world.cast["viewer"])
    assert client.get(reverse("programs:stock-list")).status_code == 200
    assert (
        client.post(reverse("programs:item-list"), {"name": "手套", "unit": "副"}).status_code
        == 403
    )
    assert client.get(reverse("programs:supply-issue")).status_code == 403
    assert client.post(reverse("programs:stock-list")).status_code == 405
    assert client.post(reverse("programs:move-list")).status_code == 405
    assert SupplyItem.objects.count() == 1
    # A grid worker's place holds no store: nothing of the community's is shown.
    client.force_login(world.cast["grid_worker"])
    stock = client.get(reverse("programs:stock-list"))
    assert not stock.context["page"].object_list
    # Nor is the grid worker offered to receive, issue or open a drive there.
    assert reverse("programs:supply-receive") not in stock.content.decode()
    drives = client.get(reverse("programs:drive-list")).content.decode()
    assert reverse("programs:drive-create") not in drives
    client.force_login(world.cast["community_worker"])
    assert (
        reverse("programs:supply-receive")
        in client.get(reverse("programs:stock-list")).content.decode()
    )
    drives = client.get(reverse("programs:drive-list")).content.decode()
    assert reverse("programs:drive-create") in drives
    client.force_login(world.outsiders["community_worker"])
    assert not client.get(reverse("programs:move-list")).context["rows"]


def test_supply_lists_keep_their_query_count(client, world, django_assert_max_num_queries):
    for n in range(8):
        aid_factories.receive(world.community, "5", name=f"物资{n}")
        aid_factories.receive(world.subdistrict, "5", name=f"物资{n}")
    unit = shop(world.grid)
    item = SupplyItem.objects.first()
    for _ in range(3):
        services.move_supplies(
            world.community,
            services.MoveData(item, "发放出库", "1", TODAY, to_unit=unit),
            by=None,
        )
    client.force_login(world.cast["subdistrict_admin"])
    with django_assert_max_num_queries(12):
        stock = client.get(reverse("programs:stock-list"))
    assert len(stock.context["page"]) == 16
    with django_assert_max_num_queries(12):
        moves = client.get(reverse("programs:move-list"))
    assert len(moves.context["rows"]) == 19
    with django_assert_max_num_queries(12):
        items = client.get(reverse("programs:item-list"))
    assert len(items.context["items"]) == 8


def test_an_issue_goes_to_a_work_record_a_campaign_or_a_place(client, world):
    from ledger.models import WorkRecord

    aid_factories.receive(world.community, "10")
    record = WorkRecord.objects.create(
        kind="活动", title="灭鼠行动", date=TODAY - DAY, place=world.grid
    )
    campaign = services.create_campaign(
        services.CampaignData(
            name="卫生家庭",
            subject="household",
            criteria="家庭整洁",
            starts_on=TODAY - DAY,
            ends_on=TODAY + DAY,
            place=world.community,
        ),
        by=None,
    )
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:supply-issue")
    page = client.get(url, {"record": record.pk})
    assert page.context["form"]["record"].value() == record.pk  # offered from the record
    base = {"place": world.community.pk, "item": SupplyItem.objects.get().pk, "quantity": "1",
            "date": TODAY.isoformat()}  # fmt: skip
    client.post(url, {**base, "record": record.pk})
    client.post(url, {**base, "campaign": campaign.pk})
    client.post(url, {**base, "to_place": world.grid.pk})
    client.post(url, {**base, "counterpart": "3号楼居民"})
    nothing = client.post(url, base)
    assert "请填写去向" in nothing.content.decode()
    issued = SupplyMove.objects.filter(kind="发放出库").order_by("pk")
    assert [m.counterpart for m in issued] == ["灭鼠行动", "卫生家庭", "甲一网格", "3号楼居民"]
    assert (issued[0].record, issued[1].campaign, issued[2].to_place) == (
        record,
        campaign,
        world.grid,
    )
    assert Stock.objects.get().on_hand == 6
