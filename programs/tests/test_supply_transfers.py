"""An issue from one store to a community's (or sub-district's) store moves the stock there:
the matching receipt is made in the same transaction."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from programs import services
from programs.models import Stock, SupplyMove
from programs.tests import aid_factories
from shequ.errors import DomainError

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _on_hand(place) -> Decimal:
    return Stock.objects.get(place=place, item=aid_factories.item()).on_hand


def _issue(world, quantity, *, to, day=TODAY, by=None):
    return services.move_supplies(
        world.subdistrict,
        services.MoveData(aid_factories.item(), "发放出库", quantity, day, to_place=to),
        by=by,
    )


def test_an_issue_to_a_community_is_received_in_its_store(world):
    aid_factories.receive(world.subdistrict, "100", day=TODAY - 2 * DAY)
    aid_factories.receive(world.community, "5", day=TODAY - DAY)
    issue = _issue(world, "30", to=world.community, by=world.cast["subdistrict_admin"])
    assert _on_hand(world.subdistrict) == Decimal("70")
    assert _on_hand(world.community) == Decimal("35")
    receipt = issue.receipt
    assert (receipt.place, receipt.kind, receipt.quantity, receipt.date) == (
        world.community,
        "调拨入库",
        Decimal("30"),
        TODAY,
    )
    assert receipt.counterpart == world.subdistrict.name and receipt.balance == Decimal("35")
    # Each store's audit row sits in its own place, where its auditors read it.
    issued = AuditEntry.objects.get(action="supply.issue")
    received = AuditEntry.objects.filter(action="supply.receive").order_by("pk").last()
    assert (issued.place_path, received.place_path) == (
        world.subdistrict.path,
        world.community.path,
    )


def test_an_issue_to_a_grid_or_a_unit_makes_no_receipt(world):
    aid_factories.receive(world.community, "10")
    move = services.move_supplies(
        world.community,
        services.MoveData(aid_factories.item(), "发放出库", "4", TODAY, to_place=world.grid),
        by=None,
    )
    assert not SupplyMove.objects.filter(issue=move).exists()
    assert SupplyMove.objects.count() == 2
    assert _on_hand(world.community) == Decimal("6")


def test_a_receipt_the_community_cannot_take_refuses_the_issue_whole(world):
    aid_factories.receive(world.subdistrict, "100", day=TODAY - 3 * DAY)
    aid_factories.receive(world.community, "5", day=TODAY)  # the community's latest move
    with pytest.raises(DomainError, match=f"接收方{world.community.name}入库未能登记") as caught:
        _issue(world, "30", to=world.community, day=TODAY - DAY)
    assert caught.value.field == "date"
    assert _on_hand(world.subdistrict) == Decimal("100")
    assert _on_hand(world.community) == Decimal("5")
    assert SupplyMove.objects.count() == 2


def test_a_store_cannot_issue_to_itself(world):
    aid_factories.receive(world.community, "10")
    with pytest.raises(DomainError, match="不能发往本库所在的社区或街道"):
        services.move_supplies(
            world.community,
            services.MoveData(
                aid_factories.item(), "发放出库", "4", TODAY, to_place=world.community
            ),
            by=None,
        )
    assert _on_hand(world.community) == Decimal("10")


def test_the_issue_form_moves_the_stock_to_the_community(client, world):
    aid_factories.receive(world.subdistrict, "50", day=TODAY - DAY)
    client.force_login(world.cast["subdistrict_admin"])
    response = client.post(
        reverse("programs:supply-issue"),
        {
            "place": world.subdistrict.pk,
            "item": aid_factories.item().pk,
            "quantity": "20",
            "date": TODAY.isoformat(),
            "to_place": world.community.pk,
        },
    )
    assert response.status_code == 302
    assert (_on_hand(world.subdistrict), _on_hand(world.community)) == (Decimal(30), Decimal(20))


def test_a_drive_page_pages_its_entries_with_totals_over_all(
    client, world, monkeypatch, django_assert_max_num_queries
):
    from programs import aid_views

    drive = aid_factories.drive(world)
    day = drive.starts_on
    for money in ("100", "50.50", "20"):
        services.record_donation(
            drive, services.DonationData("in", day, party_name="张三", money=money), by=None
        )
    services.record_donation(
        drive, services.DonationData("out", day, party_name="李四", money="30"), by=None
    )
    services.record_donation(
        drive, services.DonationData("in", day, party_name="王五", money="9.50"), by=None
    )
    monkeypatch.setattr(aid_views, "PAGE_SIZE", 2)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:drive-detail", args=[drive.pk])
    with django_assert_max_num_queries(13):  # however many entries: none per row
        first = client.get(url)
    last = client.get(url, {"page": 3})
    assert [e.party_name for e in first.context["entries"]] == ["张三", "张三"]
    assert [e.party_name for e in last.context["entries"]] == ["王五"]
    for page in (first, last):
        assert page.context["money_in"] == Decimal("180.00")
        assert page.context["money_out"] == Decimal("30.00")
        assert page.context["money_left"] == Decimal("150.00")
    assert 'href="?page=2"' in first.content.decode()


def test_voiding_a_transfer_voids_both_sides_and_moves_the_stock_back(world):
    from programs import corrections

    aid_factories.receive(world.subdistrict, "100", day=TODAY - 2 * DAY)
    admin = world.cast["subdistrict_admin"]
    issue = _issue(world, "30", to=world.community, by=admin)
    receipt = issue.receipt
    # The receiving side cannot go alone, nor can either side be corrected.
    with pytest.raises(DomainError, match=r"请作废.*那笔出库"):
        corrections.void_move(receipt, reason="录错", version=receipt.version, by=admin)
    data = services.MoveData(
        aid_factories.item(), "发放出库", "20", TODAY, to_place=world.community
    )
    with pytest.raises(DomainError, match="调拨出入库不能更正"):
        corrections.correct_move(issue, data, reason="录错", version=issue.version, by=admin)
    assert (_on_hand(world.subdistrict), _on_hand(world.community)) == (70, 30)
    corrections.void_move(issue, reason="录错", version=issue.version, by=admin)
    issue.refresh_from_db()
    receipt.refresh_from_db()
    assert issue.voided_at is not None and receipt.voided_at is not None
    assert (_on_hand(world.subdistrict), _on_hand(world.community)) == (100, 0)
    assert AuditEntry.objects.filter(action="supply.void").count() == 2


def test_a_transfer_whose_stock_the_community_gave_out_cannot_be_voided(world):
    from programs import corrections

    aid_factories.receive(world.subdistrict, "100", day=TODAY - 2 * DAY)
    admin = world.cast["subdistrict_admin"]
    issue = _issue(world, "30", to=world.community, by=admin)
    services.move_supplies(
        world.community,
        services.MoveData(aid_factories.item(), "发放出库", "25", TODAY, to_place=world.grid),
        by=admin,
    )
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError, match=r"接收方.*不能一并作废"):
        corrections.void_move(issue, reason="录错", version=issue.version, by=admin)
    issue.refresh_from_db()
    assert issue.voided_at is None and issue.receipt.voided_at is None
    assert (_on_hand(world.subdistrict), _on_hand(world.community)) == (70, 5)
    assert AuditEntry.objects.count() == before
