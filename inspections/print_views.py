"""Inspection documents as .docx downloads: an inspection's record, a rectification notice and
a blank checklist to fill in on site. Every print is written to the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from accounts.scope import get_for_user
from audit import services as audit
from inspections import documents
from inspections.checklist_views import require_checklist_reader
from inspections.models import Answer, Checklist, Inspection, Recheck, Rectification
from shequ import files


def _download(content: bytes, file_name: str) -> HttpResponse:
    return files.attachment(content, "docx", file_name)


def _answers() -> Prefetch:
    return Prefetch("answers", queryset=Answer.objects.select_related("item"))


@login_required
@require_http_methods(["GET"])
def inspection_print(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_for_user(
        Inspection.objects.select_related(
            "place__parent", "unit", "dwelling", "checklist_version__checklist"
        ).prefetch_related("inspectors", _answers(), "room_counts", "rectifications"),
        request.user,
        pk=pk,
    )
    content = documents.inspection_document(inspection, printed_by=request.user)
    file_name = documents.inspection_file_name(inspection)
    audit.record(request.user, "inspection.print", inspection, data={"file": file_name})
    return _download(content, file_name)


@login_required
@require_http_methods(["GET"])
def rectification_print(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_for_user(
        Rectification.objects.select_related(
            "place__parent", "inspection__unit", "inspection__dwelling"
        ).prefetch_related(
            "inspection__inspectors",
            Prefetch("inspection__answers", queryset=Answer.objects.all()),
            Prefetch("rechecks", queryset=Recheck.objects.select_related("by")),
        ),
        request.user,
        pk=pk,
    )
    content = documents.rectification_document(order, printed_by=request.user)
    file_name = documents.notice_file_name(order)
    audit.record(request.user, "rectification.print", order, data={"file": file_name})
    return _download(content, file_name)


@login_required
@require_http_methods(["GET"])
def checklist_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The newest published version, or the one numbered by ?version=; never a draft. A
    checklist belongs to no place: whoever may read checklists may print it."""
    require_checklist_reader(request.user)
    checklist = get_object_or_404(Checklist, pk=pk)
    published = checklist.versions.filter(published_at__isnull=False)
    number = request.GET.get("version", "")
    if number:
        if not number.isdigit():
            raise Http404
        version = published.filter(number=int(number)).first()
    else:
        version = published.order_by("-number").first()
    if version is None:
        raise Http404
    version.checklist = checklist
    content = documents.blank_document(version)
    file_name = documents.blank_file_name(version)
    audit.record(
        request.user,
        "checklist.print",
        checklist,
        data={"file": file_name, "version": version.number},
    )
    return _download(content, file_name)
