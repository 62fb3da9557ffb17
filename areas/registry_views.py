"""Dwellings and local units: lists, registration and changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas import registry
from areas.forms import DwellingForm, LocalUnitForm
from areas.models import Dwelling, LocalUnit
from areas.paging import place_page
from shequ import locking
from shequ.errors import DomainError, add_to_form


@login_required
@require_http_methods(["GET"])
def dwelling_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    dwellings = Dwelling.objects.visible_to(request.user).select_related("place")
    q = request.GET.get("q", "").strip()[:50]
    usage = request.GET.get("usage", "")
    if q:
        dwellings = dwellings.filter(address__contains=q)
    if usage in Dwelling.Usage.values:
        dwellings = dwellings.filter(usage=usage)
    dwellings = dwellings.annotate(
        households_now=Count("households", filter=Q(households__dissolved_on__isnull=True))
    )
    page = place_page(dwellings, request)
    return render(
        request,
        "areas/dwelling_list.html",
        {
            "rows": page.rows,
            "more": page.more,
            "query": page.query,
            "is_first_page": page.is_first,
            "q": q,
            "usage": usage,
            "usages": Dwelling.Usage.choices,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


def _dwelling_form(request, dwelling: Dwelling | None) -> HttpResponse:
    initial = {}
    if dwelling is not None:
        building = dwelling.building
        initial = {
            "place": dwelling.place_id,
            "address": dwelling.address,
            "usage": dwelling.usage,
            "unit": dwelling.unit,
            "room": dwelling.room,
            "area": dwelling.area,
            "building_name": building.name if building else "",
            "estate_name": building.estate.name if building and building.estate else "",
            "version": dwelling.version,
        }
    form = DwellingForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = registry.save_dwelling(dwelling, **form.cleaned_data, by=request.user)
        except locking.StaleEdit as exc:
            locking.show_stale(form, dwelling, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存房屋%(a)s") % {"a": saved.address})
            return redirect("areas:dwelling-list")
    title = _("登记房屋") if dwelling is None else _("修改房屋")
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": title, "back": reverse("areas:dwelling-list")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dwelling_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    return _dwelling_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def dwelling_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_for_user(
        Dwelling.objects.select_related("building__estate"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS,
    )
    return _dwelling_form(request, dwelling)


@login_required
@require_http_methods(["GET"])
def unit_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    units = LocalUnit.objects.visible_to(request.user).select_related("place")
    q = request.GET.get("q", "").strip()[:50]
    kind = request.GET.get("kind", "")
    if q:
        units = units.filter(
            Q(name__contains=q) | Q(credit_code=q.upper()) | Q(address__contains=q)
        )
    if kind in LocalUnit.Kind.values:
        units = units.filter(kind=kind)
    page = place_page(units, request)
    return render(
        request,
        "areas/unit_list.html",
        {
            "rows": page.rows,
            "more": page.more,
            "query": page.query,
            "is_first_page": page.is_first,
            "q": q,
            "kind": kind,
            "kinds": LocalUnit.Kind.choices,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


def _unit_form(request, unit: LocalUnit | None) -> HttpResponse:
    initial = {}
    if unit is not None:
        fields = ["name", "credit_code", "kind", "address", "contact_name",
                  "legal_representative", "closed_on", "notes"]  # fmt: skip
        initial = {f: getattr(unit, f) for f in fields}
        initial.update(place=unit.place_id, version=unit.version)
    form = LocalUnitForm(request.POST or None, user=request.user, initial=initial, current=unit)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = registry.save_unit(unit, **form.cleaned_data, by=request.user)
        except locking.StaleEdit as exc:
            locking.show_stale(form, unit, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存单位%(n)s") % {"n": saved.name})
            return redirect("areas:unit-list")
    title = _("登记辖区单位") if unit is None else _("修改辖区单位")
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": title, "back": reverse("areas:unit-list")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    return _unit_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_for_user(LocalUnit.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    return _unit_form(request, unit)
