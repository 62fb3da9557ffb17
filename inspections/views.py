"""Inspection screens: the list; a new inspection in two steps, made for a phone on site (the
checklist and what is inspected, then the checklist itself); the inspection's page with its
answers, counts, photos and orders, and correcting it. Rectification orders: issuing one from
a failing item, the list with the overdue orders counted per inspector and per place, and the
order's page with its re-checks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.models import Dwelling, LocalUnit, Place
from inspections import services
from inspections.forms import (
    InspectionFilterForm,
    InspectionForm,
    PhotoForm,
    RecheckForm,
    RectificationFilterForm,
    RectificationForm,
    StartForm,
)
from inspections.models import (
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    InspectionFile,
    Rectification,
)
from inspections.queries import filter_inspections, filter_rectifications, order_initial
from shequ import files
from shequ.errors import DomainError, add_to_form

PAGE_SIZE = 50
FOUND_ROWS = 10  # units and dwellings offered for a search on step 1


def _refuse(form, error: DomainError) -> None:
    """A refused change on its form: under its field, or on top when that field is hidden
    (the chosen target, the failing item) or missing; an item named in the message is
    marked too."""
    field = form.fields.get(error.field or "")
    if field is not None and field.widget.is_hidden:
        form.add_error(None, error.message)
    else:
        add_to_form(form, error)
    if error.field == "answers" and hasattr(form, "mark_item"):
        form.mark_item(error.message)


def _before(queryset: QuerySet, request: HttpRequest, field: str) -> tuple[QuerySet, str]:
    """The rows after the page that ended at `before`, newest first by (`field`, id)."""
    before = request.GET.get("before", "")
    if before.isdigit():
        last = queryset.filter(pk=int(before)).values_list(field, flat=True).first()
        if last is not None:
            queryset = queryset.filter(**{f"{field}__lte": last}).exclude(
                **{field: last, "pk__gte": int(before)}
            )
    return queryset, before


def _page(rows: list, request: HttpRequest, before: str) -> dict:
    query = request.GET.copy()
    query.pop("before", None)
    return {
        "rows": rows[:PAGE_SIZE],
        "more": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "is_first_page": not before,
        "query": query.urlencode(),
    }


# --- Inspections ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def inspection_list(request: HttpRequest) -> HttpResponse:
    """The inspections in the user's place, newest first, with their result and open orders."""
    require(request.user, Perm.VIEW_RECORDS)
    filters = InspectionFilterForm(request.GET or None, user=request.user)
    inspections = Inspection.objects.visible_to(request.user)
    if filters.is_bound:
        filters.is_valid()  # the filters that were read apply; a refused one says why
        inspections = filter_inspections(inspections, filters)
    inspections, before = _before(inspections, request, "date")
    rows = list(
        inspections.select_related("place", "checklist_version__checklist")
        .prefetch_related(
            Prefetch("inspectors", queryset=User.objects.only("name", "username").order_by("pk"))
        )
        .annotate(
            open_orders=Count("rectifications", filter=Q(rectifications__closed_on__isnull=True))
        )
        .order_by("-date", "-pk")[: PAGE_SIZE + 1]
    )
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "filters": filters,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
            **_page(rows, request, before),
        },
    )


def _chosen_target(request: HttpRequest, target: str) -> tuple[LocalUnit | None, Dwelling | None]:
    """The unit or dwelling `target` ("u:12", "d:7") names: 404 outside the user's place."""
    if not target or target == "site":
        return None, None
    letter, pk = target.split(":")
    if letter == "u":
        return get_for_user(LocalUnit.objects.select_related("place"), request.user, pk=pk), None
    return None, get_for_user(Dwelling.objects.select_related("place"), request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request: HttpRequest) -> HttpResponse:
    """新增检查. Step 1 (GET) chooses the checklist and the target: `?unit=` or `?dwelling=`
    comes preselected from the unit's or dwelling's page. Step 2 is the checklist's form; it
    posts to the same address, which keeps the choices of step 1 in its query."""
    require(request.user, Perm.EDIT_RECORDS)
    user = request.user
    start = StartForm(request.GET, user=user)
    start.is_valid()
    chosen = start.cleaned_data
    target = chosen.get("target") or ""
    for name, letter in (("unit", "u"), ("dwelling", "d")):
        if not target and request.GET.get(name, "").isdigit():
            target = f"{letter}:{request.GET[name]}"
    unit, dwelling = _chosen_target(request, target)
    checklist = chosen.get("checklist")
    site = target == "site" and chosen.get("site") and chosen.get("place")
    ready = checklist is not None and (unit or dwelling or site)
    if request.method == "GET" and ("find" in request.GET or "step" in request.GET):
        ready = False
    if not ready:
        if request.method == "POST" or "next" in request.GET:
            _why_not_ready(start, checklist, target, chosen)
        return _start_page(request, start, target, unit, dwelling)
    version = _posted_version(request, checklist) or checklist.current()
    initial = {"date": timezone.localdate(), "inspectors": [user], "checklist_version": version.pk}
    if target == "site":
        initial.update(site=chosen["site"], place=chosen["place"].pk)
    form = InspectionForm(
        request.POST or None,
        request.FILES or None,
        user=user,
        checklist_version=version,
        site=target == "site",
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        uploads = [files.Upload.read(f) for f in form.cleaned_data["files"]]
        try:
            inspection = services.record_inspection(
                _inspection_data(form, unit, dwelling), by=user, uploads=uploads
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _saved_message(inspection))
            return redirect("inspections:inspection-detail", pk=inspection.pk)
    change = request.GET.copy()
    change["step"] = "1"
    return render(
        request,
        "inspections/inspection_form.html",
        {
            "form": form,
            "title": _("新增检查：%(c)s") % {"c": checklist.name},
            "target_name": unit.name if unit else dwelling.address if dwelling else "",
            "target_kind": _("辖区单位") if unit else _("房屋") if dwelling else _("场所/外环境"),
            "change_url": f"{reverse('inspections:inspection-create')}?{change.urlencode()}",
            "back": reverse("inspections:inspection-list"),
        },
    )


def _why_not_ready(start: StartForm, checklist, target: str, chosen: dict) -> None:
    if checklist is None and not start.has_error("checklist"):
        start.add_error("checklist", _("请选择检查表"))
    if not target:
        start.add_error("target", _("请选择检查对象：辖区单位、房屋或场所"))
    elif target == "site":
        if not chosen.get("site") and not start.has_error("site"):
            start.add_error("site", _("请填写场所名称"))
        if not chosen.get("place") and not start.has_error("place"):
            start.add_error("place", _("请选择场所所在的社区或网格"))


def _start_page(request: HttpRequest, start: StartForm, target, unit, dwelling) -> HttpResponse:
    """Step 1: the checklists, and the units and dwellings found for the search."""
    user = request.user
    q = start.cleaned_data.get("q", "")
    found_units, found_dwellings = [], []
    if q:
        found_units = list(
            LocalUnit.objects.visible_to(user)
            .filter(closed_on__isnull=True)
            .filter(Q(name__contains=q) | Q(address__contains=q))
            .select_related("place")
            .order_by("name")[:FOUND_ROWS]
        )
        found_dwellings = list(
            Dwelling.objects.visible_to(user)
            .filter(address__contains=q)
            .select_related("place")
            .order_by("address")[:FOUND_ROWS]
        )
    if unit is not None and unit not in found_units:
        found_units.insert(0, unit)
    if dwelling is not None and dwelling not in found_dwellings:
        found_dwellings.insert(0, dwelling)
    for each in found_units:
        each.checked = target == f"u:{each.pk}"
    for each in found_dwellings:
        each.checked = target == f"d:{each.pk}"
    return render(
        request,
        "inspections/inspection_start.html",
        {
            "start": start,
            "target": target,
            "q": q,
            "found_units": found_units,
            "found_dwellings": found_dwellings,
            "searched": bool(q),
        },
    )


def _posted_version(request: HttpRequest, checklist) -> ChecklistVersion | None:
    """The version the form was made from: answers name its items, even if a newer version
    was published while the form was open."""
    raw = request.POST.get("checklist_version", "")
    if request.method != "POST" or not raw.isdigit():
        return None
    return checklist.versions.filter(pk=int(raw), published_at__isnull=False).first()


def _inspection_data(
    form: InspectionForm, unit: LocalUnit | None, dwelling: Dwelling | None
) -> services.InspectionData:
    data = form.cleaned_data
    counts = form.count_data()
    return services.InspectionData(
        checklist_version=form.checklist_version,
        date=data["date"],
        unit=unit,
        dwelling=dwelling,
        site=data.get("site", ""),
        place=data.get("place"),
        inspectors=list(data["inspectors"]),
        other_inspectors=data["other_inspectors"],
        answers=form.answers(),
        answer_notes=form.answer_notes(),
        counts=counts,
        outdoor_metres=data.get("outdoor_metres"),
        burrows=data.get("burrows"),
        notes=data["notes"],
    )


def _saved_message(inspection: Inspection) -> str:
    if inspection.passed:
        return _("已登记检查，结果合格")
    return _("已登记检查，发现%(n)s项不合格，可在下方对须整改的项目下达整改通知") % {
        "n": inspection.failures
    }


def _get_inspection(request: HttpRequest, pk: int, *, edit: bool = False) -> Inspection:
    return get_for_user(
        Inspection.objects.select_related(
            "place", "checklist_version__checklist", "unit", "dwelling", "created_by"
        ),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


@login_required
@require_http_methods(["GET"])
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _get_inspection(request, pk)
    answers = list(inspection.answers.select_related("item"))
    orders = list(inspection.rectifications.order_by("issued_on", "pk"))
    ordered = {o.item_id for o in orders if o.item_id}  # one order per failing item
    for answer in answers:
        answer.can_order = (
            answer.failed and answer.item.needs_rectification and answer.item_id not in ordered
        )
    photos = [f for f in inspection.files.all() if f.recheck_id is None]
    can_edit = has_perm(request.user, Perm.EDIT_RECORDS)
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "current_place": inspection.place,
            "checklist": inspection.checklist_version.checklist,
            "inspectors": inspection.inspector_names(),
            "answers": answers,
            "room_counts": list(inspection.room_counts.all()),
            "orders": orders,
            "photos": photos,
            "photo_form": PhotoForm(),
            "can_edit": can_edit,
            "can_order": can_edit and any(a.can_order for a in answers),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an inspection: its day, answers, counts, inspectors and notes; a site's name and
    place. The checklist version and a unit or dwelling stay what they were."""
    inspection = _get_inspection(request, pk, edit=True)
    site = inspection.target == Inspection.Target.SITE
    initial = {
        "version": inspection.version,
        "checklist_version": inspection.checklist_version_id,
        "date": inspection.date,
        "inspectors": list(inspection.inspectors.all()),
        "other_inspectors": inspection.other_inspectors,
        "notes": inspection.notes,
        "outdoor_metres": inspection.outdoor_metres,
        "burrows": inspection.burrows,
    }
    if site:
        initial.update(site=inspection.site, place=inspection.place_id)
    for answer in inspection.answers.all():
        initial[f"a_{answer.item_id}"] = answer.value
        initial[f"n_{answer.item_id}"] = answer.note
    for row in inspection.room_counts.all():
        initial.update(
            {
                f"c_{row.category}_rooms": row.rooms,
                f"c_{row.category}_positive": row.positive,
                f"c_{row.category}_unproofed": row.unproofed,
            }
        )
    form = InspectionForm(
        request.POST or None,
        user=request.user,
        checklist_version=inspection.checklist_version,
        site=site,
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_inspection(
                inspection,
                _inspection_data(form, inspection.unit, inspection.dwelling),
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except DomainError as exc:
            if isinstance(exc, services.ConflictError):
                # What was typed stays in the form, on the version now saved.
                form.data = form.data.copy()
                form.data["version"] = Inspection.objects.get(pk=inspection.pk).version
            _refuse(form, exc)
        else:
            messages.success(request, _("已保存修改"))
            return redirect("inspections:inspection-detail", pk=inspection.pk)
    return render(
        request,
        "inspections/inspection_form.html",
        {
            "form": form,
            "inspection": inspection,
            "current_place": inspection.place,
            "title": _("修改检查：%(t)s") % {"t": inspection.target_name},
            "target_name": "" if site else inspection.target_name,
            "target_kind": Inspection.Target(inspection.target).label,
            "back": reverse("inspections:inspection-detail", args=[inspection.pk]),
        },
    )


@login_required
@require_POST
def inspection_files_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _get_inspection(request, pk, edit=True)
    form = PhotoForm(request.POST, request.FILES)
    chosen = form.cleaned_data["files"] if form.is_valid() else []
    try:
        added = services.add_files(
            inspection, [files.Upload.read(f) for f in chosen], by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已上传%(n)s张照片") % {"n": len(added)})
    return redirect(reverse("inspections:inspection-detail", args=[inspection.pk]) + "#photos")


def _get_file(request: HttpRequest, pk: int, *, edit: bool = False) -> InspectionFile:
    """A photo of an inspection or of a re-check: 404 unless its inspection is in the user's
    place."""
    attachment = InspectionFile.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    attachment.inspection = _get_inspection(request, attachment.inspection_id, edit=edit)
    return attachment


@login_required
@require_http_methods(["GET"])
def inspection_file(request: HttpRequest, pk: int, preview: bool = False) -> HttpResponse:
    """A photo shown in the page (or its preview), a document downloaded."""
    attachment = _get_file(request, pk)
    return files.serve(
        attachment.stored_as,
        name=attachment.name,
        content_type=attachment.content_type,
        photo=attachment.is_photo,
        preview=preview,
    )


@login_required
@require_POST
def inspection_file_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _get_file(request, pk, edit=True)
    services.remove_file(attachment, by=request.user)
    messages.success(request, _("已删除%(name)s") % {"name": attachment.name})
    if attachment.recheck_id:
        recheck = attachment.recheck
        return redirect("inspections:rectification-detail", pk=recheck.rectification_id)
    return redirect(reverse("inspections:inspection-detail", args=[attachment.inspection.pk]))


# --- Rectification orders ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rectification_create(request: HttpRequest, pk: int) -> HttpResponse:
    """下达整改通知 for a failing item (`?item=`), prefilled from the item and its note, or for
    a finding outside the checklist."""
    inspection = _get_inspection(request, pk, edit=True)
    raw = (request.POST if request.method == "POST" else request.GET).get("item", "")
    item = None
    if raw:
        item = ChecklistItem.objects.filter(
            pk=int(raw) if raw.isdigit() else 0, version=inspection.checklist_version_id
        ).first()
        if item is None:
            raise Http404
    initial = order_initial(inspection, item, timezone.localdate())
    form = RectificationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.issue_rectification(
                inspection,
                services.OrderData(
                    finding=data["finding"],
                    responsible=data["responsible"],
                    deadline=data["deadline"],
                    issued_on=data["issued_on"],
                    requirement=data["requirement"],
                    item=item,
                ),
                by=request.user,
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(
                request,
                _("已下达整改通知 %(n)s，整改期限 %(d)s")
                % {"n": order.number, "d": order.deadline.isoformat()},
            )
            return redirect(
                reverse("inspections:inspection-detail", args=[inspection.pk]) + "#orders"
            )
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("下达整改通知：%(t)s") % {"t": inspection.target_name},
            "back": reverse("inspections:inspection-detail", args=[inspection.pk]),
            "current_place": inspection.place,
        },
    )


def _overdue_by_place(user, overdue: QuerySet) -> list[dict]:
    """The overdue orders counted per place one level below the user's (communities for a
    sub-district, grids for a community), and those kept at the user's own place."""
    counts = dict(overdue.order_by().values_list("place_path").annotate(n=Count("pk")))
    if not counts:
        return []
    own = user.place if user.place_id else None
    children = list(
        Place.objects.filter(parent=own).order_by("code").only("id", "name", "path", "kind")
    )
    rows: dict[int, dict] = {}
    for path, n in counts.items():
        place = next((c for c in children if path.startswith(c.path)), own)
        if place is None:
            continue
        row = rows.setdefault(place.pk, {"place": place, "n": 0, "own": place is own})
        row["n"] += n
    return sorted(rows.values(), key=lambda r: (-r["n"], r["place"].path))


@login_required
@require_http_methods(["GET"])
def rectification_list(request: HttpRequest) -> HttpResponse:
    """整改通知: by state, period, place and inspector, newest first; on top, the overdue
    orders counted per inspector and per place, each count opening its list."""
    require(request.user, Perm.VIEW_RECORDS)
    user = request.user
    today = timezone.localdate()
    filters = RectificationFilterForm(request.GET or None, user=user)
    visible = Rectification.objects.visible_to(user)
    orders = visible
    if filters.is_bound:
        filters.is_valid()
        orders = filter_rectifications(orders, filters, today)
    orders, before = _before(orders, request, "issued_on")
    rows = list(
        orders.select_related("place", "inspection").order_by("-issued_on", "-pk")[: PAGE_SIZE + 1]
    )
    overdue = visible.overdue(today)
    by_inspector = list(
        overdue.filter(inspection__inspectors__isnull=False)
        .order_by()
        .values("inspection__inspectors", "inspection__inspectors__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "inspection__inspectors__name")
    )
    return render(
        request,
        "inspections/rectification_list.html",
        {
            "filters": filters,
            "today": today,
            "by_inspector": by_inspector,
            "by_place": _overdue_by_place(user, overdue),
            "overdue_state": RectificationFilterForm.OVERDUE,
            **_page(rows, request, before),
        },
    )


def _get_order(request: HttpRequest, pk: int, *, edit: bool = False) -> Rectification:
    return get_for_user(
        Rectification.objects.select_related(
            "place", "inspection", "item", "created_by", "inspection__checklist_version__checklist"
        ),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


@login_required
@require_http_methods(["GET"])
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_page(request, _get_order(request, pk))


def _order_page(
    request: HttpRequest, order: Rectification, refused: RecheckForm | None = None
) -> HttpResponse:
    """The order with its re-checks; with `refused`, the re-check form comes back with what
    was typed and why it was refused."""
    can_edit = has_perm(request.user, Perm.EDIT_RECORDS)
    form = refused
    if form is None and can_edit and order.is_open:
        form = RecheckForm(initial={"version": order.version, "date": timezone.localdate()})
    return render(
        request,
        "inspections/rectification_detail.html",
        {
            "order": order,
            "inspection": order.inspection,
            "current_place": order.place,
            "rechecks": order.rechecks.select_related("by").prefetch_related("files"),
            "form": form,
            "can_edit": can_edit,
            "overdue": order.is_overdue(),
        },
    )


@login_required
@require_POST
def rectification_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order(request, pk, edit=True)
    form = RecheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return _order_page(request, order, refused=form)
    data = form.cleaned_data
    try:
        services.recheck(
            order,
            form.recheck_data(),
            version=data["version"],
            by=request.user,
            uploads=[files.Upload.read(f) for f in data["files"]],
        )
    except DomainError as exc:
        if isinstance(exc, services.ConflictError):
            order = _get_order(request, pk, edit=True)
            form.data = form.data.copy()
            form.data["version"] = order.version
        _refuse(form, exc)
        return _order_page(request, order, refused=form)
    if data["passed"]:
        messages.success(request, _("已复查，整改到位，整改通知已销号"))
    else:
        messages.success(
            request,
            _("已复查，未整改到位，新的整改期限为%(d)s") % {"d": data["new_deadline"].isoformat()},
        )
    return redirect("inspections:rectification-detail", pk=order.pk)
