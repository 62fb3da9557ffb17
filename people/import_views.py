"""The import pages: upload, check, confirm, follow the progress, download templates and
error reports."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm
from accounts.scope import get_for_user, require
from audit import services as audit
from people import importing, jobs
from people.forms import PlaceField, registry_places
from people.models import ImportJob
from shequ import files
from shequ.errors import DomainError, add_to_form


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"))
    place = PlaceField(label=gettext_lazy("导入到"), queryset=None)
    file = forms.FileField(
        label=gettext_lazy("Excel文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.code, k.label) for k in importing.KINDS.values()]
        self.fields["place"].queryset = registry_places(user)


def xlsx_response(content: bytes | IO[bytes], file_name: str) -> HttpResponse:
    return files.attachment(content, "xlsx", file_name)


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.create(
                kind=form.cleaned_data["kind"],
                place=form.cleaned_data["place"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            return redirect("people:import-detail", pk=job.pk)
    recent = ImportJob.objects.visible_to(request.user).select_related("place", "created_by")[:20]
    return render(
        request,
        "people/import_start.html",
        {"form": form, "kinds": importing.KINDS.values(), "recent": recent},
    )


@login_required
@require_http_methods(["GET"])
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    spec = importing.KINDS.get(kind)
    if spec is None:
        raise Http404
    return xlsx_response(importing.template(spec, request.user), f"{spec.label}导入模板.xlsx")


@login_required
@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_for_user(ImportJob.objects.select_related("place", "created_by"), request.user, pk=pk)
    return render(
        request,
        "people/import_detail.html",
        {"job": job, "kind": importing.KINDS[job.kind], "current_place": job.place},
    )


@login_required
@require_http_methods(["GET"])
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_for_user(ImportJob.objects, request.user, pk=pk)
    return JsonResponse(
        {
            "state": job.state,
            "finished": job.finished,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
        }
    )


@login_required
@require_http_methods(["GET"])
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_for_user(ImportJob.objects, request.user, pk=pk)
    plan = importing.Plan(problem_count=job.error_count)
    plan.problems = [importing.Problem(e["row"], e["column"], e["message"]) for e in job.errors]
    if job.message:
        plan.problems.insert(0, importing.Problem(0, "", job.message))
    audit.record(request.user, "import.report", job, data={"errors": job.error_count})
    kind = importing.KINDS[job.kind]
    return xlsx_response(
        importing.error_report(kind, plan, job.file_name),
        f"{Path(job.file_name).stem}-错误报告.xlsx",
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_for_user(ImportJob.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    if not jobs.confirm(job, by=request.user):
        messages.error(request, _("只有检查通过的文件才能导入"))
    return redirect("people:import-detail", pk=job.pk)
