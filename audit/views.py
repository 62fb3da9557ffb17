from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm
from accounts.scope import get_for_user, require
from audit import presentation
from audit.forms import AuditFilterForm
from audit.models import AuditEntry

PAGE_SIZE = 50


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@login_required
@require_http_methods(["GET"])
def entry_list(request: HttpRequest) -> HttpResponse:
    """The auditor's search. Pages go back in time by id (keyset), so the thousandth page costs
    what the first does."""
    require(request.user, Perm.VIEW_AUDIT)
    entries = AuditEntry.objects.visible_to(request.user)
    filters = AuditFilterForm(request.GET)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["username"]:
            entries = entries.filter(actor_username__icontains=data["username"].strip())
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"])
        if data["q"]:
            entries = entries.filter(object_repr__icontains=data["q"].strip())
        if data["ip"]:
            entries = entries.filter(ip=data["ip"])
        if data["start"]:
            entries = entries.filter(at__gte=_day_start(data["start"]))
        if data["end"]:
            entries = entries.filter(at__lt=_day_start(data["end"] + datetime.timedelta(days=1)))
    else:
        entries = entries.none()
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    rows = list(entries.order_by("-id")[: PAGE_SIZE + 1])
    older = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/entry_list.html",
        {
            "entries": rows[:PAGE_SIZE],
            "filters": filters,
            "older": older,
            "query": query.urlencode(),
            "is_first_page": not before,
        },
    )


@login_required
@require_http_methods(["GET"])
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_for_user(AuditEntry.objects, request.user, pk=pk)
    data = presentation.data_rows(entry.object_type, entry.data)
    return render(
        request,
        "audit/entry_detail.html",
        {
            "entry": entry,
            "object_type": presentation.object_type_label(entry.object_type),
            "changes": presentation.change_rows(entry.object_type, entry.changes),
            "data": data,
        },
    )
