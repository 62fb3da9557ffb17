"""Assistance, donations and supplies: what was given to whom and how it adds up, donation
drives with what came in and went out, and the supplies each community holds with every
receipt and issue. Each page reads through the user's place; each change is one service call."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.models import LocalUnit
from people import queries
from people.models import Household, Resident
from programs import services
from programs.forms import (
    AssistanceFilterForm,
    AssistanceForm,
    DonationForm,
    DriveForm,
    IssueForm,
    ItemForm,
    MoveFilterForm,
    ReceiveForm,
    store_places,
)
from programs.models import Assistance, Donation, DonationDrive, Stock, SupplyItem, SupplyMove
from programs.queries import (
    drive_holdings,
    drives_with_totals,
    filter_assistance,
    filter_moves,
)
from shequ.errors import DomainError, add_to_form

PAGE_SIZE = 50


# --- Picking a household, resident or unit ------------------------------------------------------

_TARGETS = {"h": ("household", Household), "r": ("resident", Resident), "u": ("unit", LocalUnit)}


def _picked(user, value: str, letters: str, *, message: str, field: str) -> dict:
    """The household, resident or unit that `value` ("h:12") names, as the service's keyword;
    {} for none. One outside the user's place (or of a kind not offered) is refused with
    `message`, exactly as if it did not exist."""
    if not value:
        return {}
    letter, _sep, pk = value.partition(":")
    if letter not in letters or letter not in _TARGETS or not pk.isdigit():
        raise DomainError(message, field=field)
    name, model = _TARGETS[letter]
    found = model.objects.visible_to(user).filter(pk=int(pk))
    if model is Household:
        found = found.select_related("head", "place")
    else:
        found = found.select_related("place")
    obj = found.first()
    if obj is None:
        raise DomainError(message, field=field)
    return {name: obj}


def _shown(obj) -> str:
    """How a picked household, resident or unit is named on the page."""
    if isinstance(obj, Household):
        head = _("，户主%(n)s") % {"n": obj.head.name} if obj.head_id else ""
        return _("户号%(number)s%(head)s · %(place)s") % {
            "number": obj.number,
            "head": head,
            "place": obj.place.name,
        }
    if isinstance(obj, Resident):
        return f"{obj.name} · {obj.place.name}"
    return f"{obj.name}（{obj.get_kind_display()}）· {obj.place.name}"


def _plain(number: Decimal) -> str:
    """10.00 → "10", 2.50 → "2.5" (never "1E+1")."""
    return format(number.normalize(), "f")


def _party_name(obj) -> str:
    """The name a donation entry keeps of its party."""
    if isinstance(obj, Household) and obj.head_id:
        return f"{obj.number}（{obj.head.name}）"
    return str(obj)


def _search(user, q: str, letters: str) -> dict:
    """What the search on a form page found, for picking: residents (and their households),
    households by number, units by name."""
    if not q:
        return {}
    found = queries.pick(user, q)
    residents = found["found"] if "r" in letters or "h" in letters else []
    homes: dict[int, Household] = {}
    if "h" in letters and residents:
        ids = {r.household_id for r in residents if r.household_id}
        homes = {h.pk: h for h in Household.objects.filter(pk__in=ids).select_related("head")}
    for resident in residents:
        resident.pick = f"r:{resident.pk}"
        resident.home = homes.get(resident.household_id)
        if resident.home is not None:
            resident.home.pick = f"h:{resident.home.pk}"
    households = found["found_households"] if "h" in letters else []
    units = found["found_units"] if "u" in letters else []
    for each in households:
        each.pick = f"h:{each.pk}"
    for each in units:
        each.pick = f"u:{each.pk}"
    return {
        "found": residents,
        "found_households": households,
        "found_units": units,
        "pick_residents": "r" in letters,
    }


def _picker(request: HttpRequest, form, letters: str) -> dict:
    """The picker's context: the chosen party (from the form, else the URL) or the search."""
    value = form["target"].value() or ""
    chosen = None
    try:
        picked = _picked(request.user, value, letters, message="", field="")
    except DomainError:
        picked = {}
    if picked:
        chosen = _shown(next(iter(picked.values())))
    q = request.GET.get("q", "").strip()[:50]
    return {
        "chosen": chosen,
        "letters": letters,
        **({} if chosen else _search(request.user, q, letters)),
        "q": q,
    }


# --- Assistance ---------------------------------------------------------------------------------


def _before(queryset: QuerySet, request: HttpRequest, field: str = "date") -> QuerySet:
    """The rows after row `before` in (field, id) newest-first order."""
    before = request.GET.get("before", "")
    if not before.isdigit():
        return queryset
    last = queryset.filter(pk=int(before)).values_list(field, flat=True).first()
    if last is None:
        return queryset
    return queryset.filter(Q(**{f"{field}__lt": last}) | Q(**{field: last, "pk__lt": int(before)}))


def _page(rows: list, request: HttpRequest) -> dict:
    query = request.GET.copy()
    query.pop("before", None)
    return {
        "rows": rows[:PAGE_SIZE],
        "more": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "is_first_page": not request.GET.get("before"),
        "query": query.urlencode(),
    }


@dataclass
class KindTotal:
    kind: str
    amount: Decimal
    payments: int
    households: int
    persons: int


def assistance_totals(aids: QuerySet) -> tuple[list[KindTotal], KindTotal]:
    """Per kind and over all: the money paid, the number of payments, the households reached
    (each once, however often it was paid) and the persons reached (aid paid to a resident
    counts that resident once; aid paid to a household counts the household, not its
    members). Two grouped queries; voided payments count nowhere."""
    aids = aids.filter(voided_at__isnull=True)
    figures = {
        "amount": Sum("amount", default=Decimal("0")),
        "payments": Count("id"),
        "households": Count("household", distinct=True),
        "persons": Count("resident", distinct=True),
    }
    rows = {r["kind"]: r for r in aids.order_by().values("kind").annotate(**figures)}
    by_kind = [
        KindTotal(
            label, rows[k]["amount"], rows[k]["payments"], rows[k]["households"], rows[k]["persons"]
        )
        for k, label in Assistance.Kind.choices
        if k in rows
    ]
    all_ = aids.order_by().aggregate(**figures)
    return by_kind, KindTotal(_("合计"), **all_)


@login_required
@require_http_methods(["GET"])
def assistance_list(request: HttpRequest) -> HttpResponse:
    """救助发放: the payments of a period with their totals by kind. The period is this year
    unless another is chosen (clearing the dates shows every year)."""
    user = request.user
    require(user, Perm.VIEW_RECORDS)
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("start", today.replace(month=1, day=1).isoformat())
    data.setdefault("end", today.isoformat())
    filters = AssistanceFilterForm(data, user=user)
    filters.is_valid()
    chosen = filters.cleaned_data
    aids = filter_assistance(Assistance.objects.visible_to(user), chosen)
    by_kind, total = assistance_totals(aids)
    rows = list(
        _before(aids, request)
        .select_related("place", "household__head", "resident", "membership__category", "voided_by")
        .order_by("-date", "-pk")[: PAGE_SIZE + 1]
    )
    return render(
        request,
        "programs/assistance_list.html",
        {
            "filters": filters,
            "by_kind": by_kind,
            "total": total,
            "start": chosen.get("start"),
            "end": chosen.get("end"),
            "can_edit": has_perm(user, Perm.EDIT_RECORDS),
            **_page(rows, request),
        },
    )


def assistance_data(user, data: dict) -> services.AssistanceData:
    """What the payment form (new or corrected) says, for the service: the recipient picked
    within the user's place (a DomainError otherwise)."""
    recipient = _picked(
        user, data["target"], "hr", message=_("受助对象不在本辖区，不能登记"), field="household"
    )
    fields = ["kind", "source", "date", "amount", "goods", "period_start", "period_end"]
    fields += ["notes", "back_payment", "not_repeat"]
    return services.AssistanceData(**{name: data[name] for name in fields}, **recipient)


@login_required
@require_http_methods(["GET", "POST"])
def assistance_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.EDIT_RECORDS)
    initial = {"date": timezone.localdate(), "target": request.GET.get("target", "")}
    form = AssistanceForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            aid = services.give_assistance(
                assistance_data(user, data),
                by=user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            if aid.membership_id:
                m = aid.membership
                messages.success(
                    request,
                    _("已登记%(kind)s，依据%(group)s登记（%(start)s起）")
                    % {"kind": aid.kind, "group": m.category.name, "start": f"{m.start:%Y-%m-%d}"},
                )
            else:
                messages.success(request, _("已登记%(kind)s") % {"kind": aid.kind})
            if Assistance.objects.visible_to(user).filter(pk=aid.pk).exists():
                return redirect("programs:assistance-detail", pk=aid.pk)
            return redirect("programs:assistance-list")
    return render(
        request,
        "programs/picked_form.html",
        {
            "form": form,
            "title": _("登记救助/慰问"),
            "back": reverse("programs:assistance-list"),
            "pick_label": _("受助对象"),
            "pick_help": _("发给全户的（如低保金）选户，发给个人的（如高龄补贴）选人"),
            **_picker(request, form, "hr"),
        },
    )


@login_required
@require_http_methods(["GET"])
def assistance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    aid = get_for_user(
        Assistance.objects.select_related(
            "place",
            "household__head",
            "resident",
            "membership__category",
            "created_by",
            "voided_by",
            "replaces",
        ),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "programs/assistance_detail.html",
        {
            "aid": aid,
            "current_place": aid.place,
            "replaced_by": Assistance.objects.filter(replaces=aid).first(),
            "can_correct": not aid.is_voided and has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


# --- Donations ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def drive_list(request: HttpRequest) -> HttpResponse:
    """募捐: each drive with the money it took in, handed out and still holds."""
    user = request.user
    require(user, Perm.VIEW_RECORDS)
    drives = drives_with_totals(
        DonationDrive.objects.visible_to(user).select_related("place")
    ).order_by("-starts_on", "-pk")
    page = Paginator(drives, PAGE_SIZE).get_page(request.GET.get("page"))
    for drive in page:
        drive.money_left = drive.money_in - drive.money_out
    return render(
        request,
        "programs/drive_list.html",
        # Drives are run by communities and sub-districts: a grid worker opens none.
        {"page": page, "can_edit": _keeps_stores(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def drive_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_store(user)
    form = DriveForm(request.POST or None, user=user, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            drive = services.open_drive(**form.cleaned_data, by=user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已登记募捐活动“%(name)s”") % {"name": drive.name})
            return redirect("programs:drive-detail", pk=drive.pk)
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": _("登记募捐活动"), "back": reverse("programs:drive-list")},
    )


@login_required
@require_http_methods(["GET"])
def drive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drive = get_for_user(DonationDrive.objects.select_related("place"), request.user, pk=pk)
    money_left, items = drive_holdings(drive)
    # The totals are over every live entry; the list shows one page of all of them (voided
    # ones struck through), in date order.
    live = Q(voided_at__isnull=True)
    totals = drive.entries.aggregate(
        money_in=Sum(
            "money", filter=live & Q(direction=Donation.Direction.IN), default=Decimal("0")
        ),
        money_out=Sum(
            "money", filter=live & Q(direction=Donation.Direction.OUT), default=Decimal("0")
        ),
    )
    page = Paginator(
        drive.entries.select_related("created_by", "voided_by").order_by("date", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/drive_detail.html",
        {
            "drive": drive,
            "current_place": drive.place,
            "entries": page.object_list,
            "page": page,
            **totals,
            "money_left": money_left,
            "items": items,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


def held_items(drive: DonationDrive) -> tuple[Decimal, list[dict], list[tuple[str, str]]]:
    """The drive's money left, its items, and the items it can hand out (those with a balance)
    as the handing-out form offers them."""
    money_left, items = drive_holdings(drive)
    held = [
        (i["item"], _("%(item)s（结余%(n)s%(unit)s）") % {**i, "n": _plain(i["left"])})
        for i in items
        if i["left"] > 0
    ]
    return money_left, items, held


def donation_data(user, direction: str, data: dict, items: list[dict]) -> services.DonationData:
    """What the donation form says, for the service: the party picked within the user's place
    (a DomainError otherwise), named as the drive's ledger names it; an item handed out in the
    unit it came in."""
    party = _picked(
        user,
        data["target"],
        "rhu",
        message=_("不能选择辖区外的居民、户或单位"),
        field="party_name",
    )
    name = data["party_name"] or (_party_name(next(iter(party.values()))) if party else "")
    unit = data.get("item_unit", "")
    if direction == Donation.Direction.OUT and data["item"]:
        unit = next((i["unit"] for i in items if i["item"] == data["item"]), "")
    return services.DonationData(
        direction=direction,
        date=data["date"],
        party_name=name,
        money=data["money"],
        item=data["item"],
        quantity=data["quantity"],
        item_unit=unit,
        notes=data["notes"],
        **party,
    )


@login_required
@require_http_methods(["GET", "POST"])
def donation_add(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """A gift into a drive, or a handing-out from it. The party is a resident, household or
    unit of the user's place picked by the search, or a name typed in."""
    user = request.user
    drive = get_for_user(DonationDrive.objects, user, pk=pk, perm=Perm.EDIT_RECORDS)
    out = direction == Donation.Direction.OUT
    money_left, items, held = held_items(drive)
    initial = {"date": timezone.localdate(), "target": request.GET.get("target", "")}
    form = DonationForm(request.POST or None, out=out, held=held, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_donation(
                drive, donation_data(user, direction, form.cleaned_data, items), by=user
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已登记发放") if out else _("已登记捐入"))
            return redirect("programs:drive-detail", pk=drive.pk)
    return render(
        request,
        "programs/picked_form.html",
        {
            "form": form,
            "drive": drive,
            "current_place": drive.place,
            "note": _("现有结余 %(m).2f 元") % {"m": money_left} if out else "",
            "title": (_("登记发放：%(d)s") if out else _("登记捐入：%(d)s")) % {"d": drive.name},
            "back": reverse("programs:drive-detail", args=[drive.pk]),
            "pick_label": _("受赠人") if out else _("捐赠人"),
            "pick_help": _("本辖区的居民、户或单位可查找选择；其他的在下方直接填写名称"),
            **_picker(request, form, "rhu"),
        },
    )


# --- Supplies -----------------------------------------------------------------------------------


def _keeps_stores(user) -> bool:
    """Whether the user may record at a store: a grid worker's place holds none."""
    return has_perm(user, Perm.EDIT_RECORDS) and store_places(user).exists()


def require_store(user) -> None:
    """403 for a role that records but whose place holds no store (a grid worker): the form
    would offer no place to choose."""
    require(user, Perm.EDIT_RECORDS)
    if not store_places(user).exists():
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def stock_list(request: HttpRequest) -> HttpResponse:
    """物资: what each community or sub-district store holds of each item."""
    user = request.user
    require(user, Perm.VIEW_RECORDS)
    places = list(store_places(user))
    chosen = request.GET.get("place", "")
    place = next((p for p in places if str(p.pk) == chosen), None)
    stocks = Stock.objects.visible_to(user).select_related("place", "item")
    if place is not None:
        stocks = stocks.filter(place_path__under=place.path)
    page = Paginator(stocks.order_by("place_path", "item__name"), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "programs/stock_list.html",
        {
            "page": page,
            "places": places,
            "place": place,
            "can_store": has_perm(user, Perm.EDIT_RECORDS) and bool(places),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_list(request: HttpRequest) -> HttpResponse:
    """物资品目: the catalogue every store counts in. Communities buy their own items, so any
    role that records may add one; an item is never removed (movements refer to it)."""
    user = request.user
    require(user, Perm.VIEW_RECORDS)
    can_edit = has_perm(user, Perm.EDIT_RECORDS)
    form = ItemForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        require(user, Perm.EDIT_RECORDS)
        if form.is_valid():
            try:
                item = services.add_supply_item(**form.cleaned_data, by=user)
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已添加物资“%(item)s”") % {"item": item})
                return redirect("programs:item-list")
    held = dict(
        Stock.objects.visible_to(user).order_by().values_list("item").annotate(n=Sum("on_hand"))
    )
    items = list(SupplyItem.objects.all())
    for item in items:
        item.held = held.get(item.pk, Decimal("0"))
    return render(
        request,
        "programs/item_list.html",
        {"items": items, "form": form, "can_edit": can_edit, "can_store": _keeps_stores(user)},
    )


@login_required
@require_http_methods(["GET"])
def move_list(request: HttpRequest) -> HttpResponse:
    """出入库记录: newest first as entered, each with the stock it left."""
    user = request.user
    require(user, Perm.VIEW_RECORDS)
    filters = MoveFilterForm(request.GET, user=user)
    filters.is_valid()
    chosen = filters.cleaned_data
    moves = filter_moves(SupplyMove.objects.visible_to(user), chosen)
    before = request.GET.get("before", "")
    if before.isdigit():
        moves = moves.filter(pk__lt=int(before))
    rows = list(
        moves.select_related(
            "place", "item", "created_by", "to_place", "to_unit", "campaign", "record", "voided_by"
        ).order_by("-pk")[: PAGE_SIZE + 1]
    )
    return render(
        request,
        "programs/move_list.html",
        {
            "filters": filters,
            "issued": SupplyMove.Kind.ISSUED,
            "can_store": _keeps_stores(user),
            **_page(rows, request),
        },
    )


def _moved(request: HttpRequest, move: SupplyMove) -> HttpResponse:
    messages.success(
        request,
        _("已登记%(kind)s：%(item)s %(q)s%(unit)s，结存%(b)s%(unit)s")
        % {
            "kind": move.get_kind_display(),
            "item": move.item.name,
            "q": _plain(move.quantity),
            "b": _plain(move.balance),
            "unit": move.item.unit,
        },
    )
    url = reverse("programs:move-list")
    return redirect(f"{url}?place={move.place_id}&item={move.item_id}")


def move_data(user, data: dict) -> services.MoveData:
    """What the receiving form (with its `kind`) or the issuing form says, for the service: an
    issue's unit picked within the user's place (a DomainError otherwise)."""
    common = {
        "item": data["item"],
        "quantity": data["quantity"],
        "date": data["date"],
        "counterpart": data["counterpart"],
        "notes": data["notes"],
    }
    if "kind" in data:  # the receiving form
        return services.MoveData(kind=data["kind"], **common)
    unit = _picked(user, data["target"], "u", message=_("去向不在本辖区"), field="counterpart")
    return services.MoveData(
        kind=SupplyMove.Kind.ISSUED,
        to_place=data["to_place"],
        to_unit=unit.get("unit"),
        campaign=data["campaign"],
        record=data["record"],
        **common,
    )


@login_required
@require_http_methods(["GET", "POST"])
def supply_receive(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_store(user)
    form = ReceiveForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            move = services.move_supplies(data["place"], move_data(user, data), by=user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return _moved(request, move)
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": _("物资入库"), "back": reverse("programs:stock-list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def supply_issue(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_store(user)
    record = request.GET.get("record", "")
    initial = {"target": request.GET.get("target", "")}
    form = IssueForm(
        request.POST or None,
        user=user,
        record_pk=int(record) if record.isdigit() else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            move = services.move_supplies(data["place"], move_data(user, data), by=user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return _moved(request, move)
    return render(
        request,
        "programs/picked_form.html",
        {
            "form": form,
            "title": _("物资出库（发放）"),
            "back": reverse("programs:stock-list"),
            "pick_label": _("发往辖区单位（可选）"),
            "pick_help": _("发给辖区单位时查找选择；发往社区、网格或用于活动的在下方选择"),
            **_picker(request, form, "u"),
        },
    )
