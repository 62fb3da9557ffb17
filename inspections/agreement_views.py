"""Responsibility agreements (责任书/承诺书) signed with local units and with the landlords of
rentals: the list, a new one (the party chosen by a search, or handed over from 签订情况),
its page with the scanned copy, corrections, and 签订情况 — who in a place has signed an
agreement of a kind that is in force today, and who has not."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place
from inspections import services
from inspections.forms import AgreementFilterForm, AgreementForm, CoverageForm
from inspections.models import Agreement
from people.models import Rental
from shequ import files, locking
from shequ.errors import DomainError, add_to_form

PAGE_SIZE = 50
FOUND = 20  # parties offered by one search
COVERAGE_ROWS = 500  # each list of 签订情况; the counts cover everyone


def _status(agreement: Agreement, today: datetime.date) -> tuple[str, str]:
    """The agreement's state today and the tag class it is shown with."""
    if agreement.starts_on > today:
        return _("未生效"), "group"
    if agreement.ends_on is not None and agreement.ends_on < today:
        return _("已过期"), "off"
    return _("有效"), "ok"


def _wide(place: Place | None) -> bool:
    """Whether rows from several communities are shown: a grid is then named with its
    community (every community has its 第一网格)."""
    return place is None or place.kind in (PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT)


def current_rentals(rentals, day: datetime.date):
    """Rentals let on `day`: the landlords a 出租房屋治安责任书 is signed with."""
    return rentals.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))


def open_units(units, day: datetime.date):
    """Units not closed or moved away by `day`."""
    return units.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))


@login_required
@require_http_methods(["GET"])
def agreement_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    today = timezone.localdate()
    filters = AgreementFilterForm(request.GET, user=request.user)
    filters.is_valid()
    chosen = filters.cleaned_data  # a refused filter is left out, the others still apply
    agreements = Agreement.objects.visible_to(request.user)
    if kind := chosen.get("kind"):
        agreements = agreements.filter(kind=kind)
    if chosen.get("state") == "in_force":
        agreements = agreements.in_force(today)
    elif chosen.get("state") == "expired":
        agreements = agreements.filter(ends_on__lt=today)
    if place := chosen.get("place"):
        agreements = agreements.filter(place_path__under=place.path)
    if q := (chosen.get("q") or "").strip():
        agreements = agreements.filter(Q(party_name__contains=q) | Q(signer__contains=q))
    total = agreements.count()
    before = request.GET.get("before", "")
    if before.isdigit():
        last = agreements.filter(pk=int(before)).values_list("signed_on", flat=True).first()
        if last is not None:
            agreements = agreements.filter(
                Q(signed_on__lt=last) | Q(signed_on=last, pk__lt=int(before))
            )
    rows = list(
        agreements.select_related("place__parent").order_by("-signed_on", "-pk")[: PAGE_SIZE + 1]
    )
    for agreement in rows:
        agreement.status, agreement.status_class = _status(agreement, today)
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "inspections/agreement_list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
            "is_first_page": not before,
            "query": query.urlencode(),
            "filters": filters,
            "total": total,
            "wide": _wide(place or request.user.place),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


def _get(request: HttpRequest, pk: int, *, edit: bool = False) -> Agreement:
    return get_for_user(
        Agreement.objects.select_related("place", "unit", "rental__dwelling", "created_by"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


def _scan(form: AgreementForm) -> files.Upload | None:
    """The scanned copy: a PDF by its name, anything else as a photo; the content decides."""
    uploaded = form.cleaned_data.get("scan")
    if not uploaded:
        return None
    pdf = (uploaded.name or "").lower().endswith(".pdf")
    return files.Upload.read(uploaded, files.DOCUMENT if pdf else files.PHOTO)


def _refused(form: AgreementForm, error: DomainError) -> None:
    if error.field == "files":  # shequ/files.py names its own field
        error.field = "scan"
    add_to_form(form, error)


def _ask_for_the_scan_again(request: HttpRequest, form: AgreementForm) -> None:
    """A refused form comes back without the file chosen: say so rather than lose it quietly."""
    if request.FILES.get("scan") and "scan" not in form.errors:
        form["scan"].help_text = _("没有保存，请重新选择扫描件")  # the bound field, made already


def _search(request: HttpRequest, q: str) -> dict:
    """Units and current rentals of the user's place matching `q`, to sign with."""
    if not q:
        return {}
    today = timezone.localdate()
    units = open_units(LocalUnit.objects.visible_to(request.user), today).filter(
        Q(name__contains=q) | Q(address__contains=q) | Q(credit_code=q.upper())
    )
    rentals = current_rentals(Rental.objects.visible_to(request.user), today).filter(
        Q(dwelling__address__contains=q) | Q(landlord_name__contains=q)
    )
    return {
        "found_units": list(units.select_related("place").order_by("place_path", "name")[:FOUND]),
        "found_rentals": list(
            rentals.select_related("dwelling", "place").order_by("place_path", "pk")[:FOUND]
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    """A new agreement. The party comes as ?unit= or ?rental= (from the search on this page,
    or from 签订情况), with ?kind= when known."""
    require(request.user, Perm.EDIT_RECORDS)
    initial = {"signed_on": timezone.localdate()}
    for name in ("unit", "rental"):
        if request.GET.get(name, "").isdigit():
            initial[name] = int(request.GET[name])
    kind = request.GET.get("kind", "")
    if kind in Agreement.Kind.values:
        initial["kind"] = kind
    elif "rental" in initial:
        initial["kind"] = Agreement.Kind.RENTAL
    form = AgreementForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.sign_agreement(
                form.agreement_data(), by=request.user, scan=_scan(form)
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已登记%(a)s") % {"a": agreement})
            return redirect("inspections:agreement-detail", pk=agreement.pk)
    _ask_for_the_scan_again(request, form)
    q = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "inspections/agreement_form.html",
        {
            "form": form,
            "title": _("登记责任书"),
            "back": reverse("inspections:agreement-list"),
            "choosing": True,
            "q": q,
            "kind": initial.get("kind", ""),
            **_search(request, q),
        },
    )


@login_required
@require_http_methods(["GET"])
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get(request, pk)
    today = timezone.localdate()
    agreement.status, agreement.status_class = _status(agreement, today)
    return render(
        request,
        "inspections/agreement_detail.html",
        {
            "agreement": agreement,
            "current_place": agreement.place,
            "scan_is_photo": agreement.scan_content_type.startswith("image/"),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get(request, pk, edit=True)
    fields = ("kind", "signed_on", "starts_on", "ends_on", "signer", "notes")
    initial = {name: getattr(agreement, name) for name in fields}
    initial.update(unit=agreement.unit_id, rental=agreement.rental_id, version=agreement.version)
    form = AgreementForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if agreement.scan_name:
        form.fields["scan"].help_text = _("已有扫描件“%(name)s”；选择新文件则替换它") % {
            "name": agreement.scan_name
        }
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_agreement(
                agreement, form.agreement_data(), by=request.user, scan=_scan(form),
                version=form.cleaned_data["version"],
            )  # fmt: skip
        except locking.StaleEdit as exc:
            locking.show_stale(form, agreement, exc)
            status = 409
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("inspections:agreement-detail", pk=agreement.pk)
    _ask_for_the_scan_again(request, form)
    return render(
        request,
        "inspections/agreement_form.html",
        {
            "form": form,
            "title": _("修改责任书"),
            "back": reverse("inspections:agreement-detail", args=[agreement.pk]),
            "current_place": agreement.place,
            "choosing": False,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def agreement_scan(request: HttpRequest, pk: int, preview: bool = False) -> HttpResponse:
    """The scanned copy, only to those who see the agreement."""
    agreement = _get(request, pk)
    if not agreement.scan_stored_as:
        raise Http404
    return files.serve(
        agreement.scan_stored_as,
        name=agreement.scan_name,
        content_type=agreement.scan_content_type,
        photo=agreement.scan_content_type.startswith("image/"),
        preview=preview,
    )


def _coverage(user, kind: str, place, unit_kind: str, today: datetime.date) -> dict:
    """The parties of `place` that should sign `kind`, split by whether one of that kind is in
    force today: counts over all of them, and the first rows of each list."""
    in_force = Agreement.objects.in_force(today).filter(kind=kind).order_by("-signed_on", "-pk")
    rental = kind == Agreement.Kind.RENTAL
    if rental:
        parties = current_rentals(Rental.objects.visible_to(user), today)
        parties = parties.select_related("dwelling", "place__parent").order_by(
            "place_path", "dwelling__address", "pk"
        )
        signed = in_force.filter(rental=OuterRef("pk"))
    else:
        parties = open_units(LocalUnit.objects.visible_to(user), today)
        if unit_kind:
            parties = parties.filter(kind=unit_kind)
        parties = parties.select_related("place__parent").order_by("place_path", "name", "pk")
        signed = in_force.filter(unit=OuterRef("pk"))
    parties = parties.filter(place_path__under=place.path).annotate(
        agreement_id=Subquery(signed.values("pk")[:1]),
        agreement_ends=Subquery(signed.values("ends_on")[:1]),
    )
    counts = parties.aggregate(total=Count("pk"), signed=Count("agreement_id"))
    total, done = counts["total"], counts["signed"]
    return {
        "rental": rental,
        "wide": _wide(place),
        "total": total,
        "signed": done,
        "unsigned": total - done,
        "rate": f"{done / total * 100:.1f}%" if total else "—",
        "signed_rows": list(parties.filter(agreement_id__isnull=False)[:COVERAGE_ROWS]),
        "unsigned_rows": list(parties.filter(agreement_id__isnull=True)[:COVERAGE_ROWS]),
    }


@login_required
@require_http_methods(["GET"])
def agreement_coverage(request: HttpRequest) -> HttpResponse:
    """签订情况: choose a kind and a place; the units (for 出租房屋治安责任书, the current
    rentals) there with and without an agreement of that kind in force today."""
    require(request.user, Perm.VIEW_RECORDS)
    data = request.GET.copy()
    data.setdefault("kind", Agreement.Kind.FIRE)
    if request.user.place_id:
        data.setdefault("place", str(request.user.place_id))
    form = CoverageForm(data, user=request.user)
    today = timezone.localdate()
    result = None
    if form.is_valid():
        chosen = form.cleaned_data
        result = _coverage(
            request.user, chosen["kind"], chosen["place"], chosen["unit_kind"], today
        )
    return render(
        request,
        "inspections/agreement_coverage.html",
        {
            "form": form,
            "result": result,
            "kind": form.cleaned_data.get("kind", "") if form.is_valid() else "",
            "today": today,
            "limit": COVERAGE_ROWS,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )
