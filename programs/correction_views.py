"""Voiding (作废) and correcting (更正) payments, donation entries and supply moves, and
withdrawing (撤回) an application: a page showing the row as it stands with a form asking the
reason (and, for a correction, the values as they should have been, prefilled). Each reads the
row through the user's place, needs the edit permission and makes one service call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm
from accounts.scope import get_for_user
from programs import corrections, services
from programs.aid_views import _party_name, _picked, _picker, _plain, assistance_data
from programs.campaign_views import _application
from programs.forms import (
    AssistanceCorrectionForm,
    DonationCorrectionForm,
    IssueCorrectionForm,
    ReceiptCorrectionForm,
    VoidForm,
    WithdrawForm,
)
from programs.models import Application, Assistance, Donation, DonationDrive, SupplyMove
from shequ.errors import DomainError, add_to_form

TEMPLATE = "programs/correction_form.html"


def _target_of(row) -> str:
    """The picker's value for the row's party: "r:5", "h:12" or "u:3"."""
    for letter, name in (("r", "resident_id"), ("h", "household_id"), ("u", "unit_id")):
        if getattr(row, name, None):
            return f"{letter}:{getattr(row, name)}"
    return ""


def _closed(row) -> str:
    """Why the row can no longer be voided, corrected or withdrawn, or ""."""
    if row.voided_at:
        return _("该记录已于%(day)s%(what)s（%(why)s）") % {
            "day": f"{timezone.localtime(row.voided_at):%Y-%m-%d}",
            "what": _("撤回") if isinstance(row, Application) else _("作废"),
            "why": row.void_reason,
        }
    if isinstance(row, Application) and row.stage == Application.Stage.AWARDED:
        return _("“%(who)s”已授牌，不能撤回") % {"who": row.applicant_name}
    if isinstance(row, SupplyMove) and row.issue_id:
        return _("此入库随%(from)s的调拨出库生成，请作废那笔出库") % {"from": row.counterpart}
    return ""


def _page(request, form, *, title, summary, back, void: bool, place=None, picker=None, row=None):
    """The void/correct/withdraw form; on a row that no longer allows it, back with why."""
    closed = _closed(row) if row is not None else ""
    if closed and request.method == "GET":
        messages.info(request, closed)
        return redirect(back)
    return render(
        request,
        TEMPLATE,
        {
            "form": form,
            "title": title,
            "summary": summary,
            "back": back,
            "void": void,
            "current_place": place,
            **(picker or {}),
        },
    )


def _void_page(request, row, void, *, done: str, title, summary, back: str, place):
    """The 作废 form of `row`: the reason asked for, `void` run with it and the version the
    page showed, then back to where the row is listed."""
    form = VoidForm(request.POST or None, initial={"version": row.version})
    if request.method == "POST" and form.is_valid():
        try:
            void(
                row,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect(back)
    return _page(
        request, form, row=row, title=title, summary=summary, back=back, void=True, place=place
    )


# --- Assistance ---------------------------------------------------------------------------------


def _aid(request: HttpRequest, pk: int) -> Assistance:
    return get_for_user(
        Assistance.objects.select_related("place", "household__head", "resident"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS,
    )


def _aid_summary(aid: Assistance) -> list[tuple[str, str]]:
    who = aid.resident.name if aid.resident else _("户号%(n)s") % {"n": aid.household.number}
    money = _("%(m)s元") % {"m": aid.amount} if aid.amount else "—"
    return [
        (_("救助类型"), aid.kind),
        (_("受助对象"), who),
        (_("金额"), money),
        (_("物资"), aid.goods or "—"),
        (_("发放日期"), f"{aid.date:%Y-%m-%d}"),
        (_("来源"), aid.get_source_display()),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def assistance_void(request: HttpRequest, pk: int) -> HttpResponse:
    aid = _aid(request, pk)
    return _void_page(
        request,
        aid,
        corrections.void_assistance,
        done=_("已作废该笔%(kind)s") % {"kind": aid.kind},
        title=_("作废救助发放"),
        summary=_aid_summary(aid),
        back=reverse("programs:assistance-detail", args=[aid.pk]),
        place=aid.place,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assistance_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    aid = _aid(request, pk)
    initial = {
        "target": request.GET.get("target", _target_of(aid)),
        "version": aid.version,
        **{f: getattr(aid, f) for f in ("kind", "source", "goods", "date", "notes")},
        **{f: getattr(aid, f) for f in ("period_start", "period_end")},
        "amount": _plain(aid.amount) if aid.amount else "",
        # A 补发 stays one when corrected.
        "back_payment": services.BACK_PAYMENT in aid.notes,
    }
    form = AssistanceCorrectionForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = corrections.correct_assistance(
                aid,
                assistance_data(user, data),
                reason=data["reason"],
                version=data["version"],
                by=user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已更正：原记录已作废，更正后的记录已登记"))
            if Assistance.objects.visible_to(user).filter(pk=new.pk).exists():
                return redirect("programs:assistance-detail", pk=new.pk)
            return redirect("programs:assistance-detail", pk=aid.pk)
    return _page(
        request,
        form,
        row=aid,
        title=_("更正救助发放"),
        summary=_aid_summary(aid),
        back=reverse("programs:assistance-detail", args=[aid.pk]),
        void=False,
        place=aid.place,
        picker={
            "pick_label": _("受助对象"),
            "pick_help": _("发给全户的（如低保金）选户，发给个人的（如高龄补贴）选人"),
            **_picker(request, form, "hr"),
        },
    )


# --- Donations ----------------------------------------------------------------------------------


def _entry(request: HttpRequest, pk: int) -> tuple[Donation, DonationDrive]:
    entry = Donation.objects.filter(pk=pk).only("pk", "drive_id").first()
    drive_pk = entry.drive_id if entry is not None else 0
    drive = get_for_user(
        DonationDrive.objects.select_related("place"),
        request.user,
        pk=drive_pk,
        perm=Perm.EDIT_RECORDS,
    )
    return Donation.objects.get(pk=pk), drive


def _entry_summary(entry: Donation) -> list[tuple[str, str]]:
    item = f"{entry.item} {_plain(entry.quantity)}{entry.item_unit}" if entry.item else "—"
    return [
        (_("方向"), entry.get_direction_display()),
        (_("捐赠人/受赠人"), entry.party_name),
        (_("金额"), _("%(m)s元") % {"m": entry.money} if entry.money else "—"),
        (_("物品"), item),
        (_("日期"), f"{entry.date:%Y-%m-%d}"),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def donation_void(request: HttpRequest, pk: int) -> HttpResponse:
    entry, drive = _entry(request, pk)
    return _void_page(
        request,
        entry,
        corrections.void_donation,
        done=_("已作废该笔%(d)s") % {"d": entry.get_direction_display()},
        title=_("作废捐赠收支：%(d)s") % {"d": drive.name},
        summary=_entry_summary(entry),
        back=reverse("programs:drive-detail", args=[drive.pk]),
        place=drive.place,
    )


@login_required
@require_http_methods(["GET", "POST"])
def donation_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry, drive = _entry(request, pk)
    out = entry.direction == Donation.Direction.OUT
    initial = {
        "target": request.GET.get("target", _target_of(entry)),
        "version": entry.version,
        "party_name": "" if _target_of(entry) else entry.party_name,
        "money": _plain(entry.money) if entry.money else "",
        "quantity": _plain(entry.quantity) if entry.quantity else "",
        **{f: getattr(entry, f) for f in ("date", "item", "item_unit", "notes")},
    }
    form = DonationCorrectionForm(request.POST or None, out=out, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            party = _picked(
                user,
                data["target"],
                "rhu",
                message=_("不能选择辖区外的居民、户或单位"),
                field="party_name",
            )
            name = data["party_name"] or (_party_name(next(iter(party.values()))) if party else "")
            corrections.correct_donation(
                entry,
                services.DonationData(
                    direction=entry.direction,
                    date=data["date"],
                    party_name=name,
                    money=data["money"],
                    item=data["item"],
                    quantity=data["quantity"],
                    item_unit=data["item_unit"],
                    notes=data["notes"],
                    **party,
                ),
                reason=data["reason"],
                version=data["version"],
                by=user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已更正：原记录已作废，更正后的记录已登记"))
            return redirect("programs:drive-detail", pk=drive.pk)
    return _page(
        request,
        form,
        row=entry,
        title=(_("更正发放：%(d)s") if out else _("更正捐入：%(d)s")) % {"d": drive.name},
        summary=_entry_summary(entry),
        back=reverse("programs:drive-detail", args=[drive.pk]),
        void=False,
        place=drive.place,
        picker={
            "pick_label": _("受赠人") if out else _("捐赠人"),
            "pick_help": _("本辖区的居民、户或单位可查找选择；其他的在下方直接填写名称"),
            **_picker(request, form, "rhu"),
        },
    )


# --- Supplies -----------------------------------------------------------------------------------


def _move(request: HttpRequest, pk: int) -> SupplyMove:
    return get_for_user(
        SupplyMove.objects.select_related("place", "item"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS,
    )


def _move_summary(move: SupplyMove) -> list[tuple[str, str]]:
    return [
        (_("库存所在"), move.place.name),
        (_("物资"), str(move.item)),
        (_("类型"), move.get_kind_display()),
        (_("数量"), f"{_plain(move.quantity)}{move.item.unit}"),
        (_("日期"), f"{move.date:%Y-%m-%d}"),
        (_("来源/去向"), move.counterpart),
    ]


def _moves_url(move: SupplyMove) -> str:
    return f"{reverse('programs:move-list')}?place={move.place_id}&item={move.item_id}"


@login_required
@require_http_methods(["GET", "POST"])
def move_void(request: HttpRequest, pk: int) -> HttpResponse:
    move = _move(request, pk)
    return _void_page(
        request,
        move,
        corrections.void_move,
        done=_("已作废该笔%(kind)s，库存已随之调整") % {"kind": move.get_kind_display()},
        title=_("作废物资出入库"),
        summary=_move_summary(move),
        back=_moves_url(move),
        place=move.place,
    )


@login_required
@require_http_methods(["GET", "POST"])
def move_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    move = _move(request, pk)
    initial = {
        "version": move.version,
        "quantity": _plain(move.quantity),
        **{f: getattr(move, f) for f in ("kind", "date", "counterpart", "notes")},
    }
    if move.is_issue:
        initial.update(
            target=request.GET.get("target", f"u:{move.to_unit_id}" if move.to_unit_id else ""),
            to_place=move.to_place_id,
            campaign=move.campaign_id,
            record=move.record_id,
        )
        form = IssueCorrectionForm(
            request.POST or None, user=user, record_pk=move.record_id, initial=initial
        )
    else:
        form = ReceiptCorrectionForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            targets = {}
            if move.is_issue:
                unit = _picked(
                    user, data["target"], "u", message=_("去向不在本辖区"), field="counterpart"
                )
                targets = {
                    "to_place": data["to_place"],
                    "to_unit": unit.get("unit"),
                    "campaign": data["campaign"],
                    "record": data["record"],
                }
            corrections.correct_move(
                move,
                services.MoveData(
                    item=move.item,
                    kind=SupplyMove.Kind.ISSUED if move.is_issue else data["kind"],
                    quantity=data["quantity"],
                    date=data["date"],
                    counterpart=data["counterpart"],
                    notes=data["notes"],
                    **targets,
                ),
                reason=data["reason"],
                version=data["version"],
                by=user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已更正：原记录已作废，更正后的记录已登记，库存已随之调整"))
            return redirect(_moves_url(move))
    picker = None
    if move.is_issue:
        picker = {
            "pick_label": _("发往辖区单位（可选）"),
            "pick_help": _("发给辖区单位时查找选择；发往社区、网格或用于活动的在下方选择"),
            **_picker(request, form, "u"),
        }
    return _page(
        request,
        form,
        row=move,
        title=_("更正物资出库") if move.is_issue else _("更正物资入库"),
        summary=_move_summary(move),
        back=_moves_url(move),
        void=False,
        place=move.place,
        picker=picker,
    )


# --- Applications -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回 an application entered by mistake (the wrong household) or given up, before it is
    awarded; the campaign's editors only."""
    application: Application = _application(request, pk)
    campaign = application.campaign
    form = WithdrawForm(request.POST or None, initial={"stage": application.stage})
    if request.method == "POST" and form.is_valid():
        try:
            corrections.withdraw_application(
                application,
                reason=form.cleaned_data["reason"],
                stage=form.cleaned_data["stage"],
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request, _("已撤回“%(who)s”的申报") % {"who": application.applicant_name}
            )
            return redirect(reverse("programs:campaign-detail", args=[campaign.pk]) + "#applicants")
    return _page(
        request,
        form,
        row=application,
        title=_("撤回申报：%(c)s") % {"c": campaign.name},
        summary=[
            (_("申报对象"), application.applicant_name),
            (_("申报日期"), f"{application.applied_on:%Y-%m-%d}"),
            (_("阶段"), application.get_stage_display()),
        ],
        back=reverse("programs:campaign-detail", args=[campaign.pk]) + "#applicants",
        void=True,
        place=campaign.place,
    )
