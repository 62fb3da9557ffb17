from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.paging import place_page
from audit.masking import mask
from people import idnumber, queries, services
from people.forms import (
    RESIDENT_FORM_FIELDS,
    DateForm,
    HeadForm,
    HouseholdForm,
    LeaveForm,
    MembershipForm,
    MergeForm,
    MoveInForm,
    ResidentFilterForm,
    ResidentForm,
    SplitForm,
)
from people.models import GroupCategory, Household, Membership, Residence, Resident
from people.services import DuplicateResident, PossibleDuplicate, ResidentData
from shequ import locking
from shequ.errors import DomainError, add_to_form


def resident_error(form, exc: DomainError, user) -> None:
    """Duplicates are named and linked only when they lie in the user's own place."""
    visible = Resident.objects.visible_to(user)
    if isinstance(exc, DuplicateResident):
        if visible.filter(pk=exc.existing.pk).exists():
            url = reverse("people:resident-detail", args=[exc.existing.pk])
            message = format_html('{} <a href="{}">{}</a>', exc.message, url, _("查看"))
        else:
            message = _("该身份证号码已在其他辖区登记为居民，请联系其所在社区办理迁入。")
        form.add_error("id_number", message)
    elif isinstance(exc, PossibleDuplicate):
        shown = [r for r in exc.similar if visible.filter(pk=r.pk).exists()]
        names = "、".join(f"{r.name}（{r.place.name}）" for r in shown)
        others = len(exc.similar) - len(shown)
        message = _("已有同名且出生日期相同的居民：%(names)s，请确认不是同一人") % {
            "names": names or _("其他辖区%(n)d人") % {"n": others}
        }
        form.add_error("confirm_similar", message)
    else:
        add_to_form(form, exc)


def resident_data(cleaned: dict) -> ResidentData:
    fields = {k: v for k, v in cleaned.items() if k not in ("confirm_similar", "version")}
    fields = {k: ("" if v is None and k not in ("birth_date",) else v) for k, v in fields.items()}
    return ResidentData(**fields)


@login_required
@require_http_methods(["GET"])
def resident_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    filters = ResidentFilterForm(request.GET or None, user=request.user)
    residents = Resident.objects.visible_to(request.user)
    after = request.GET.get("after", "")
    after_pk = int(after) if after.isdigit() else None
    query = request.GET.copy()
    query.pop("after", None)
    if not filters.is_bound:
        rows, more = queries.page_of(residents.present(), request.user, after_pk)
    elif not filters.is_valid():
        rows, more = queries.page_of(residents.none(), request.user, after_pk)
    else:
        rows, more, by_address = queries.list_page(
            residents,
            filters.cleaned_data,
            request.user,
            after_pk,
            by_address=request.GET.get("in") == "address",
        )
        if by_address:
            query["in"] = "address"
    return render(
        request,
        "people/resident_list.html",
        {
            "rows": rows,
            "filters": filters,
            "more": more,
            "query": query.urlencode(),
            "is_first_page": not after,
            "today": timezone.localdate(),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    form = ResidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.register_resident(
                resident_data(form.cleaned_data),
                by=request.user,
                confirm_similar=form.cleaned_data["confirm_similar"],
            )
        except DomainError as exc:
            resident_error(form, exc, request.user)
        else:
            messages.success(request, _("已登记居民%(name)s") % {"name": resident.name})
            return redirect("people:resident-detail", pk=resident.pk)
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": _("登记居民"), "back": reverse("people:resident-list")},
    )


def _detail_context(request, resident: Resident, revealed: dict | None = None) -> dict:
    user = request.user
    residences = list(
        resident.residences.select_related("household__dwelling").order_by("-since", "-id")
    )
    current = next((r for r in residences if r.until is None), None)
    memberships = list(
        Membership.objects.visible_to(user)
        .filter(resident=resident)
        .select_related("category")
        .prefetch_related("category__attributes")
        .order_by("end", "-start")
    )
    household_groups = []
    if current is not None:
        household_groups = list(
            Membership.objects.visible_to(user)
            .filter(household=current.household)
            .select_related("category")
            .prefetch_related("category__attributes")
        )
    revealed = revealed or {}
    return {
        "resident": resident,
        "current_place": resident.place,
        "residences": residences,
        "current": current,
        "memberships": memberships,
        "household_groups": household_groups,
        "id_number": revealed.get("id_number") or mask(resident.id_number),
        "phone": revealed.get("phone") or mask(resident.phone),
        "revealed": revealed,
        "can_reveal": has_perm(user, Perm.VIEW_SENSITIVE),
        "can_edit": has_perm(user, Perm.EDIT_RECORDS),
        "categories": GroupCategory.objects.visible_to(user).filter(
            active=True, subject=GroupCategory.Subject.RESIDENT
        ),
        "age": resident.age_on(timezone.localdate()),
        "leave_form": LeaveForm(initial={"on": timezone.localdate()}),
    }


@login_required
@require_http_methods(["GET"])
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = get_for_user(Resident.objects.select_related("place"), request.user, pk=pk)
    # A reveal just posted (and audited) shows once; reloading the page does not repeat it.
    revealed = {}
    pending = request.session.pop("revealed", None)
    if pending and pending.get("resident") == resident.pk:
        field = pending.get("field")
        if field in Resident.sensitive_fields and has_perm(request.user, Perm.VIEW_SENSITIVE):
            revealed[field] = getattr(resident, field)
    return render(
        request, "people/resident_detail.html", _detail_context(request, resident, revealed)
    )


@login_required
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows one masked field in full, to roles that may see it; every reveal is audited."""
    resident = get_for_user(
        Resident.objects.select_related("place"), request.user, pk=pk, perm=Perm.VIEW_SENSITIVE
    )
    field = request.POST.get("field", "")
    try:
        services.reveal(resident, field, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        request.session["revealed"] = {"resident": resident.pk, "field": field}
    return redirect("people:resident-detail", pk=resident.pk)


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = get_for_user(Resident.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    hidden = ("id_number", "phone")
    initial = {f: getattr(resident, f) for f in RESIDENT_FORM_FIELDS if f not in hidden}
    initial.update(place=resident.place_id, version=resident.version)
    form = ResidentForm(request.POST or None, user=request.user, initial=initial, current=resident)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resident(
                resident,
                resident_data(form.cleaned_data),
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, resident, exc)
            status = 409
        except DomainError as exc:
            resident_error(form, exc, request.user)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:resident-detail", pk=resident.pk)
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("修改%(name)s的信息") % {"name": resident.name},
            "back": reverse("people:resident-detail", args=[resident.pk]),
            "current_place": resident.place,
        },
        status=status,
    )


@login_required
@require_POST
def resident_leave(request: HttpRequest, pk: int) -> HttpResponse:
    resident = get_for_user(Resident.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择事由并填写日期"))
        return redirect("people:resident-detail", pk=resident.pk)
    moving_out = form.cleaned_data["what"] == "move_out"
    service = services.move_out if moving_out else services.record_death
    try:
        service(resident, on=form.cleaned_data["on"], by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        done = _("已登记%(name)s迁出") if moving_out else _("已登记%(name)s死亡")
        messages.success(request, done % {"name": resident.name})
    return redirect("people:resident-detail", pk=resident.pk)


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    resident = get_for_user(
        Resident.objects.select_related("place"), request.user, pk=pk, perm=Perm.EDIT_RECORDS
    )
    category = get_category(request.user, code)
    household = (
        _current_household(resident) if category.subject == category.Subject.HOUSEHOLD else None
    )
    return _membership_page(
        request,
        category,
        resident=None if household else resident,
        household=household,
        place=resident.place,
        back=reverse("people:resident-detail", args=[resident.pk]),
        title=_("%(name)s：登记%(group)s") % {"name": resident.name, "group": category.name},
    )


def _membership_page(request, category, *, resident, household, place, back, title):
    """The membership form of a resident's or a household's page."""
    form = MembershipForm(request.POST or None, category=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_membership(
                category,
                resident=resident,
                household=household,
                start=form.cleaned_data["start"],
                attributes=form.attributes(),
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已登记为%(group)s") % {"group": category.name})
            return redirect(back)
    return render(
        request,
        "people/membership_form.html",
        {"form": form, "category": category, "current_place": place, "back": back, "title": title},
    )


def _current_household(resident: Resident) -> Household | None:
    residence = resident.residences.filter(until__isnull=True).select_related("household").first()
    return residence.household if residence else None


def get_category(user, code: str) -> GroupCategory:
    """A category the user's role may see, or 404."""
    return get_object_or_404(GroupCategory.objects.visible_to(user), code=code)


@login_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_for_user(
        Membership.objects.select_related("category"), request.user, pk=pk, perm=Perm.EDIT_RECORDS
    )
    form = DateForm(request.POST)
    back = (
        reverse("people:resident-detail", args=[membership.resident_id])
        if membership.resident_id
        else reverse("people:household-detail", args=[membership.household_id])
    )
    if not form.is_valid():
        messages.error(request, _("请填写结束日期"))
        return redirect(back)
    try:
        services.end_membership(membership, end=form.cleaned_data["on"], by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(group)s登记已结束") % {"group": membership.category.name})
    return redirect(back)


# --- Households.


@login_required
@require_http_methods(["GET"])
def household_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    households = Household.objects.visible_to(request.user).filter(dissolved_on__isnull=True)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        households = households.filter(number__contains=q) | households.filter(
            dwelling__address__contains=q
        )
    page = place_page(households.select_related("head", "dwelling", "place"), request)
    counts = dict(
        Residence.objects.filter(household__in=page.rows, until__isnull=True)
        .values_list("household")
        .annotate(n=Count("id"))
    )
    return render(
        request,
        "people/household_list.html",
        {
            "rows": [(h, counts.get(h.pk, 0)) for h in page.rows],
            "more": page.more,
            "q": q,
            "is_first_page": page.is_first,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    form = HouseholdForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        head = _resident_by_id_number(request.user, form, "head_id_number")
        if head is not None:
            try:
                household = services.create_household(
                    number=form.cleaned_data["number"],
                    place=form.cleaned_data["place"],
                    head=head,
                    since=form.cleaned_data["since"],
                    registration=form.cleaned_data["registration"],
                    by=request.user,
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已建户%(number)s") % {"number": household.number})
                return redirect("people:household-detail", pk=household.pk)
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": _("新建户"), "back": reverse("people:household-list")},
    )


def _resident_by_id_number(user, form, field: str) -> Resident | None:
    try:
        number = idnumber.parse(form.cleaned_data[field]).number
    except DomainError as exc:
        form.add_error(field, exc.message)
        return None
    resident = Resident.objects.visible_to(user).filter(id_number=number).first()
    if resident is None:
        form.add_error(field, _("本辖区没有登记该身份证号码的居民，请先登记居民"))
    return resident


@login_required
@require_http_methods(["GET"])
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_for_user(
        Household.objects.select_related("place", "dwelling", "head"), request.user, pk=pk
    )
    return _household_page(request, household)


def _household_page(request, household: Household, *, status: int = 200, **forms):
    """The household's page; `forms` replaces a change form with the one posted (a stale page
    shows what was typed)."""
    version = {"version": household.version}
    today = timezone.localdate()
    forms = {
        "move_in_form": MoveInForm(initial={"since": today, **version}),
        "head_form": HeadForm(household=household, initial=version),
        "split_form": SplitForm(household=household, initial={"on": today, **version}),
        "merge_form": MergeForm(initial={"on": today, **version}),
        **forms,
    }
    on = DateForm(request.GET or None)
    day = on.cleaned_data["on"] if on.is_bound and on.is_valid() else None
    residences = household.residences.select_related("resident").order_by("until", "since", "id")
    if day is not None:
        residences = residences.on(day)
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "current_place": household.place,
            "residences": list(residences),
            "day": day,
            "date_form": on if on.is_bound else DateForm(),
            "groups": Membership.objects.visible_to(request.user)
            .filter(household=household)
            .select_related("category")
            .prefetch_related("category__attributes"),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
            **forms,
            "categories": GroupCategory.objects.visible_to(request.user).filter(
                active=True, subject=GroupCategory.Subject.HOUSEHOLD
            ),
            "today": today,
        },
        status=status,
    )


def _stale_household(request, household: Household, form, slot: str, exc) -> HttpResponse:
    """409: the household changed since its page was opened; the posted form comes back as
    typed, with the version as it is now."""
    locking.show_stale(form, household, exc)
    household.refresh_from_db()
    return _household_page(request, household, status=409, **{slot: form})


@login_required
@require_POST
def household_move_in(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_for_user(Household.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = MoveInForm(request.POST)
    if form.is_valid():
        resident = _resident_by_id_number(request.user, form, "id_number")
        if resident is not None:
            try:
                services.move_in(
                    household,
                    resident,
                    relation=form.cleaned_data["relation"],
                    since=form.cleaned_data["since"],
                    by=request.user,
                    version=form.cleaned_data["version"],
                )
            except locking.StaleEdit as exc:
                return _stale_household(request, household, form, "move_in_form", exc)
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("%(name)s已迁入本户") % {"name": resident.name})
                return redirect("people:household-detail", pk=household.pk)
    for error in form.errors.values():
        for message in error:
            messages.error(request, message)
    return redirect("people:household-detail", pk=household.pk)


@login_required
@require_http_methods(["GET", "POST"])
def household_membership_add(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    household = get_for_user(
        Household.objects.select_related("place"), request.user, pk=pk, perm=Perm.EDIT_RECORDS
    )
    category = get_category(request.user, code)
    return _membership_page(
        request,
        category,
        resident=None,
        household=household,
        place=household.place,
        back=reverse("people:household-detail", args=[household.pk]),
        title=_("户%(number)s：登记%(group)s")
        % {"number": household.number, "group": category.name},
    )


def _household_change(request, pk: int, form_class, slot: str, apply) -> HttpResponse:
    """Shared shape of the household changes posted from its page: check, apply, report."""
    household = get_for_user(Household.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = form_class(request.POST, household=household)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("people:household-detail", pk=household.pk)
    try:
        target = apply(household, form.cleaned_data)
    except locking.StaleEdit as exc:
        return _stale_household(request, household, form, slot, exc)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:household-detail", pk=household.pk)
    messages.success(request, _("已保存"))
    return redirect("people:household-detail", pk=target.pk)


@login_required
@require_POST
def household_head(request: HttpRequest, pk: int) -> HttpResponse:
    return _household_change(
        request,
        pk,
        HeadForm,
        "head_form",
        lambda h, data: services.set_head(
            h, data["head"], by=request.user, version=data["version"]
        ),
    )


@login_required
@require_POST
def household_split(request: HttpRequest, pk: int) -> HttpResponse:
    return _household_change(
        request,
        pk,
        SplitForm,
        "split_form",
        lambda h, data: services.split_household(
            h,
            members=list(data["members"]),
            number=data["number"],
            head=data["head"],
            on=data["on"],
            by=request.user,
            version=data["version"],
        ),
    )


@login_required
@require_POST
def household_merge(request: HttpRequest, pk: int) -> HttpResponse:
    def merge(household, data):
        target = (
            Household.objects.visible_to(request.user).filter(number=data["into"].strip()).first()
        )
        if target is None:
            raise DomainError(_("本辖区没有户号为%(n)s的户") % {"n": data["into"]})
        return services.merge_households(
            household, target, on=data["on"], by=request.user, version=data["version"]
        )

    return _household_change(request, pk, MergeForm, "merge_form", merge)
