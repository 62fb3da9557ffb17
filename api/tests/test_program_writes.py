"""Program writes through the API: deciding an application, a donation drive's entries, supply
moves and assistance payments, each through the page's form and service (its checks, its audit
row), with the role cast, 409 for a decision on a stale read or in the wrong stage, field
errors in Chinese that save nothing, and retries made safe by an Idempotency-Key."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEntry
from programs import corrections, services
from programs.models import Application, Assistance, Donation, Stock, SupplyMove
from programs.tests import aid_factories
from programs.tests.factories import household
from tests.access_matrix import _application, _unit


def _audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def _refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert not body["message"].isascii()  # Chinese
    if field is not None:
        assert field in body["fields"], body
        assert not body["fields"][field][0].isascii(), body
    return body


# --- Deciding an application ---------------------------------------------------------------


def test_an_application_is_reviewed_shortlisted_and_awarded_as_on_the_page(api, world):
    application = _application(world)
    client = api(Role.COMMUNITY_WORKER)
    worker = world.cast[Role.COMMUNITY_WORKER]
    url = f"/api/v1/applications/{application.pk}"

    reviewed = client.post(f"{url}/review/", {"stage": "申报", "passed": True, "reason": "守法"})
    assert reviewed.status_code == 200, reviewed.content
    assert (reviewed.json()["stage"], reviewed.json()["reason"]) == ("初审通过", "守法")
    shortlisted = client.post(f"{url}/shortlist/", {"stage": "初审通过", "shortlisted": True})
    assert shortlisted.status_code == 200 and shortlisted.json()["stage"] == "入围"
    awarded = client.post(f"{url}/award/", {"stage": "入围"})
    assert awarded.status_code == 200, awarded.content
    assert awarded.json()["stage"] == "授牌" and awarded.json()["certificate"] is True

    application.refresh_from_db()
    assert application.stage == Application.Stage.AWARDED
    assert application.reviewed_by == worker and application.shortlisted_by == worker
    for action in ("campaign.review", "campaign.shortlist", "campaign.award"):
        (row,) = _audited(action)
        assert row.actor == worker and row.data["party"] == application.applicant_name


def test_a_decision_on_a_stale_read_or_in_the_wrong_stage_is_409_and_changes_nothing(api, world):
    application = _application(world)
    client = api(Role.COMMUNITY_WORKER)
    url = f"/api/v1/applications/{application.pk}"
    # Read as 初审通过 by a client that is behind (or ahead): a stale read.
    stale = client.post(f"{url}/review/", {"stage": "初审通过", "passed": True, "reason": "好"})
    assert "刚被他人处理" in _refused(stale, 409)["message"]
    # Read rightly as 申报, but 授牌 needs 入围: the stage refuses it.
    wrong = client.post(f"{url}/award/", {"stage": "申报"})
    assert "不能授牌" in _refused(wrong, 409)["message"]
    application.refresh_from_db()
    assert application.stage == Application.Stage.APPLIED and application.awarded_on is None
    assert not _audited("campaign.review") and not _audited("campaign.award")

    # A colleague reviews it; a decision from a read made before is refused.
    done = client.post(f"{url}/review/", {"stage": "申报", "passed": False, "reason": "不符"})
    assert done.status_code == 200
    again = client.post(f"{url}/review/", {"stage": "申报", "passed": True, "reason": "符合"})
    _refused(again, 409)
    application.refresh_from_db()
    assert application.stage == Application.Stage.FAILED and application.reason == "不符"
    assert len(_audited("campaign.review")) == 1


def test_a_withdrawn_application_cannot_be_decided(api, world):
    application = _application(world)
    corrections.withdraw_application(application, reason="户选错了", stage="申报", by=None)
    response = api(Role.COMMUNITY_WORKER).post(
        f"/api/v1/applications/{application.pk}/review/",
        {"stage": "申报", "passed": True, "reason": "符合"},
    )
    assert "已撤回" in _refused(response, 409)["message"]
    application.refresh_from_db()
    assert application.stage == Application.Stage.APPLIED and application.reviewed_on is None


def test_awarding_a_withdrawn_application_never_awards_the_one_made_after_it(api, world):
    withdrawn = _application(world)
    corrections.withdraw_application(withdrawn, reason="重报", stage="申报", by=None)
    again = services.apply(
        withdrawn.campaign, household=withdrawn.household, values={"water": "20"}, by=None
    )
    services.review(again, passed=True, reason="符合", by=None)
    services.shortlist(again, shortlisted=True, by=None)
    response = api(Role.COMMUNITY_WORKER).post(
        f"/api/v1/applications/{withdrawn.pk}/award/", {"stage": "入围"}
    )
    _refused(response, 409)
    again.refresh_from_db()
    assert again.stage == Application.Stage.SHORTLISTED and again.awarded_on is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "申报", "passed": False}, "reason"),  # the service: a reason for a manual one
        ({"stage": "申报", "passed": "rule"}, "passed"),  # a manual campaign has no rule
        ({"stage": "申报", "passed": [1]}, "passed"),
        ({"stage": "申报", "passed": True, "day": "2020-13-01"}, "day"),
        ({"stage": "申报", "passed": True, "reason": "好", "day": "2999-01-01"}, "day"),
        ({"passed": True, "reason": "好"}, "stage"),
        ({"stage": "没有", "passed": True, "reason": "好"}, "stage"),
    ],
)
def test_a_bad_review_is_400_on_its_field_and_changes_nothing(api, world, body, field):
    application = _application(world)
    response = api(Role.COMMUNITY_WORKER).post(
        f"/api/v1/applications/{application.pk}/review/", body
    )
    _refused(response, 400, field)
    application.refresh_from_db()
    assert application.stage == Application.Stage.APPLIED and application.reviewed_on is None
    assert not _audited("campaign.review")


def test_a_retried_decision_with_its_key_is_made_once(api, world):
    application = _application(world)
    client = api(Role.COMMUNITY_WORKER)
    url = f"/api/v1/applications/{application.pk}/review/"
    body = {"stage": "申报", "passed": True, "reason": "符合"}
    first = client.post(url, body, key="review-1")
    again = client.post(url, body, key="review-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert len(_audited("campaign.review")) == 1


# --- Donation entries ----------------------------------------------------------------------


def test_a_gift_and_a_handing_out_are_entered_as_on_the_drive_page(api, world):
    drive = aid_factories.drive(world)
    home = household(world.grid, head_name="李")
    client = api(Role.COMMUNITY_WORKER)
    url = f"/api/v1/donations/{drive.pk}/entries/"
    gift = client.post(
        url,
        {"direction": "in", "household": home.pk, "money": "500", "goods": "大米",
         "quantity": 10, "goods_unit": "袋"},
    )  # fmt: skip
    assert gift.status_code == 201, gift.content
    shown = gift.json()
    assert shown["party"] == f"{home.number}（{home.head.name}）"
    assert (shown["money"], shown["quantity"], shown["goods_unit"]) == ("500.00", "10.00", "袋")
    out = client.post(url, {"direction": "out", "party_name": "困难户王五", "money": "120",
                            "goods": "大米", "quantity": "4"})  # fmt: skip
    assert out.status_code == 201, out.content
    assert out.json()["goods_unit"] == "袋"  # handed out in the unit it came in
    drive_now = client.get(f"/api/v1/donations/{drive.pk}/").json()
    assert drive_now["money_left"] == "380.00"
    (row,) = _audited("donation.in")
    assert row.actor == world.cast[Role.COMMUNITY_WORKER] and row.data["amount"] == "500.00"
    assert len(_audited("donation.out")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"direction": "out", "party_name": "王五", "money": "600"}, "money"),  # over the balance
        ({"direction": "out", "party_name": "王五", "goods": "面粉", "quantity": "1"}, "goods"),
        ({"direction": "in", "party_name": "张三", "money": "-5"}, "money"),
        ({"direction": "in", "party_name": "张三"}, "money"),  # neither money nor items
        ({"direction": "in", "money": "5"}, "party_name"),
        ({"direction": "in", "party_name": "张三", "money": ["5"]}, "money"),
        ({"direction": "in", "party_name": "张三", "money": "5", "date": "2001-01-01"}, "date"),
        ({"direction": "sideways", "party_name": "张三", "money": "5"}, "direction"),
        ({"direction": "in", "household": "h:1", "money": "5"}, "household"),
    ],
)
def test_a_bad_donation_entry_is_400_on_its_field_and_changes_nothing(api, world, body, field):
    drive = aid_factories.gift(world).drive  # holds 500 yuan, no items
    before = Donation.objects.count()
    response = api(Role.COMMUNITY_WORKER).post(f"/api/v1/donations/{drive.pk}/entries/", body)
    _refused(response, 400, field)
    assert Donation.objects.count() == before
    assert not _audited("donation.out")


def test_a_donor_outside_the_users_place_is_404(api, world):
    drive = aid_factories.drive(world)
    elsewhere = household(world.neighbour_community)
    response = api(Role.COMMUNITY_WORKER).post(
        f"/api/v1/donations/{drive.pk}/entries/",
        {"direction": "in", "household": elsewhere.pk, "money": "5"},
    )
    _refused(response, 404)
    assert not Donation.objects.exists()


def test_a_retried_gift_with_its_key_is_entered_once(api, world):
    drive = aid_factories.drive(world)
    client = api(Role.COMMUNITY_WORKER)
    url = f"/api/v1/donations/{drive.pk}/entries/"
    body = {"direction": "in", "party_name": "张三", "money": "50"}
    first = client.post(url, body, key="gift-1")
    again = client.post(url, body, key="gift-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Donation.objects.count() == 1
    other = client.post(url, {**body, "money": "60"}, key="gift-1")
    _refused(other, 409)
    assert Donation.objects.count() == 1


# --- Supply moves ----------------------------------------------------------------------------


def test_supplies_are_received_and_issued_never_below_zero(api, world):
    item = aid_factories.item("灭鼠药", "千克")
    client = api(Role.COMMUNITY_WORKER)
    received = client.post(
        "/api/v1/supplies/moves/",
        {"kind": "采购入库", "item": item.pk, "quantity": 10, "counterpart": "药店"},
    )
    assert received.status_code == 201, received.content
    # The user's own community's store, as the page prefills it, today.
    assert received.json()["place"]["id"] == world.community.pk
    assert (received.json()["balance"], received.json()["date"]) == (
        "10.00",
        timezone.localdate().isoformat(),
    )
    too_much = client.post(
        "/api/v1/supplies/moves/",
        {"kind": "发放出库", "item": item.pk, "quantity": "15", "counterpart": "某小区"},
    )
    assert "库存只有10" in _refused(too_much, 400, "quantity")["fields"]["quantity"][0]
    unit = _unit(world)
    issued = client.post(
        "/api/v1/supplies/moves/",
        {"kind": "发放出库", "item": item.pk, "quantity": "4", "to_unit": unit.pk},
    )
    assert issued.status_code == 201, issued.content
    assert issued.json()["balance"] == "6.00" and issued.json()["to_unit"] == {
        "id": unit.pk,
        "name": unit.name,
    }
    assert Stock.objects.get(place=world.community, item=item).on_hand == Decimal("6")
    assert SupplyMove.objects.count() == 2
    assert len(_audited("supply.receive")) == len(_audited("supply.issue")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "采购入库", "quantity": "1", "counterpart": "药店"}, "item"),
        ({"kind": "采购入库", "item": "ITEM", "quantity": "0", "counterpart": "药店"}, "quantity"),
        ({"kind": "采购入库", "item": "ITEM", "quantity": "1"}, "counterpart"),
        ({"kind": "采购入库", "item": "ITEM", "quantity": "1", "counterpart": "药店",
          "date": "2999-01-01"}, "date"),
        ({"kind": "买来", "item": "ITEM", "quantity": "1", "counterpart": "药店"}, "kind"),
        ({"kind": "发放出库", "item": "ITEM", "quantity": "1"}, "counterpart"),
        ({"kind": "发放出库", "item": "ITEM", "quantity": "1", "place": "GRID"}, "place"),
    ],
)  # fmt: skip
def test_a_bad_supply_move_is_400_on_its_field_and_changes_nothing(api, world, body, field):
    item = aid_factories.item()
    body = {k: item.pk if v == "ITEM" else world.grid.pk if v == "GRID" else v
            for k, v in body.items()}  # fmt: skip
    response = api(Role.COMMUNITY_WORKER).post("/api/v1/supplies/moves/", body)
    _refused(response, 400, field)
    assert not SupplyMove.objects.exists() and not Stock.objects.filter(on_hand__gt=0).exists()


def test_a_store_or_a_unit_outside_the_users_place_is_404_and_a_grid_worker_403(api, world):
    item = aid_factories.item()
    body = {"kind": "采购入库", "item": item.pk, "quantity": "1", "counterpart": "药店"}
    outsider = api(Role.COMMUNITY_WORKER, outside=True)
    _refused(outsider.post("/api/v1/supplies/moves/", {**body, "place": world.community.pk}), 404)
    elsewhere = outsider.post(
        "/api/v1/supplies/moves/",
        {**body, "kind": "发放出库", "to_unit": _unit(world).pk},
    )
    _refused(elsewhere, 404)
    _refused(api(Role.GRID_WORKER).post("/api/v1/supplies/moves/", body), 403)
    assert not SupplyMove.objects.exists()


def test_a_retried_receipt_with_its_key_is_entered_once(api, world):
    item = aid_factories.item()
    client = api(Role.COMMUNITY_WORKER)
    body = {"kind": "捐赠入库", "item": item.pk, "quantity": "3", "counterpart": "爱心人士"}
    first = client.post("/api/v1/supplies/moves/", body, key="move-1")
    again = client.post("/api/v1/supplies/moves/", body, key="move-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Stock.objects.get(place=world.community, item=item).on_hand == Decimal("3")


# --- Assistance --------------------------------------------------------------------------------


def test_assistance_is_recorded_as_on_the_page(api, world):
    home = household(world.grid, head_name="李")
    client = api(Role.COMMUNITY_WORKER)
    response = client.post(
        "/api/v1/assistance/",
        {"kind": "慰问金", "source": "社区", "amount": 300, "household": home.pk, "notes": "春节"},
    )
    assert response.status_code == 201, response.content
    shown = response.json()
    assert (shown["kind"], shown["amount"], shown["recipient"]) == (
        "慰问金",
        "300.00",
        home.head.name,
    )
    assert shown["date"] == timezone.localdate().isoformat()
    assert "*" in shown["recipient_id_number"]
    (row,) = _audited("assistance.create")
    assert row.actor == world.cast[Role.COMMUNITY_WORKER]

    # The same payment again is the page's suspected double entry, until confirmed.
    body = {"kind": "慰问金", "source": "社区", "amount": "300", "household": home.pk}
    _refused(client.post("/api/v1/assistance/", body), 400, "not_repeat")
    assert Assistance.objects.count() == 1
    confirmed = client.post("/api/v1/assistance/", {**body, "not_repeat": True})
    assert confirmed.status_code == 201 and Assistance.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "慰问金", "source": "社区"}, "amount"),  # neither money nor goods
        ({"kind": "慰问金", "source": "社区", "amount": "300"}, "household"),  # no recipient
        ({"kind": "彩票", "source": "社区", "amount": "300", "household": "HOME"}, "kind"),
        ({"kind": "低保金", "source": "民政", "amount": "300", "household": "HOME"}, "kind"),
        ({"kind": "慰问金", "source": "社区", "amount": "1e3", "household": "HOME"}, "amount"),
        ({"kind": "慰问金", "source": "社区", "amount": "3", "household": "HOME",
          "not_repeat": "yes"}, "not_repeat"),
        ({"kind": "慰问金", "source": "社区", "amount": "3", "household": "HOME",
          "period_starts_on": "2025-02-01", "period_ends_on": "2025-01-01"}, "period_ends_on"),
        # The page form's names are not the body's: refused, not dropped.
        ({"kind": "慰问金", "source": "社区", "amount": "3", "household": "HOME",
          "period_start": "2025-01-01"}, "period_start"),
    ],
)  # fmt: skip
def test_bad_assistance_is_400_on_its_field_and_changes_nothing(api, world, body, field):
    home = household(world.grid)
    body = {k: home.pk if v == "HOME" else v for k, v in body.items()}
    _refused(api(Role.COMMUNITY_WORKER).post("/api/v1/assistance/", body), 400, field)
    assert not Assistance.objects.exists() and not _audited("assistance.create")


def test_the_assistance_body_names_its_period_as_the_answer_does(api, world):
    home = household(world.grid)
    body = {"kind": "慰问金", "source": "社区", "amount": "300", "household": home.pk,
            "period_starts_on": "2025-01-01", "period_ends_on": "2025-03-31"}  # fmt: skip
    response = api(Role.COMMUNITY_WORKER).post("/api/v1/assistance/", body)
    assert response.status_code == 201, response.content
    shown = response.json()
    assert (shown["period_starts_on"], shown["period_ends_on"]) == ("2025-01-01", "2025-03-31")
    aid = Assistance.objects.get()
    assert (str(aid.period_start), str(aid.period_end)) == ("2025-01-01", "2025-03-31")


def test_a_body_key_the_write_does_not_take_is_400_and_changes_nothing(api, world):
    """Every write: a key the endpoint does not take is refused on that key, nothing done."""
    application = _application(world)
    for url, body, _status, model in _writes(world):
        response = api(Role.COMMUNITY_WORKER).post(url, {**body, "remark": "多余"})
        refused = _refused(response, 400, "remark")
        assert refused["fields"]["remark"] == ["不认识的字段"], url
        assert set(refused["fields"]) == {"remark"}, url
        if model is not None:
            assert not model.objects.exists(), url
    application.refresh_from_db()
    assert application.reviewed_on is None
    assert not _audited("assistance.create")


def test_a_recipient_outside_the_users_place_is_404(api, world):
    elsewhere = household(world.neighbour_community)
    response = api(Role.COMMUNITY_WORKER).post(
        "/api/v1/assistance/",
        {"kind": "慰问金", "source": "社区", "amount": "300", "household": elsewhere.pk},
    )
    _refused(response, 404)
    assert not Assistance.objects.exists()


# --- The role cast, with a valid body -------------------------------------------------------


def _writes(world) -> list[tuple[str, dict, int, type | None]]:
    """Each write with a body that the insider's call accepts: (url, body, status, the model a
    refused call must not add to; None for the decision, which adds no row)."""
    application = _application(world)
    drive = aid_factories.drive(world)
    item = aid_factories.item()
    home = aid_factories.home(world)
    aid = {"kind": "慰问金", "source": "社区", "amount": "5", "household": home.pk}
    return [
        (f"/api/v1/applications/{application.pk}/review/",
         {"stage": "申报", "passed": True, "reason": "符合"}, 200, None),
        (f"/api/v1/donations/{drive.pk}/entries/",
         {"direction": "in", "party_name": "张三", "money": "5"}, 201, Donation),
        ("/api/v1/supplies/moves/",
         {"kind": "采购入库", "item": item.pk, "quantity": "1", "counterpart": "药店",
          "place": world.community.pk}, 201, SupplyMove),
        ("/api/v1/assistance/", aid, 201, Assistance),
    ]  # fmt: skip


def test_each_write_answers_the_role_cast(api, world):
    """Anonymous 401, read-only 403, next door 404 — each changing nothing — then the insider."""
    application = _application(world)
    for url, body, status, model in _writes(world):
        for client, expected in (
            (api(), 401),
            (api(Role.VIEWER), 403),
            (api(Role.COMMUNITY_WORKER, outside=True), 404),
        ):
            _refused(client.post(url, body), expected)
            if model is not None:
                assert not model.objects.exists(), (url, expected)
            else:
                application.refresh_from_db()
                assert application.reviewed_on is None, expected
        response = api(Role.COMMUNITY_WORKER).post(url, body)
        assert response.status_code == status, (url, response.content)
        if model is not None:
            assert model.objects.count() == 1
    application.refresh_from_db()
    assert application.stage == Application.Stage.PASSED
