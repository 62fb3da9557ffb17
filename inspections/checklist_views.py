"""Checklist administration (检查表): the catalogue of checklists, their versions and the items
of a draft. Those who keep the catalogue (MANAGE_CATALOGUE) build, version and publish them
without code; those who inspect (VIEW_RECORDS) read them, to know what will be asked. A
published version is fixed: the service refuses changes and the pages offer none."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm, has_perm
from accounts.scope import require
from inspections import services
from inspections.forms import ChecklistForm, ItemForm
from inspections.models import Checklist, ChecklistItem, ChecklistVersion, Inspection
from shequ import locking
from shequ.errors import DomainError, add_to_form


def require_checklist_reader(user) -> None:
    """Checklists are read by those who inspect and by those who keep the catalogue."""
    if not (has_perm(user, Perm.VIEW_RECORDS) or has_perm(user, Perm.MANAGE_CATALOGUE)):
        raise PermissionDenied


def _used_here(user):
    """The inspections of the user's place, to count how much a checklist is used there. Only
    counted, never listed: a system administrator, who reads no records, sees the numbers too."""
    return Inspection.objects.filter(place_path__under=user.scope_path)


@login_required
@require_http_methods(["GET"])
def checklist_list(request: HttpRequest) -> HttpResponse:
    require_checklist_reader(request.user)
    used = (
        _used_here(request.user)
        .filter(checklist_version__checklist=OuterRef("pk"))
        .order_by()
        .values("checklist_version__checklist")
        .annotate(n=Count("pk"))
        .values("n")
    )
    drafts = ChecklistVersion.objects.filter(checklist=OuterRef("pk"), published_at__isnull=True)
    checklists = Checklist.objects.annotate(
        current_number=Max("versions__number", filter=Q(versions__published_at__isnull=False)),
        has_draft=Exists(drafts),
        used=Coalesce(Subquery(used), 0),
    ).order_by("-active", "area", "name")
    return render(
        request,
        "inspections/checklist_list.html",
        {"checklists": checklists, "can_manage": has_perm(request.user, Perm.MANAGE_CATALOGUE)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklist_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    form = ChecklistForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            checklist = services.create_checklist(**form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已新建检查表，请添加检查项目后发布"))
            return redirect("inspections:checklist-version", pk=checklist.draft().pk)
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("新建检查表"),
            "back": reverse("inspections:checklist-list"),
        },
    )


def _versions(user, checklist: Checklist) -> list[ChecklistVersion]:
    used = Count("inspections", filter=Q(inspections__place_path__under=user.scope_path))
    return list(
        checklist.versions.select_related("created_by").annotate(used=used).order_by("-number")
    )


@login_required
@require_http_methods(["GET"])
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist: its settings, the items of its current version, and its versions."""
    require_checklist_reader(request.user)
    checklist = get_object_or_404(Checklist, pk=pk)
    can_manage = has_perm(request.user, Perm.MANAGE_CATALOGUE)
    versions = _versions(request.user, checklist)
    current = next((v for v in versions if not v.is_draft), None)
    draft = next((v for v in versions if v.is_draft), None)
    if not can_manage:
        versions = [v for v in versions if not v.is_draft]  # a draft is the admins' business
    return render(
        request,
        "inspections/checklist_detail.html",
        {
            "checklist": checklist,
            "versions": versions,
            "current": current,
            "draft": draft,
            "items": current.items.all() if current else [],
            "can_manage": can_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    checklist = get_object_or_404(Checklist, pk=pk)
    initial = {f: getattr(checklist, f) for f in ("name", "area", "counts", "description")}
    initial["active"], initial["version"] = checklist.active, checklist.version
    form = ChecklistForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_checklist(checklist, **form.cleaned_data, by=request.user)
        except locking.StaleEdit as exc:
            locking.show_stale(form, checklist, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("inspections:checklist-detail", pk=checklist.pk)
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("修改检查表：%(name)s") % {"name": checklist.name},
            "back": reverse("inspections:checklist-detail", args=[checklist.pk]),
        },
        status=status,
    )


@login_required
@require_POST
def checklist_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """建立新版本: a draft copying the current items (or the draft already being prepared)."""
    require(request.user, Perm.MANAGE_CATALOGUE)
    checklist = get_object_or_404(Checklist, pk=pk)
    had_draft = checklist.draft() is not None
    draft = services.new_draft(checklist, by=request.user)
    if had_draft:
        messages.info(request, _("第%(n)s版草稿已在编制中") % {"n": draft.number})
    else:
        messages.success(
            request,
            _("已建立第%(n)s版草稿，修改检查项目后发布即可生效") % {"n": draft.number},
        )
    return redirect("inspections:checklist-version", pk=draft.pk)


def _version_page(
    request: HttpRequest, version: ChecklistVersion, form: ItemForm | None = None
) -> HttpResponse:
    can_manage = has_perm(request.user, Perm.MANAGE_CATALOGUE)
    editing = can_manage and version.is_draft
    items = list(version.items.all())
    draft = None if version.is_draft else version.checklist.draft()
    return render(
        request,
        "inspections/checklist_version.html",
        {
            "version": version,
            "checklist": version.checklist,
            "items": items,
            "editing": editing,
            "form": form or (ItemForm() if editing else None),
            "draft": draft,
            "used": _used_here(request.user).filter(checklist_version=version).count(),
            "can_manage": can_manage,
        },
    )


def _get_version(pk: int) -> ChecklistVersion:
    return get_object_or_404(
        ChecklistVersion.objects.select_related("checklist", "created_by"), pk=pk
    )


@login_required
@require_http_methods(["GET"])
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version's items; a draft's page is where its items are added, changed, moved and
    removed, and where it is published."""
    require_checklist_reader(request.user)
    return _version_page(request, _get_version(pk))


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    version = _get_version(pk)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            item = services.add_item(version, form.item_data(), by=request.user)
        except DomainError as exc:
            if not version.is_draft:  # the page has no form to show it on
                messages.error(request, exc.message)
                return redirect("inspections:checklist-version", pk=version.pk)
            add_to_form(form, exc)
        else:
            messages.success(request, _("已添加“%(label)s”") % {"label": item.label})
            return redirect(reverse("inspections:checklist-version", args=[version.pk]) + "#add")
    return _version_page(request, version, form)


def _get_item(pk: int) -> ChecklistItem:
    return get_object_or_404(ChecklistItem.objects.select_related("version__checklist"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    item = _get_item(pk)
    back = reverse("inspections:checklist-version", args=[item.version_id])
    form = ItemForm(request.POST or None, initial=ItemForm.initial_for(item))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            item = services.update_item(
                item, form.item_data(), by=request.user, revision=form.cleaned_data["version"]
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, item, exc, column="revision")
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存“%(label)s”") % {"label": item.label})
            return redirect(f"{back}#item-{item.pk}")
    warning = ""
    if not item.version.is_draft:
        warning = _("这一版已发布，不能修改。要调整检查项目，请建立新版本。")
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("修改检查项目：%(version)s") % {"version": item.version},
            "back": back,
            "warning": warning,
        },
        status=status,
    )


@login_required
@require_POST
def item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    item = _get_item(pk)
    try:
        services.remove_item(item, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除“%(label)s”") % {"label": item.label})
    return redirect("inspections:checklist-version", pk=item.version_id)


@login_required
@require_POST
def item_move(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    item = _get_item(pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("请选择上移或下移"))
    else:
        try:
            services.move_item(item, up=direction == "up", by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
    url = reverse("inspections:checklist-version", args=[item.version_id])
    return redirect(f"{url}#item-{item.pk}")


@login_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    version = _get_version(pk)
    try:
        services.publish(version, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inspections:checklist-version", pk=version.pk)
    messages.success(
        request,
        _("已发布第%(n)s版，新的检查将使用这一版") % {"n": version.number},
    )
    return redirect("inspections:checklist-detail", pk=version.checklist_id)
