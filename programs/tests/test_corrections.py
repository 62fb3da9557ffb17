"""Voids (作废), corrections (更正) and withdrawals (撤回): each guard refuses with a Chinese
message and changes nothing; totals, balances and stock after a void or a correction equal
the sums worked out by hand; stock never goes below zero on any day; one audit row each."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEntry
from programs import corrections, services
from programs.aid_views import assistance_totals
from programs.models import Application, Assistance, Donation, Stock, SupplyMove
from programs.tests.aid_factories import drive, home, item
from programs.tests.factories import dibao, household
from shequ.errors import DomainError


def login(client, user) -> None:
    client.force_login(user)


TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _pay(w, amount, *, kind="慰问金", on=None, to=None, by=None) -> Assistance:
    return services.give_assistance(
        services.AssistanceData(kind, "社区", on or TODAY, amount=amount, household=to or home(w)),
        by=by,
    )


def _state(model) -> tuple:
    """Everything a refused change must leave as it was."""
    fields = ["pk", "voided_at", "void_reason"]
    fields += ["stage"] if model is Application else ["version"]
    return list(model.objects.order_by("pk").values_list(*fields)), AuditEntry.objects.count()


# --- Assistance ---------------------------------------------------------------------------------


def test_a_voided_payment_is_kept_but_counts_in_no_total(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    kept = [_pay(world, "100"), _pay(world, "300")]
    wrong = _pay(world, "2500")
    audits = AuditEntry.objects.count()
    corrections.void_assistance(wrong, reason="重复登记", version=0, by=worker)
    wrong.refresh_from_db()
    assert (wrong.void_reason, wrong.voided_by, wrong.version) == ("重复登记", worker, 1)
    assert wrong.voided_at is not None
    _by_kind, total = assistance_totals(Assistance.objects.all())
    assert (total.amount, total.payments) == (Decimal("400"), 2)
    assert Assistance.objects.count() == 3  # nothing deleted
    assert {a.pk for a in kept} | {wrong.pk} == set(Assistance.objects.values_list("pk", flat=True))
    assert AuditEntry.objects.count() == audits + 1
    assert AuditEntry.objects.latest("pk").action == "assistance.void"


def test_a_correction_voids_the_payment_and_enters_the_right_one_with_one_audit_row(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    poor = household(world.grid, members=2)
    dibao(poor)
    wrong = _pay(world, "8000", kind="低保金", on=TODAY - 3 * DAY, to=poor)
    _pay(world, "200")
    audits = AuditEntry.objects.count()
    right = corrections.correct_assistance(
        wrong,
        services.AssistanceData("低保金", "民政", TODAY - 2 * DAY, amount="800", household=poor),
        reason="多录了一个0",
        version=0,
        by=worker,
    )
    wrong.refresh_from_db()
    assert wrong.is_voided and wrong.void_reason == "多录了一个0"
    assert right.replaces == wrong and right.membership is not None
    assert (right.amount, right.date) == (Decimal("800"), TODAY - 2 * DAY)
    _by_kind, total = assistance_totals(Assistance.objects.all())
    assert total.amount == Decimal("1000")  # 800 + 200
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "assistance.correct"
    assert (entry.data["replaces"], entry.data["replacement"]) == (wrong.pk, right.pk)
    assert entry.changes["amount"] == ["8000.00", "800.00"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no_reason", "请填写作废原因"),
        ("twice", "不能再次作废或更正"),
        ("stale", "刷新页面"),
        ("outsider", "只能更正本辖区的记录"),
    ],
)
def test_a_refused_void_of_a_payment_changes_nothing(world, case, message):
    worker = world.cast[Role.COMMUNITY_WORKER]
    aid = _pay(world, "100")
    if case == "twice":
        aid = corrections.void_assistance(aid, reason="录错", version=0, by=worker)
    by = world.outsiders[Role.COMMUNITY_WORKER] if case == "outsider" else worker
    reason = "  " if case == "no_reason" else "录错"
    version = 5 if case == "stale" else aid.version
    before = _state(Assistance)
    with pytest.raises(DomainError, match=message):
        corrections.void_assistance(aid, reason=reason, version=version, by=by)
    assert _state(Assistance) == before


def test_a_correction_refused_for_its_new_values_leaves_the_old_payment_in_force(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    aid = _pay(world, "100")
    before = _state(Assistance)
    with pytest.raises(DomainError, match="低保金只能发给在册的低保对象"):
        corrections.correct_assistance(
            aid,
            services.AssistanceData("低保金", "民政", TODAY, amount="800", household=home(world)),
            reason="类型录错",
            version=0,
            by=worker,
        )
    with pytest.raises(DomainError, match="请填写更正原因"):
        corrections.correct_assistance(
            aid,
            services.AssistanceData("慰问金", "社区", TODAY, amount="80", household=home(world)),
            reason="",
            version=0,
            by=worker,
        )
    assert _state(Assistance) == before


# --- Donations ----------------------------------------------------------------------------------


def _entry(w, direction, money="", *, on=None, item_="", quantity="") -> Donation:
    return services.record_donation(
        drive(w),
        services.DonationData(
            direction, on or TODAY, party_name="张三", money=money, item=item_, quantity=quantity
        ),
        by=None,
    )


def test_a_gift_already_handed_out_cannot_be_voided_nor_corrected_below_what_went_out(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    gift = _entry(world, "in", "500", on=TODAY - 5 * DAY)
    _entry(world, "out", "300", on=TODAY - 3 * DAY)
    before = _state(Donation)
    with pytest.raises(DomainError, match=r"结余金额将为-300\.00元"):
        corrections.void_donation(gift, reason="录错", version=0, by=worker)

    def correct(**changes):
        values = {"direction": "in", "date": TODAY - 5 * DAY, "party_name": "张三"}
        values.update(changes)
        return corrections.correct_donation(
            gift, services.DonationData(**values), reason="金额录错", version=0, by=worker
        )

    with pytest.raises(DomainError, match=r"结余金额将为-100\.00元"):
        correct(money="200")
    # Dated after the handing-out, the money was not there on the day it went out.
    with pytest.raises(DomainError, match="为负数"):
        correct(money="500", date=TODAY - 2 * DAY)
    assert _state(Donation) == before
    right = correct(money="450")
    assert services.balance(drive(world))[""] == Decimal("150")  # 450 - 300
    assert right.replaces_id == gift.pk and right.direction == "in"


def test_voiding_a_handing_out_then_its_gift_empties_the_drive(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    gift = _entry(world, "in", "", item_="大米", quantity="10")
    out = _entry(world, "out", "", item_="大米", quantity="6")
    with pytest.raises(DomainError, match="大米结余将为-6"):
        corrections.void_donation(gift, reason="录错", version=0, by=worker)
    corrections.void_donation(out, reason="未发出", version=0, by=worker)
    assert services.balance(drive(world)) == {"": Decimal("0"), "大米": Decimal("10")}
    corrections.void_donation(gift, reason="录错", version=0, by=worker)
    assert services.balance(drive(world)) == {}
    assert list(Donation.objects.filter(voided_at__isnull=True)) == []


# --- Supplies -----------------------------------------------------------------------------------


def _move(w, kind, quantity, on, **extra) -> SupplyMove:
    extra.setdefault("counterpart", "药店")
    return services.move_supplies(
        w.community, services.MoveData(item(), kind, quantity, on, **extra), by=None
    )


def _stock_story(w):
    """Masks: +10 five days ago, −6 three days ago, +5 yesterday."""
    return (
        _move(w, "采购入库", "10", TODAY - 5 * DAY),
        _move(w, "发放出库", "6", TODAY - 3 * DAY, to_place=w.grid),
        _move(w, "采购入库", "5", TODAY - DAY),
    )


def _balances(w) -> list[Decimal]:
    return list(
        SupplyMove.objects.filter(place=w.community, voided_at__isnull=True)
        .order_by("date", "pk")
        .values_list("balance", flat=True)
    )


def _on_hand(w) -> Decimal:
    return Stock.objects.get(place=w.community, item=item()).on_hand


def test_a_receipt_already_issued_cannot_be_voided(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    first, _issue, _last = _stock_story(world)
    before = (_state(SupplyMove), _on_hand(world), _balances(world))
    with pytest.raises(DomainError, match="库存将为-6个"):
        corrections.void_move(first, reason="录错", version=0, by=worker)
    assert (_state(SupplyMove), _on_hand(world), _balances(world)) == before


def test_voiding_and_correcting_moves_keeps_stock_and_every_balance_right(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    first, issue, last = _stock_story(world)
    assert (_on_hand(world), _balances(world)) == (Decimal("9"), [10, 4, 9])
    corrections.void_move(last, reason="重复入库", version=0, by=worker)
    assert (_on_hand(world), _balances(world)) == (Decimal("4"), [10, 4])
    right = corrections.correct_move(
        first,
        services.MoveData(None, "采购入库", "8", TODAY - 5 * DAY, counterpart="药店"),
        reason="数量录错",
        version=0,
        by=worker,
    )
    assert (_on_hand(world), _balances(world)) == (Decimal("2"), [8, 2])
    assert right.replaces_id == first.pk and right.item == item()
    # An issue corrected to more than was there on its day is refused.
    with pytest.raises(DomainError, match="库存将为-2个"):
        corrections.correct_move(
            issue,
            services.MoveData(None, "发放出库", "10", TODAY - 3 * DAY, to_place=world.grid),
            reason="数量录错",
            version=0,
            by=worker,
        )
    # Dated back before the receipt, the issue would take what was not there yet.
    with pytest.raises(DomainError, match="为负数"):
        corrections.correct_move(
            issue,
            services.MoveData(None, "发放出库", "6", TODAY - 6 * DAY, to_place=world.grid),
            reason="日期录错",
            version=0,
            by=worker,
        )
    assert (_on_hand(world), _balances(world)) == (Decimal("2"), [8, 2])
    assert min(SupplyMove.objects.values_list("balance", flat=True)) >= 0


def test_a_receipt_cannot_be_corrected_into_an_issue(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    first = _move(world, "采购入库", "10", TODAY)
    with pytest.raises(DomainError, match="入库只能更正为入库"):
        corrections.correct_move(
            first,
            services.MoveData(None, "发放出库", "1", TODAY, counterpart="x"),
            reason="录错",
            version=0,
            by=worker,
        )
    assert _on_hand(world) == Decimal("10") and not SupplyMove.objects.get().is_voided


def test_one_audit_row_per_correction_naming_both_moves(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    first = _move(world, "采购入库", "10", TODAY)
    audits = AuditEntry.objects.count()
    right = corrections.correct_move(
        first,
        services.MoveData(None, "调拨入库", "12", TODAY, counterpart="东街道"),
        reason="来源录错",
        version=0,
        by=worker,
    )
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.data["replaces"], entry.data["replacement"]) == (
        "supply.correct",
        first.pk,
        right.pk,
    )
    assert entry.data["before"]["quantity"] == "10.00"
    assert entry.data["after"]["quantity"] == "12.00"


# --- Applications -------------------------------------------------------------------------------


def _campaign(w):
    return services.create_campaign(
        services.CampaignData(
            name="平安家庭",
            subject="household",
            criteria="遵纪守法",
            starts_on=TODAY - 30 * DAY,
            ends_on=TODAY + 30 * DAY,
            place=w.community,
        ),
        by=None,
    )


def test_a_withdrawn_application_leaves_the_funnel_and_the_household_may_apply_again(world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    campaign = _campaign(world)
    wrong, other = household(world.grid), household(world.grid)
    application = services.apply(campaign, household=wrong, by=None)
    services.apply(campaign, household=other, by=None)
    corrections.withdraw_application(application, reason="录错了户", stage="申报", by=worker)
    assert services.funnel(campaign).applied == 1
    again = services.apply(campaign, household=wrong, by=None)
    assert again.pk != application.pk and services.funnel(campaign).applied == 2
    assert Application.objects.filter(household=wrong).count() == 2


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("awarded", "已授牌，不能撤回"),
        ("stale", "刚被他人处理"),
        ("twice", "已撤回"),
        ("no_reason", "请填写撤回原因"),
        ("outsider", "只能更正本辖区的记录"),
    ],
)
def test_a_refused_withdrawal_changes_nothing(world, case, message):
    worker = world.cast[Role.COMMUNITY_WORKER]
    campaign = _campaign(world)
    applicant = household(world.grid)
    application = services.apply(campaign, household=applicant, by=None)
    shown = application.stage
    if case == "awarded":
        services.review(application, passed=True, reason="符合", by=None)
        services.shortlist(application, shortlisted=True, by=None)
        application = services.award(campaign, household=applicant, by=None)
        shown = application.stage
    if case == "stale":
        services.review(application, passed=True, reason="符合", by=None)
    if case == "twice":
        corrections.withdraw_application(application, reason="录错", stage=shown, by=worker)
    by = world.outsiders[Role.COMMUNITY_WORKER] if case == "outsider" else worker
    before = _state(Application)
    with pytest.raises(DomainError, match=message):
        corrections.withdraw_application(
            application, reason="" if case == "no_reason" else "录错", stage=shown, by=by
        )
    assert _state(Application) == before


# --- Screens ------------------------------------------------------------------------------------


def test_a_worker_voids_a_payment_on_screen_and_sees_it_struck_through(client, world):
    login(client, world.cast[Role.COMMUNITY_WORKER])
    aid = _pay(world, "300")
    page = client.get(reverse("programs:assistance-detail", args=[aid.pk])).content.decode()
    assert reverse("programs:assistance-void", args=[aid.pk]) in page
    url = reverse("programs:assistance-void", args=[aid.pk])
    refused = client.post(url, {"reason": "", "version": 0})
    assert refused.status_code == 200
    assert "请填写作废原因" in refused.content.decode()
    assert not Assistance.objects.get().is_voided
    done = client.post(url, {"reason": "重复登记", "version": 0})
    assert done.status_code == 302
    page = client.get(reverse("programs:assistance-detail", args=[aid.pk])).content.decode()
    assert "已作废" in page and "重复登记" in page
    assert reverse("programs:assistance-void", args=[aid.pk]) not in page  # no second void
    listing = client.get(reverse("programs:assistance-list")).content.decode()
    assert 'class="voided"' in listing and "重复登记" in listing
    stale = client.post(url, {"reason": "再作废", "version": 0})
    assert "不能再次作废或更正" in stale.content.decode()


def test_a_worker_corrects_a_gift_on_screen_from_the_prefilled_form(client, world):
    login(client, world.cast[Role.COMMUNITY_WORKER])
    gift = _entry(world, "in", "5000", on=TODAY - DAY)
    url = reverse("programs:donation-correct", args=[gift.pk])
    form = client.get(url).content.decode()
    assert 'value="5000"' in form and 'value="张三"' in form
    values = {"date": (TODAY - DAY).isoformat(), "party_name": "张三", "version": 0}
    refused = client.post(url, {**values, "money": "500", "reason": ""})
    assert "请填写更正原因" in refused.content.decode()
    assert 'value="500"' in refused.content.decode()  # what was typed comes back
    assert Donation.objects.count() == 1
    done = client.post(url, {**values, "money": "500", "reason": "多录一个0"})
    assert done.status_code == 302
    assert services.balance(drive(world))[""] == Decimal("500")
    page = client.get(reverse("programs:drive-detail", args=[drive(world).pk])).content.decode()
    assert "已作废" in page and "多录一个0" in page


def test_a_worker_corrects_an_issue_and_the_move_list_shows_both(client, world):
    login(client, world.cast[Role.COMMUNITY_WORKER])
    _move(world, "采购入库", "10", TODAY - DAY)
    issue = _move(world, "发放出库", "6", TODAY, to_place=world.grid)
    url = reverse("programs:move-correct", args=[issue.pk])
    assert client.get(url).status_code == 200
    values = {"date": TODAY.isoformat(), "to_place": world.grid.pk, "version": 0}
    refused = client.post(url, {**values, "quantity": "16", "reason": "数量录错"})
    assert "库存将为-6个" in refused.content.decode()
    assert _on_hand(world) == Decimal("4")
    done = client.post(url, {**values, "quantity": "3", "reason": "数量录错"})
    assert done.status_code == 302
    assert _on_hand(world) == Decimal("7")
    listing = client.get(reverse("programs:move-list")).content.decode()
    assert "数量录错" in listing and "更正" in listing


def test_a_viewer_may_not_void_and_an_outsider_finds_nothing(client, world):
    aid = _pay(world, "300")
    url = reverse("programs:assistance-void", args=[aid.pk])
    login(client, world.cast[Role.VIEWER])
    assert client.post(url, {"reason": "录错", "version": 0}).status_code == 403
    page = client.get(reverse("programs:assistance-detail", args=[aid.pk])).content.decode()
    assert url not in page
    login(client, world.outsiders[Role.COMMUNITY_WORKER])
    assert client.post(url, {"reason": "录错", "version": 0}).status_code == 404
    assert not Assistance.objects.get().is_voided


def test_a_worker_withdraws_an_application_on_screen(client, world):
    login(client, world.cast[Role.COMMUNITY_WORKER])
    campaign = _campaign(world)
    application = services.apply(campaign, household=household(world.grid), by=None)
    page = client.get(reverse("programs:campaign-detail", args=[campaign.pk])).content.decode()
    url = reverse("programs:application-withdraw", args=[application.pk])
    assert url in page
    done = client.post(url, {"reason": "录错了户", "stage": "申报"})
    assert done.status_code == 302
    assert services.funnel(campaign).applied == 0
    page = client.get(
        reverse("programs:campaign-detail", args=[campaign.pk]), {"stage": "撤回"}
    ).content.decode()
    assert "已撤回" in page and "录错了户" in page


# --- Review findings ----------------------------------------------------------------------------


def test_correcting_a_morning_receipt_keeps_it_before_the_same_days_issue(world):
    """A correction takes the place of the entry it replaces within its day, twice over."""
    receipt = _move(world, "采购入库", "10", TODAY)
    issue = _move(world, "发放出库", "10", TODAY, to_place=world.grid)
    data = services.MoveData(item(), "采购入库", "10", TODAY, counterpart="超市")
    first = corrections.correct_move(receipt, data, reason="来源录错", version=0, by=None)
    data = services.MoveData(item(), "采购入库", "12", TODAY, counterpart="超市")
    second = corrections.correct_move(first, data, reason="数量录错", version=0, by=None)
    issue.refresh_from_db()
    second.refresh_from_db()
    assert (second.balance, issue.balance) == (Decimal("12"), Decimal("2"))
    assert Stock.objects.get(place=world.community, item=item()).on_hand == Decimal("2")


def test_correcting_a_morning_gift_keeps_it_before_the_same_days_handing_out(world):
    gift = _entry(world, "in", "200")
    _entry(world, "out", "200")
    data = services.DonationData("in", TODAY, party_name="李四", money="200")
    fixed = corrections.correct_donation(gift, data, reason="捐赠人录错", version=0, by=None)
    assert fixed.party_name == "李四"
    assert services.balance(drive(world))[""] == Decimal("0")


def test_an_issue_is_not_corrected_into_a_transfer_to_another_store(world):
    _move(world, "采购入库", "10", TODAY)
    issue = _move(world, "发放出库", "4", TODAY, counterpart="某单位")
    data = services.MoveData(item(), "发放出库", "4", TODAY, to_place=world.subdistrict)
    before = _state(SupplyMove)
    with pytest.raises(DomainError, match="属于调拨"):
        corrections.correct_move(issue, data, reason="去向录错", version=0, by=None)
    assert _state(SupplyMove) == before


def test_the_dibao_refusal_names_the_household_and_its_head(world):
    poor = household(world.grid, members=2)
    dibao(poor)
    _pay(world, "800", kind="低保金", to=poor)
    with pytest.raises(DomainError) as refused:
        _pay(world, "800", kind="低保金", to=poor)
    assert f"户号{poor.number}（户主{poor.head.name}）" in refused.value.message


def test_a_voided_row_or_a_transfer_receipt_is_not_offered_a_form(client, world):
    worker = world.cast[Role.COMMUNITY_WORKER]
    login(client, worker)
    aid = _pay(world, "300")
    corrections.void_assistance(aid, reason="重复登记", version=0, by=worker)
    response = client.get(reverse("programs:assistance-void", args=[aid.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("programs:assistance-detail", args=[aid.pk])
    assert "该记录已于" in response.content.decode() and "重复登记" in response.content.decode()
    response = client.get(reverse("programs:assistance-correct", args=[aid.pk]))
    assert response.status_code == 302
