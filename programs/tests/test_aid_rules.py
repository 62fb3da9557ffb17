"""低保金 is paid once a month per household; a second payment for a month is a 补发 the
worker confirms."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from programs import services
from programs.models import Assistance
from programs.tests.factories import dibao, household
from shequ.errors import DomainError

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
LAST_MONTH = (MONTH - datetime.timedelta(days=1)).replace(day=1)


def _dibao(home, *, period=MONTH, day=TODAY, back_payment=False, notes="", amount="800"):
    return services.give_assistance(
        services.AssistanceData(
            "低保金",
            "民政",
            day,
            amount=amount,
            household=home,
            period_start=period,
            notes=notes,
            back_payment=back_payment,
        ),
        by=None,
    )


def test_a_second_dibao_for_the_same_month_is_refused_and_saves_nothing(world):
    home = household(world.grid, members=2)
    dibao(home)
    first = _dibao(home)
    with pytest.raises(DomainError, match=r"已于.*发放（800元），同一月份不能重复发放") as caught:
        _dibao(home, amount="120")
    assert caught.value.field == "back_payment"
    assert f"{MONTH:%Y年%m月}" in caught.value.message and "确认为补发" in caught.value.message
    assert list(Assistance.objects.all()) == [first]
    assert AuditEntry.objects.filter(action="assistance.create").count() == 1


def test_a_month_is_the_period_or_else_the_day_paid(world):
    home = household(world.grid, members=2)
    dibao(home, start=LAST_MONTH - datetime.timedelta(days=60))
    _dibao(home, period=LAST_MONTH)
    _dibao(home, period=MONTH)  # another month: paid
    with pytest.raises(DomainError, match="同一月份不能重复发放"):
        _dibao(home, period=None)  # no period given: the month it is paid, already paid
    assert Assistance.objects.count() == 2


def test_a_confirmed_back_payment_is_paid_and_says_so(world):
    home = household(world.grid, members=2)
    dibao(home)
    _dibao(home)
    top_up = _dibao(home, amount="60", back_payment=True, notes="调标补差")
    assert top_up.notes == "补发；调标补差"
    assert Assistance.objects.filter(household=home).count() == 2


def test_other_households_and_other_kinds_are_not_held_to_it(world):
    home, other = household(world.grid, members=2), household(world.grid, members=2)
    dibao(home)
    dibao(other)
    _dibao(home)
    _dibao(other)
    # 慰问金 may be given twice in a month (a festival and an illness).
    for day in (TODAY, TODAY - datetime.timedelta(days=10)):
        services.give_assistance(
            services.AssistanceData("慰问金", "社区", day, amount="200", household=home),
            by=None,
        )
    assert Assistance.objects.count() == 4


def test_the_form_refuses_a_second_dibao_until_back_payment_is_ticked(client, world):
    home = household(world.grid, members=2)
    dibao(home)
    _dibao(home)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:assistance-create")
    form = {
        "target": f"h:{home.pk}",
        "kind": "低保金",
        "source": "民政",
        "amount": "800",
        "goods": "",
        "date": TODAY.isoformat(),
        "period_start": MONTH.isoformat(),
        "notes": "",
    }
    page = client.post(url, form)
    assert page.status_code == 200
    assert "同一月份不能重复发放" in str(page.context["form"].errors["back_payment"])
    assert Assistance.objects.count() == 1
    response = client.post(url, {**form, "back_payment": "on"})
    assert response.status_code == 302
    assert Assistance.objects.order_by("pk").last().notes == "补发"


def test_a_voided_payment_leaves_its_month_open_and_a_correction_is_no_second_payment(world):
    from dataclasses import replace

    from programs import corrections

    home = household(world.grid, members=2)
    dibao(home)
    first = _dibao(home)
    data = services.AssistanceData("低保金", "民政", TODAY, amount="850", household=home)
    data = replace(data, period_start=MONTH)
    corrected = corrections.correct_assistance(
        first, data, reason="金额录错", version=first.version, by=None
    )
    assert corrected.amount == 850 and corrected.replaces_id == first.pk
    corrections.void_assistance(corrected, reason="重复录入", version=corrected.version, by=None)
    again = _dibao(home)  # the month has no live payment any more
    assert Assistance.objects.filter(voided_at__isnull=True).get() == again


def test_the_same_payment_entered_twice_is_refused_unless_confirmed(world):
    home = household(world.grid, members=2)

    def visit(**extra):
        return services.give_assistance(
            services.AssistanceData("慰问金", "社区", TODAY, amount="300", household=home, **extra),
            by=None,
        )

    first = visit()
    with pytest.raises(DomainError, match="疑似重复登记") as refused:
        visit()
    assert refused.value.field == "not_repeat"
    assert f"户号{home.number}" in refused.value.message
    assert list(Assistance.objects.all()) == [first]
    second = visit(not_repeat=True)
    assert Assistance.objects.count() == 2 and second.pk != first.pk
    # Another day, another amount or another household is no repeat.
    services.give_assistance(
        services.AssistanceData("慰问金", "社区", TODAY, amount="200", household=home), by=None
    )
    assert Assistance.objects.count() == 3


def test_a_corrected_back_payment_stays_one(client, world):
    home = household(world.grid, members=2)
    dibao(home)
    _dibao(home)
    back = _dibao(home, back_payment=True, amount="120")
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:assistance-correct", args=[back.pk])
    form = client.get(url).context["form"]
    assert form.initial["back_payment"] is True
