"""The year-end work summary (工作总结): the HTML view where every figure opens its records,
the .docx it generates (kept as a snapshot), earlier snapshots, and the offices' templates."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User, UserQuerySet
from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.models import Place
from audit import services as audit
from people.ledgers import Span
from reports import catalogue, documents, services
from reports.forms import (
    PeriodForm,
    SummaryPeriodForm,
    SummaryTextsForm,
    TemplateUploadForm,
    WorkerPeriodForm,
)
from reports.models import SummarySnapshot, SummaryTemplate
from reports.subjects import PLACE_SUBJECT, WORKER, Subject
from reports.summary import Part, Summary, text
from shequ import files
from shequ.errors import DomainError, add_to_form
from shequ.replica import reads_replica

DOCX = files.DOCUMENTS["docx"][0]
SNAPSHOTS_SHOWN = 20


def _period(request: HttpRequest, data) -> tuple[PeriodForm, Place | None, Span | None]:
    """The period form (as on the statistics page: the user's place and this year unless
    chosen), the place through the scope, and the span — cut at today, since a summary tells
    what was done."""
    data = data.copy()
    if not data.get("place") and request.user.place_id:
        data["place"] = str(request.user.place_id)
    if not (data.get("year") or data.get("start") or data.get("end")):
        data["year"] = str(timezone.localdate().year)
    form = SummaryPeriodForm(data, user=request.user)
    if not form.is_valid():
        return form, None, None
    place = get_for_user(
        Place.objects.select_related("parent"), request.user, pk=form.cleaned_data["place"].pk
    )
    if place.kind not in services.OFFICES:
        form.add_error("place", _("工作总结按社区、街道或区生成，请选择其中之一"))
        return form, None, None
    span = _span(form)
    return form, (place if span else None), span


def _span(form: PeriodForm) -> Span | None:
    """The form's span cut at today; None (with the form's error) when it has not begun."""
    span = form.span()
    today = timezone.localdate()
    if span.start > today:
        form.add_error(None, _("该期间尚未开始，不能生成工作总结"))
        return None
    return Span(span.start, min(span.end, today))


def _links(summary: Summary, paragraphs: list[list[Part]]) -> list[list[dict]]:
    """Each part as the page shows it: a number opens the records behind it."""
    query = urlencode(
        {
            "place": summary.place.pk,
            "start": summary.span.start.isoformat(),
            "end": summary.span.end.isoformat(),
            **summary.subject.query(),
        }
    )
    shown = []
    for paragraph in paragraphs:
        parts = []
        for part in paragraph:
            url, title = part.url, ""
            if part.indicator:
                url = reverse("reports:drill", args=[part.indicator]) + "?" + query
                title = summary_definition(part.indicator)
            parts.append({"text": part.text, "url": url, "title": title})
        shown.append(parts)
    return shown


def summary_definition(indicator_id: str) -> str:
    indicator = catalogue.indicator(indicator_id)
    return str(indicator.definition) if indicator else ""


def _snapshots(place: Place, subject: Subject):
    """The place's earlier summaries of the same kind: the place's own, one department's, or
    one worker's."""
    return (
        SummarySnapshot.objects.filter(
            place=place,
            subject=subject.kind,
            department=subject.department.code if subject.department else "",
            worker=subject.worker,
        )
        .select_related("by")
        .only("pk", "title", "created_at", "template_name", "via", "sha256", "size", "by__name")[
            :SNAPSHOTS_SHOWN
        ]
    )


@login_required
@require_http_methods(["GET", "POST"])
@reads_replica
def summary(request: HttpRequest) -> HttpResponse:
    """A place's summary (社区/街道/区), or one department's work over it (部门)."""
    require(request.user, Perm.VIEW_RECORDS)
    posting = request.method == "POST"
    if posting:
        require(request.user, Perm.EDIT_RECORDS)
    form, place, span = _period(request, request.POST if posting else request.GET)
    subject = PLACE_SUBJECT
    if place is not None and form.cleaned_data.get("department"):
        subject = services.department_subject(form.cleaned_data["department"])
    context: dict = {"form": form, "place": place, "current_place": place, "choice": subject.kind}
    if place is None:
        return render(request, "reports/summary.html", context)
    return _summary_page(request, form, place, span, subject, context)


def _summary_page(
    request: HttpRequest, form: PeriodForm, place: Place, span: Span, subject: Subject, context
) -> HttpResponse:
    """The summary as a page whose figures open their records, and on POST the .docx (with
    the prompts as edited) kept as a snapshot: the same for a place, a department, a worker."""
    posting = request.method == "POST"
    result = services.summarise(place, span, by=request.user, subject=subject)
    texts = SummaryTextsForm(
        request.POST if posting else None,
        initial={
            "shortcomings": "\n".join(text(p) for p in result.shortcomings),
            "plans": "\n".join(text(p) for p in result.plans),
        },
    )
    if posting and texts.is_valid():
        try:
            snapshot, content = services.generate_summary(
                place,
                span,
                by=request.user,
                shortcomings=services.lines(texts.cleaned_data["shortcomings"]),
                plans=services.lines(texts.cleaned_data["plans"]),
                subject=subject,
            )
        except DomainError as exc:
            add_to_form(texts, exc)
        else:
            return _docx(content, snapshot.file_name)
    template = services.template_for(result.place)
    fields = ("place", "year", "start", "end", "department")
    context.update(
        summary=result,
        span=span,
        texts=texts,
        template=template,
        intro=_links(result, [result.intro])[0],
        basic=_links(result, result.basic),
        sections=[
            {"heading": s.heading, "paragraphs": _links(result, s.paragraphs)}
            for s in result.sections
        ],
        shortcomings=_links(result, result.shortcomings),
        plans=_links(result, result.plans),
        snapshots=list(_snapshots(result.place, subject)),
        may_generate=has_perm(request.user, Perm.EDIT_RECORDS),
        period=[(k, form.data[k]) for k in fields if form.data.get(k)],
        judicial_hidden=not has_perm(request.user, Perm.VIEW_JUDICIAL),
        button=_("查看"),
    )
    return render(request, "reports/summary.html", context)


class _Workers(UserQuerySet):
    """Accounts as records: read through the reader's place (a head sees the community's
    workers), where the account pages need the right to manage accounts."""

    scope_perm = Perm.VIEW_RECORDS


def worker_for(request: HttpRequest, pk: int) -> User:
    """The worker whose personal summary the reader asks for: oneself; or, for those who
    review staff, a worker under their place (404 beyond it, with the audit row every
    out-of-scope read gets); 403 for anyone else's without the right."""
    require(request.user, Perm.VIEW_RECORDS)
    if pk == request.user.pk:
        return request.user
    require(request.user, Perm.REVIEW_STAFF)
    return get_for_user(_Workers(User).select_related("place"), request.user, pk=pk)


def _workers(reader) -> list[User]:
    """The accounts whose personal summaries a reviewer may open: active, recording work,
    under the reader's place."""
    if not has_perm(reader, Perm.REVIEW_STAFF):
        return []
    return [
        u
        for u in _Workers(User)
        .visible_to(reader)
        .filter(is_active=True)
        .select_related("place")
        .order_by("place__path", "name", "pk")
        if has_perm(u, Perm.EDIT_RECORDS)
    ]


@login_required
@require_http_methods(["GET", "POST"])
@reads_replica
def worker_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """个人工作总结: one worker's own records of the period, over the worker's place."""
    worker = worker_for(request, pk)
    posting = request.method == "POST"
    if posting:
        require(request.user, Perm.EDIT_RECORDS)
    data = (request.POST if posting else request.GET).copy()
    if not (data.get("year") or data.get("start") or data.get("end")):
        data["year"] = str(timezone.localdate().year)
    form = WorkerPeriodForm(data, user=request.user)
    context: dict = {
        "form": form,
        "worker": worker,
        "workers": _workers(request.user),
        "choice": WORKER,
        "place": None,
    }
    span = _span(form) if form.is_valid() else None
    if span is None:
        return render(request, "reports/summary.html", context)
    try:
        subject = services.worker_subject(worker)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return render(request, "reports/summary.html", context)
    context.update(place=worker.place, current_place=worker.place)
    return _summary_page(request, form, worker.place, span, subject, context)


def _docx(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET"])
def snapshot_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An earlier summary, byte for byte as it was handed out (its SHA-256 checked)."""
    snapshot = get_for_user(SummarySnapshot.objects, request.user, pk=pk)
    if snapshot.worker_id is not None and snapshot.worker_id != request.user.pk:
        require(request.user, Perm.REVIEW_STAFF)  # someone else's personal summary
    try:
        content = services.snapshot_bytes(snapshot)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("reports:summary") + f"?place={snapshot.place_id}")
    audit.record(request.user, "summary.download", snapshot, data={"sha256": snapshot.sha256})
    return _docx(content, snapshot.file_name)


# --- Templates ---------------------------------------------------------------------------------


def _usable_templates(user) -> Q:
    """Templates a user may read: those in the scope, and those up the tree from the user's
    place (the ones the user's summaries may be filled with)."""
    if user.scope_path == "":
        return Q()
    above = user.place.ancestor_ids() if user.place_id else []
    return Q(place_path__under=user.scope_path) | Q(place_id__in=above)


@login_required
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    form = TemplateUploadForm(user=request.user)
    if request.method == "POST":
        require(request.user, Perm.EDIT_RECORDS)
        form = TemplateUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            place = get_for_user(Place, request.user, pk=form.cleaned_data["place"].pk)
            upload = files.Upload.read(form.cleaned_data["file"], files.DOCUMENT)
            try:
                template = services.upload_template(
                    place, form.cleaned_data["name"], upload, by=request.user
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("已上传模板“%(name)s”，%(place)s及其下级生成工作总结时使用。")
                    % {"name": template.name, "place": place.name},
                )
                return redirect("reports:summary-templates")
    rows = (
        SummaryTemplate.objects.filter(_usable_templates(request.user))
        .select_related("place", "uploaded_by")
        .order_by("place_path", "retired_at", "-uploaded_at")
    )
    return render(
        request,
        "reports/summary_templates.html",
        {
            "form": form,
            "rows": rows,
            "placeholders": documents.PLACEHOLDERS,
            "may_edit": has_perm(request.user, Perm.EDIT_RECORDS),
            "scope_path": request.user.scope_path,
        },
    )


def _template_for_user(request: HttpRequest, pk: int) -> SummaryTemplate:
    require(request.user, Perm.VIEW_RECORDS)
    template = SummaryTemplate.objects.filter(_usable_templates(request.user), pk=pk).first()
    if template is None:
        existing = SummaryTemplate.objects.filter(pk=pk).first()
        if existing is not None:
            audit.record(request.user, "access.out_of_scope", existing)
        raise Http404
    return template


@login_required
@require_http_methods(["GET"])
def template_file(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_for_user(request, pk)
    try:
        content = services.template_bytes(template)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:summary-templates")
    return _docx(content, template.file_name)


@login_required
@require_http_methods(["GET"])
def default_template(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    return _docx(services.template_bytes(None), _("工作总结默认模板.docx"))


@login_required
@require_http_methods(["POST"])
def template_retire(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_for_user(SummaryTemplate.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    services.retire_template(template, by=request.user)
    messages.success(request, _("已停用模板“%(name)s”") % {"name": template.name})
    return redirect("reports:summary-templates")
