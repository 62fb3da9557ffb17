"""Putting wrong entries right: voiding (作废) a payment, a donation entry or a supply move with
its reason, correcting (更正) one — the old row voided and the corrected row entered in one
transaction, pointing to the row it replaces — and withdrawing (撤回) an application that was
not awarded. Nothing is deleted: a voided row keeps who voided it, when and why, and every
total, balance, stock figure and indicator leaves it out.

Each function locks the row, refuses a page that shows an older state (`version` for money and
stock rows, the stage shown for an application), checks the whole change, and writes one audit
row. Bad input raises DomainError with a Chinese message and changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from programs.models import Application, Assistance, Donation, DonationDrive, Stock, SupplyMove
from programs.services import (
    ASSISTANCE_FIELDS,
    STORE_KINDS,
    AssistanceData,
    ConflictError,
    DonationData,
    MoveData,
    _in_scope,
    _plain,
    _text,
    checked_assistance,
    checked_donation,
    checked_move,
)
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User


def _conflict() -> ConflictError:
    return ConflictError(_("该记录刚被他人更改，请刷新页面查看最新情况后再操作"))


def _reason(reason: str, what: str | None = None) -> str:
    return _text(reason, what or _("作废原因"), "reason", 200)


def _check_open(row, path: str, version: int | None, by: User | None) -> None:
    """The locked row may be voided by `by`: inside their place, not voided yet, and as the
    page showed it."""
    if not _in_scope(by, path):
        raise DomainError(_("只能更正本辖区的记录"))
    if row.voided_at is not None:
        raise DomainError(
            _("该记录已于%(when)s作废（%(why)s），不能再次作废或更正")
            % {
                "when": f"{timezone.localtime(row.voided_at):%Y-%m-%d %H:%M}",
                "why": row.void_reason,
            }
        )
    if version is not None and row.version != version:
        raise _conflict()


def _void(row, reason: str, by: User | None) -> None:
    row.voided_at, row.voided_by, row.void_reason = timezone.now(), by, reason
    fields = ["voided_at", "voided_by", "void_reason"]
    if hasattr(row, "version"):
        row.version += 1
        fields.append("version")
    row.save(update_fields=fields)


# --- Assistance ---------------------------------------------------------------------------------


def _summary(aid: Assistance) -> dict[str, str]:
    return {"kind": aid.kind, "amount": str(aid.amount), "goods": aid.goods, "date": str(aid.date)}


@transaction.atomic
def void_assistance(aid: Assistance, *, reason: str, version: int, by: User | None) -> Assistance:
    """作废 a payment entered by mistake; it stays on record, marked, and counts nowhere."""
    locked = Assistance.objects.select_for_update().get(pk=aid.pk)
    _check_open(locked, locked.place_path, version, by)
    reason = _reason(reason)
    _void(locked, reason, by)
    audit.record(by, "assistance.void", locked, data={"reason": reason, **_summary(locked)})
    return locked


@transaction.atomic
def correct_assistance(
    aid: Assistance, data: AssistanceData, *, reason: str, version: int, by: User | None
) -> Assistance:
    """更正 a payment (amount, date, recipient…): the old one voided with the reason and the
    corrected one entered, checked as a new payment is, pointing to the one it replaces."""
    locked = Assistance.objects.select_for_update().get(pk=aid.pk)
    _check_open(locked, locked.place_path, version, by)
    reason = _reason(reason, _("更正原因"))
    new = checked_assistance(data, by, replacing=locked.pk)
    before = audit.snapshot(locked, ASSISTANCE_FIELDS)
    _void(locked, reason, by)
    new.replaces = locked
    new.save()
    audit.record(
        by,
        "assistance.correct",
        new,
        changes=audit.changes(before, new),
        data={"reason": reason, "replaces": locked.pk, "replacement": new.pk},
    )
    return new


def _in_order(rows: Iterable, history: QuerySet, replacing: int | None = None) -> list:
    """`rows` in date order and, within a day, in the order they were first entered: a
    correction keeps the place of the entry it replaces (the first of its chain), so correcting
    a morning's receipt does not put it after the afternoon's issue. The new, unsaved row is the
    correction of `replacing`."""
    parent = dict(history.values_list("pk", "replaces_id"))

    def first(pk: int | None) -> float:
        if pk is None:
            return float("inf")
        while parent.get(pk):
            pk = parent[pk]
        return pk

    return sorted(rows, key=lambda r: (r.date, first(r.pk if r.pk else replacing)))


# --- Donations ----------------------------------------------------------------------------------


def _drive_stays_covered(
    drive: DonationDrive, entries: Iterable[Donation], replacing: int | None = None
) -> None:
    """Walk the drive's entries in date order (then as first entered) and refuse if, on any day,
    it would have handed out more money, or more of an item, than it had taken in."""
    held: dict[str, Decimal] = {}
    for e in _in_order(entries, Donation.objects.filter(drive=drive), replacing):
        sign = 1 if e.direction == Donation.Direction.IN else -1
        held[""] = held.get("", Decimal(0)) + sign * e.money
        if e.item:
            held[e.item] = held.get(e.item, Decimal(0)) + sign * e.quantity
        if held[""] < 0:
            raise DomainError(
                _(
                    "这样更改后，%(day)s的结余金额将为%(b).2f元（为负数）：该笔之后已有发放，请先处理"
                )
                % {"day": e.date, "b": held[""]},
                field="money",
            )
        if e.item and held[e.item] < 0:
            raise DomainError(
                _(
                    "这样更改后，%(day)s的%(item)s结余将为%(b)s（为负数）：该笔之后已有发放，请先处理"
                )
                % {"day": e.date, "item": e.item, "b": _plain(held[e.item])},
                field="quantity",
            )


def _entry_summary(entry: Donation) -> dict[str, str]:
    return {
        "party": entry.party_name,
        "amount": str(entry.money),
        "item": entry.item,
        "quantity": str(entry.quantity),
        "date": str(entry.date),
    }


@transaction.atomic
def void_donation(entry: Donation, *, reason: str, version: int, by: User | None) -> Donation:
    """作废 a gift or a handing-out. A gift whose money or items were since handed out cannot be
    voided: the drive's balance would go below zero on some day."""
    drive = DonationDrive.objects.select_for_update().get(pk=entry.drive_id)
    locked = Donation.objects.select_for_update().get(pk=entry.pk)
    _check_open(locked, drive.place_path, version, by)
    reason = _reason(reason)
    _drive_stays_covered(drive, drive.live_entries().exclude(pk=locked.pk))
    _void(locked, reason, by)
    audit.record(by, "donation.void", drive, data={"reason": reason, **_entry_summary(locked)})
    return locked


@transaction.atomic
def correct_donation(
    entry: Donation, data: DonationData, *, reason: str, version: int, by: User | None
) -> Donation:
    """更正 a gift or a handing-out (amount, items, date, party): the old entry voided and the
    corrected one entered, in the same direction; on no day may the drive hand out more than
    it holds."""
    drive = DonationDrive.objects.select_for_update().get(pk=entry.drive_id)
    locked = Donation.objects.select_for_update().get(pk=entry.pk)
    _check_open(locked, drive.place_path, version, by)
    reason = _reason(reason, _("更正原因"))
    data.direction = locked.direction
    new = checked_donation(drive, data, by)
    _drive_stays_covered(drive, [*drive.live_entries().exclude(pk=locked.pk), new], locked.pk)
    _void(locked, reason, by)
    new.replaces = locked
    new.save()
    audit.record(
        by,
        "donation.correct",
        drive,
        data={
            "reason": reason,
            "replaces": locked.pk,
            "replacement": new.pk,
            "before": _entry_summary(locked),
            "after": _entry_summary(new),
        },
    )
    return new


# --- Supplies -----------------------------------------------------------------------------------


def _signed(move: SupplyMove) -> Decimal:
    return -move.quantity if move.is_issue else move.quantity


def _restock(
    moves: list[SupplyMove], item_name: str, unit: str, replacing: SupplyMove | None = None
) -> None:
    """Walk the store's moves of one item in date order (then as first entered), refuse if the
    stock would go below zero on any day, and set each live move's 结存 to the stock it leaves.
    An unsaved move among them is the correction of `replacing`."""
    on_hand, changed = Decimal(0), []
    sample = replacing or (moves[0] if moves else None)
    history = (
        SupplyMove.objects.filter(place_id=sample.place_id, item_id=sample.item_id)
        if sample is not None
        else SupplyMove.objects.none()
    )
    for m in _in_order(moves, history, replacing.pk if replacing else None):
        on_hand += _signed(m)
        if on_hand < 0:
            raise DomainError(
                _(
                    "这样更改后，%(item)s在%(day)s的库存将为%(n)s%(unit)s（为负数）：之后已有出库，请先处理"
                )
                % {"item": item_name, "day": m.date, "n": _plain(on_hand), "unit": unit},
                field="quantity",
            )
        if m.pk is not None and m.balance != on_hand:
            m.balance = on_hand
            changed.append(m)
        elif m.pk is None:
            m.balance = on_hand
    SupplyMove.objects.bulk_update(changed, ["balance"])


def _change_stock(stock: Stock, delta: Decimal) -> None:
    """Add `delta` to the store's stock with the same conditional UPDATE as an issue, so the
    stock never goes below zero whatever runs beside us."""
    taken = Stock.objects.filter(pk=stock.pk, on_hand__gte=-delta).update(
        on_hand=F("on_hand") + delta
    )
    if not taken:  # pragma: no cover - the row is locked; the check constraint backs this too
        raise DomainError(_("库存不足，不能更改"), field="quantity")


def _move_summary(move: SupplyMove) -> dict[str, str]:
    return {
        "item": move.item.name,
        "kind": move.kind,
        "quantity": str(move.quantity),
        "date": str(move.date),
        "party": move.counterpart,
    }


def _locked_store(move: SupplyMove) -> tuple[Stock, SupplyMove]:
    stock = Stock.objects.select_for_update().get(place_id=move.place_id, item_id=move.item_id)
    locked = SupplyMove.objects.select_for_update().select_related("item").get(pk=move.pk)
    return stock, locked


def _live_moves(move: SupplyMove) -> list[SupplyMove]:
    return list(
        SupplyMove.objects.filter(
            place_id=move.place_id, item_id=move.item_id, voided_at__isnull=True
        ).exclude(pk=move.pk)
    )


@transaction.atomic
def void_move(move: SupplyMove, *, reason: str, version: int, by: User | None) -> SupplyMove:
    """作废 a receipt or an issue. A receipt whose stock was since issued cannot be voided: the
    stock would go below zero on some day. The later moves' 结存 follow."""
    stock, locked = _locked_store(move)
    _check_open(locked, locked.place_path, version, by)
    reason = _reason(reason)
    if locked.issue_id is not None:
        raise DomainError(
            _("此入库由%(from)s调拨出库时生成，请作废%(from)s的那笔出库，两边一并作废")
            % {"from": locked.counterpart}
        )
    receipt = _live_receipt(locked)
    _take_back(stock, locked, reason, by)
    if receipt is not None:
        # The receiving store's side goes with it; its stock must allow that too.
        receiving, receipt = _locked_store(receipt)
        try:
            _take_back(receiving, receipt, reason, by)
        except DomainError as exc:
            raise DomainError(
                _("接收方%(p)s的入库不能一并作废：%(why)s")
                % {"p": receipt.place.name, "why": exc.message},
                field=exc.field,
            ) from None
    return locked


def _live_receipt(issue: SupplyMove) -> SupplyMove | None:
    return SupplyMove.objects.filter(issue=issue, voided_at__isnull=True).first()


def _take_back(stock: Stock, move: SupplyMove, reason: str, by: User | None) -> None:
    """Void one locked move: the later moves' 结存 follow, the stock moves back."""
    _restock(_live_moves(move), move.item.name, move.item.unit)
    _change_stock(stock, -_signed(move))
    _void(move, reason, by)
    audit.record(by, "supply.void", move, data={"reason": reason, **_move_summary(move)})


@transaction.atomic
def correct_move(
    move: SupplyMove, data: MoveData, *, reason: str, version: int, by: User | None
) -> SupplyMove:
    """更正 a receipt or an issue (quantity, date, source or destination): the old move voided
    and the corrected one entered at the same store, for the same item, still a receipt or
    still an issue; the stock never goes below zero on any day."""
    stock, locked = _locked_store(move)
    _check_open(locked, locked.place_path, version, by)
    reason = _reason(reason, _("更正原因"))
    data.item = locked.item
    if locked.issue_id is not None or _live_receipt(locked) is not None:
        raise DomainError(_("调拨出入库不能更正：请作废那笔出库（接收方入库一并作废）后重新登记"))
    if data.kind == SupplyMove.Kind.ISSUED and data.to_place and data.to_place.kind in STORE_KINDS:
        # The receiving store's side would be missing: a transfer is entered as a new issue.
        raise DomainError(
            _("发往社区或街道库房属于调拨：请作废此笔出库，再重新登记发往该库房的出库"),
            field="to_place",
        )
    if (data.kind == SupplyMove.Kind.ISSUED) != locked.is_issue:
        raise DomainError(_("入库只能更正为入库，出库只能更正为出库"), field="kind")
    new = checked_move(locked.place, data, by)
    _restock([*_live_moves(locked), new], locked.item.name, locked.item.unit, locked)
    _change_stock(stock, _signed(new) - _signed(locked))
    _void(locked, reason, by)
    new.replaces = locked
    new.save()
    audit.record(
        by,
        "supply.correct",
        new,
        data={
            "reason": reason,
            "replaces": locked.pk,
            "replacement": new.pk,
            "before": _move_summary(locked),
            "after": _move_summary(new),
        },
    )
    return new


# --- Applications -------------------------------------------------------------------------------


@transaction.atomic
def withdraw_application(
    application: Application, *, reason: str, stage: str, by: User | None
) -> Application:
    """撤回 an application entered for the wrong household or unit, or given up, before it is
    awarded. `stage` is the stage the page showed: if the application moved on since, the
    page is stale and nothing changes. The applicant may then apply again."""
    locked = (
        Application.objects.select_for_update().select_related("campaign").get(pk=application.pk)
    )
    if not _in_scope(by, locked.campaign.place_path):
        raise DomainError(_("只能更正本辖区的记录"))
    if locked.voided_at is not None:
        raise DomainError(
            _("“%(who)s”的申报已撤回（%(why)s）")
            % {"who": locked.applicant_name, "why": locked.void_reason}
        )
    if locked.stage != stage:
        raise ConflictError(
            _("“%(who)s”的申报刚被他人处理，现为“%(stage)s”，请刷新页面后再操作")
            % {"who": locked.applicant_name, "stage": locked.get_stage_display()}
        )
    if locked.stage == Application.Stage.AWARDED:
        raise DomainError(
            _("“%(who)s”已授牌，不能撤回：授牌须先由评选单位撤销") % {"who": locked.applicant_name}
        )
    reason = _text(reason, _("撤回原因"), "reason", 200)
    _void(locked, reason, by)
    audit.record(
        by,
        "campaign.withdraw",
        locked.campaign,
        data={"party": locked.applicant_name, "stage": locked.stage, "reason": reason},
    )
    return locked
