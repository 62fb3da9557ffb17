"""Staff, organisations, rentals and the special-group catalogue."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.models import Dwelling
from areas.paging import place_page
from audit.masking import mask
from people import idnumber, queries, services
from people.forms import (
    ORGANISATION_FORM_FIELDS,
    STAFF_FORM_FIELDS,
    AttributeForm,
    CategoryForm,
    DateForm,
    OrganisationForm,
    OrganisationMemberForm,
    RenewTermForm,
    RentalEditForm,
    RentalForm,
    StaffForm,
    communities,
)
from people.models import (
    GroupCategory,
    Household,
    Organisation,
    OrganisationMember,
    Rental,
    Resident,
    Staff,
)
from shequ import locking
from shequ.errors import DomainError, add_to_form


def _can_create_in_community(user) -> bool:
    """Staff and organisations belong to a community: a grid worker has none to add them to."""
    return has_perm(user, Perm.EDIT_RECORDS) and communities(user).exists()


def _form_page(request, form, title: str, back: str, status: int = 200) -> HttpResponse:
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": title, "back": reverse(back)},
        status=status,
    )


# --- Staff.


@login_required
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    today = timezone.localdate()
    staff = (
        Staff.objects.visible_to(request.user)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("place")
        .order_by("place__code", "start_date", "id")
    )
    rows = list(staff)
    stats = queries.staff_figures(staff, today)
    return render(
        request,
        "people/staff_list.html",
        {
            "rows": rows,
            "stats": stats,
            "today": today,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
            "can_create": _can_create_in_community(request.user),
        },
    )


def _staff_form(request, staff: Staff | None) -> HttpResponse:
    initial = {}
    if staff is not None:
        initial = {f: getattr(staff, f) for f in STAFF_FORM_FIELDS if f != "phone"}
        initial["place"], initial["version"] = staff.place_id, staff.version
    form = StaffForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if staff is not None and staff.phone:
        form.fields["phone"].help_text = _("当前：%(m)s；留空则不变") % {"m": mask(staff.phone)}
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        if staff is not None and not values.get("phone"):
            values["phone"] = staff.phone
        try:
            services.save_staff(staff, **values, by=request.user)
        except locking.StaleEdit as exc:
            locking.show_stale(form, staff, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:staff-list")
    title = _("登记社区工作者") if staff is None else _("修改%(n)s的信息") % {"n": staff.name}
    return _form_page(request, form, title, "people:staff-list", status)


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    return _staff_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_for_user(Staff.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    return _staff_form(request, staff)


# --- Organisations.


@login_required
@require_http_methods(["GET"])
def organisation_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    organisations = (
        Organisation.objects.visible_to(request.user)
        .select_related("place")
        .annotate(members_now=Count("members", filter=Q(members__until__isnull=True)))
        .order_by("place__code", "kind", "name")
    )
    return render(
        request,
        "people/organisation_list.html",
        {
            "rows": organisations,
            "today": timezone.localdate(),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
            "can_create": _can_create_in_community(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.save_organisation(None, **form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect("people:organisation-detail", pk=organisation.pk)
    return _form_page(request, form, _("新建组织"), "people:organisation-list")


@login_required
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation, its members past and present; editing it and adding members."""
    if request.method == "POST":
        require(request.user, Perm.EDIT_RECORDS)
    organisation = get_for_user(Organisation.objects.select_related("place"), request.user, pk=pk)
    initial = {f: getattr(organisation, f) for f in ORGANISATION_FORM_FIELDS}
    initial["place"] = organisation.place_id
    form = OrganisationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_organisation(organisation, **form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:organisation-detail", pk=organisation.pk)
    return _organisation_page(request, organisation, form)


def _organisation_page(request, organisation, form, renew_form=None, status: int = 200):
    members = organisation.members.select_related("resident", "staff").order_by(
        "until", "since", "id"
    )
    return render(
        request,
        "people/organisation_detail.html",
        {
            "organisation": organisation,
            "form": form,
            "members": members,
            "current_place": organisation.place,
            "member_form": OrganisationMemberForm(
                organisation=organisation, initial={"since": timezone.localdate()}
            ),
            "renew_form": renew_form or RenewTermForm(organisation=organisation),
            "today": timezone.localdate(),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
        status=status,
    )


@login_required
@require_POST
def organisation_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_for_user(Organisation.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = OrganisationMemberForm(request.POST, organisation=organisation)
    if form.is_valid():
        resident = None
        number = form.cleaned_data["id_number"].strip()
        try:
            if number:
                resident = (
                    Resident.objects.visible_to(request.user)
                    .filter(id_number=idnumber.parse(number).number)
                    .first()
                )
                if resident is None:
                    raise DomainError(_("本辖区没有登记该身份证号码的居民"))
            services.add_organisation_member(
                organisation,
                role=form.cleaned_data["role"],
                since=form.cleaned_data["since"],
                resident=resident,
                staff=form.cleaned_data["staff"],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已添加成员"))
    else:
        messages.error(request, _("请填写职务和加入日期"))
    return redirect("people:organisation-detail", pk=organisation.pk)


@login_required
@require_POST
def organisation_member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(OrganisationMember, pk=pk)
    organisation = get_for_user(
        Organisation.objects, request.user, pk=member.organisation_id, perm=Perm.EDIT_RECORDS
    )
    form = DateForm(request.POST)
    if form.is_valid():
        try:
            services.end_organisation_member(member, until=form.cleaned_data["on"], by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请填写退出日期"))
    return redirect("people:organisation-detail", pk=organisation.pk)


@login_required
@require_POST
def organisation_renew(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_for_user(Organisation.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = RenewTermForm(request.POST, organisation=organisation)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label}：{'；'.join(errors)}")
        return redirect("people:organisation-detail", pk=organisation.pk)
    data = form.cleaned_data
    try:
        left = services.renew_term(
            organisation, start=data["start"], end=data["end"], keep=list(data["keep"]),
            by=request.user, version=data["version"],
        )  # fmt: skip
    except locking.StaleEdit as exc:
        # The page as it is now, with the renewal as typed on it (and the version moved on).
        locking.show_stale(form, organisation, exc)
        organisation.refresh_from_db()
        initial = {f: getattr(organisation, f) for f in ORGANISATION_FORM_FIELDS}
        initial["place"] = organisation.place_id
        edit = OrganisationForm(user=request.user, initial=initial)
        return _organisation_page(request, organisation, edit, renew_form=form, status=409)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已换届：新一届自%(d)s起，%(n)d名成员退出") % {"d": data["start"], "n": left},
        )
    return redirect("people:organisation-detail", pk=organisation.pk)


# --- Rentals.


@login_required
@require_http_methods(["GET"])
def rental_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    today = timezone.localdate()
    current = request.GET.get("all") != "1"
    rentals = Rental.objects.visible_to(request.user).select_related("dwelling", "place")
    if current:
        rentals = rentals.filter(start__lte=today).filter(Q(end__isnull=True) | Q(end__gte=today))
    page = place_page(rentals, request)
    context = {
        "rows": page.rows,
        "current": current,
        "today": today,
        "soon": today + datetime.timedelta(days=30),
        "more": page.more,
        "query": page.query,
        "is_first_page": page.is_first,
        "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
    }
    return render(request, "people/rental_list.html", context)


def _tenant_household(
    request: HttpRequest, form, current: Household | None = None
) -> tuple[Household | None, bool]:
    """The tenant household the form names by number, and whether the number (if any) was
    found in the user's place. The rental's current tenant stays without a look-up: a grid
    worker may edit a rental whose tenants live in another grid."""
    number = form.cleaned_data["tenant_household"].strip()
    if not number:
        return None, True
    if current is not None and number == current.number:
        return current, True
    household = Household.objects.visible_to(request.user).filter(number=number).first()
    if household is None:
        form.add_error("tenant_household", _("本辖区没有该户号"))
    return household, household is not None


def _rental_terms(form, household: Household | None) -> services.RentalTerms:
    data = form.cleaned_data
    return services.RentalTerms(
        landlord_name=data["landlord_name"],
        landlord_phone=data["landlord_phone"],
        start=data["start"],
        end=data["end"],
        purpose=data["purpose"],
        tenants=data["tenants"],
        tenant_name=data["tenant_name"],
        tenant_household=household,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rental_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    form = RentalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dwelling = (
            Dwelling.objects.visible_to(request.user)
            .filter(address=form.cleaned_data["address"].strip())
            .first()
        )
        household, found = _tenant_household(request, form)
        if dwelling is None:
            form.add_error("address", _("本辖区没有登记该地址的房屋，请先登记房屋"))
        elif found:
            try:
                services.register_rental(dwelling, _rental_terms(form, household), by=request.user)
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已登记出租房屋"))
                return redirect("people:rental-list")
    return _form_page(request, form, _("登记出租房屋"), "people:rental-list")


@login_required
@require_http_methods(["GET", "POST"])
def rental_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rental = get_for_user(
        Rental.objects.select_related("dwelling", "tenant_household"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS,
    )
    form = RentalEditForm(request.POST or None, rental=rental)
    status = 200
    if request.method == "POST" and form.is_valid():
        household, found = _tenant_household(request, form, current=rental.tenant_household)
        if found:
            try:
                services.update_rental(
                    rental, _rental_terms(form, household), by=request.user,
                    version=form.cleaned_data["version"],
                )  # fmt: skip
            except locking.StaleEdit as exc:
                locking.show_stale(form, rental, exc)
                status = 409
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已保存出租房屋登记"))
                return redirect("people:rental-list")
    title = _("修改出租房屋登记：%(address)s") % {"address": rental.dwelling.address}
    return _form_page(request, form, title, "people:rental-list", status)


# --- The special-group catalogue.


@login_required
@require_http_methods(["GET", "POST"])
def category_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.save_category(**form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect("people:category-detail", pk=category.pk)
    categories = GroupCategory.objects.annotate(n=Count("attributes")).order_by("order", "id")
    return render(request, "people/category_list.html", {"categories": categories, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def category_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    category = get_object_or_404(GroupCategory, pk=pk)
    form = AttributeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_attribute(category, **form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已添加属性"))
            return redirect("people:category-detail", pk=category.pk)
    return render(
        request,
        "people/category_detail.html",
        {"category": category, "attributes": category.attributes.all(), "form": form},
    )


@login_required
@require_POST
def rental_end(request: HttpRequest, pk: int) -> HttpResponse:
    rental = get_for_user(Rental.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = DateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写结束日期"))
    else:
        try:
            services.end_rental(rental, end=form.cleaned_data["on"], by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("租赁已结束"))
    return redirect("people:rental-list")
