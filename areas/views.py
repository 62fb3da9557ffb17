from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas import services
from areas.forms import MoveGridForm, PlaceForm, RetireForm
from areas.kinds import CHILD_KIND, PlaceKind
from areas.models import Place
from shequ import home as home_figures
from shequ import locking
from shequ.errors import DomainError, add_to_form


@login_required
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """A user's home is the page of the place they are assigned to."""
    if request.user.place_id:
        return redirect("areas:place-detail", pk=request.user.place_id)
    return redirect("areas:place-list")


@login_required
@require_http_methods(["GET"])
def place_list(request: HttpRequest) -> HttpResponse:
    """The whole tree in scope, for moving around it and maintaining it."""
    require(request.user, Perm.VIEW_PLACES)
    places = list(Place.objects.visible_to(request.user).order_by("code"))
    show_retired = request.GET.get("retired") == "1"
    if not show_retired:
        places = [p for p in places if not p.is_retired]
    top_depth = min((p.depth for p in places), default=0)
    rows = [(p, p.depth - top_depth) for p in places]
    return render(
        request,
        "areas/place_list.html",
        {
            "rows": rows,
            "show_retired": show_retired,
            "can_add_district": has_perm(request.user, Perm.MANAGE_PLACES)
            and request.user.scope_path == "",
        },
    )


def _children_with_counts(place: Place) -> list[tuple[Place, int]]:
    """Each child of `place` with the number of active places directly under it."""
    children = list(place.children.order_by(F("retired_on").asc(nulls_first=True), "code"))
    grand = dict(
        Place.objects.filter(parent__parent=place, retired_on__isnull=True)
        .values_list("parent_id")
        .annotate(n=Count("id"))
    )
    return [(child, grand.get(child.pk, 0)) for child in children]


@login_required
@require_http_methods(["GET"])
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_for_user(Place.objects.select_related("parent"), request.user, pk=pk)
    tiles = home_figures.tiles(request.user, place)
    if has_perm(request.user, Perm.MANAGE_ACCOUNTS):
        accounts = User.objects.visible_to(request.user).filter(
            place__path__under=place.path, is_active=True
        )
        tiles.append(
            home_figures.Tile(_("在用账号"), accounts.count(), reverse("accounts:user-list"))
        )
    child_kind = CHILD_KIND[PlaceKind(place.kind)]
    return render(
        request,
        "areas/place_detail.html",
        {
            "place": place,
            "current_place": place,
            "tiles": tiles,
            "children": _children_with_counts(place),
            "child_kind": PlaceKind(child_kind).label if child_kind else None,
            "grandchild_kind": (
                PlaceKind(CHILD_KIND[child_kind]).label
                if child_kind and CHILD_KIND[child_kind]
                else None
            ),
            "can_manage": has_perm(request.user, Perm.MANAGE_PLACES),
        },
    )


@login_required
@require_http_methods(["GET"])
def place_switch(request: HttpRequest) -> HttpResponse:
    """The place switcher's target: go to the chosen place, if it is in scope."""
    raw = request.GET.get("place", "")
    if not raw.isdigit():
        return redirect("areas:home")
    place = get_for_user(Place.objects, request.user, pk=int(raw))
    return redirect("areas:place-detail", pk=place.pk)


def _form_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    place = context.get("place")
    back = reverse("areas:place-detail", args=[place.pk]) if place else reverse("areas:place-list")
    return render(
        request, template, {"current_place": place, "back": back, **context}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def district_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_PLACES)
    form = PlaceForm(request.POST or None, kind=PlaceKind.DISTRICT)
    if request.method == "POST" and form.is_valid():
        try:
            place = services.create_place(
                kind=PlaceKind.DISTRICT, parent=None, **form.cleaned_data, by=request.user
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已新增%(place)s") % {"place": place})
            return redirect("areas:place-detail", pk=place.pk)
    return _form_page(request, "_form_page.html", {"form": form, "title": _("新增区")})


@login_required
@require_http_methods(["GET", "POST"])
def place_add_child(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_for_user(Place.objects, request.user, perm=Perm.MANAGE_PLACES, pk=pk)
    kind = CHILD_KIND[PlaceKind(parent.kind)]
    if kind is None:
        messages.error(request, _("网格之下不能再设区划"))
        return redirect("areas:place-detail", pk=parent.pk)
    form = PlaceForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            place = services.create_place(
                kind=kind, parent=parent, **form.cleaned_data, by=request.user
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已新增%(place)s") % {"place": place})
            return redirect("areas:place-detail", pk=parent.pk)
    return _form_page(
        request,
        "_form_page.html",
        {
            "form": form,
            "place": parent,
            "title": _("在%(parent)s下新增%(kind)s")
            % {"parent": parent.name, "kind": PlaceKind(kind).label},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_for_user(Place.objects, request.user, perm=Perm.MANAGE_PLACES, pk=pk)
    initial = {"name": place.name, "code": place.code, "version": place.version}
    form = PlaceForm(request.POST or None, kind=place.kind, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_place(
                place,
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"] or place.code,
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, place, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("areas:place-detail", pk=place.pk)
    return _form_page(
        request,
        "_form_page.html",
        {"form": form, "place": place, "title": _("修改%(place)s") % {"place": place.name}},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_move(request: HttpRequest, pk: int) -> HttpResponse:
    grid = get_for_user(Place.objects, request.user, perm=Perm.MANAGE_PLACES, pk=pk)
    if grid.kind != PlaceKind.GRID:
        messages.error(request, _("只能调整网格的归属"))
        return redirect("areas:place-detail", pk=grid.pk)
    communities = (
        Place.objects.visible_to(request.user)
        .active()
        .filter(kind=PlaceKind.COMMUNITY)
        .exclude(pk=grid.parent_id)
        .order_by("code")
    )
    form = MoveGridForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_grid(grid, to=form.cleaned_data["to"], by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("网格已调入%(to)s") % {"to": form.cleaned_data["to"]})
            return redirect("areas:place-detail", pk=grid.pk)
    return _form_page(
        request,
        "_form_page.html",
        {"form": form, "place": grid, "title": _("调整%(place)s的归属") % {"place": grid.name}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_retire(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_for_user(Place.objects, request.user, perm=Perm.MANAGE_PLACES, pk=pk)
    form = RetireForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.retire_place(place, on=form.cleaned_data["on"], by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("%(place)s已撤销，历史记录保留") % {"place": place})
            return redirect("areas:place-detail", pk=place.pk)
    return _form_page(
        request,
        "_form_page.html",
        {
            "form": form,
            "place": place,
            "title": _("撤销%(place)s") % {"place": place.name},
            "warning": _("撤销后不能再在此区划下登记新的工作，已有记录和历史全部保留。"),
        },
    )
