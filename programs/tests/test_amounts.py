"""Money and quantities are typed as plain decimal numbers: no exponent, inf or nan."""

from decimal import Decimal

import pytest
from django.utils import timezone

from programs import services
from programs.models import Assistance, Donation, Stock, SupplyMove
from programs.tests import aid_factories
from programs.tests.factories import household
from shequ.errors import DomainError


@pytest.mark.parametrize(
    "typed", ["1e3", "1E3", "1e-2", "inf", "Infinity", "-inf", "nan", "NaN", "sNaN", "0x10",
              "1_000", "12元", "1.2.3", "+5", " ", "--1", "1 000", "."],
)  # fmt: skip
def test_anything_but_a_plain_decimal_number_is_refused(typed):
    with pytest.raises(DomainError, match=r"金额应为数字，如 1200 或 35\.50") as caught:
        services.amount(typed, "金额", "amount")
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1200", "1200.00"), ("35.5", "35.50"), ("0.05", "0.05"), ("1,200.50", "1200.50"),
     ("  8 ", "8.00"), ("１２０", "120.00"), ("3.", "3.00"), (".5", "0.50"), (7, "7.00"),
     (Decimal("2.50"), "2.50"), ("", "0")],
)  # fmt: skip
def test_plain_decimal_numbers_are_read(typed, value):
    assert services.amount(typed, "金额", "amount") == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-5", "不能为负数"), ("1.234", "最多保留两位小数"), ("99999999999", "过大")],
)
def test_a_negative_a_third_decimal_or_a_huge_amount_says_why(typed, message):
    with pytest.raises(DomainError, match=message):
        services.amount(typed, "金额", "amount")


def test_an_exponent_amount_saves_no_aid_no_donation_and_no_stock(world):
    today = timezone.localdate()
    with pytest.raises(DomainError, match="金额应为数字"):
        services.give_assistance(
            services.AssistanceData(
                "慰问金", "社区", today, amount="1e3", household=household(world.grid)
            ),
            by=None,
        )
    drive = aid_factories.drive(world)
    with pytest.raises(DomainError, match="金额应为数字"):
        services.record_donation(
            drive, services.DonationData("in", today, party_name="张三", money="inf"), by=None
        )
    with pytest.raises(DomainError, match="数量应为数字"):
        services.move_supplies(
            world.community,
            services.MoveData(aid_factories.item(), "采购入库", "2E2", today, counterpart="药店"),
            by=None,
        )
    assert not Assistance.objects.exists()
    assert not Donation.objects.exists()
    assert not SupplyMove.objects.exists() and not Stock.objects.filter(on_hand__gt=0).exists()
