"""Work record screens: the list, quick entry (also as a copy of an earlier record), the
record with its participants, and editing."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.kinds import PlaceKind
from areas.models import LocalUnit
from audit.middleware import client_ip
from ledger import paging, services
from ledger.calendar import WEEKDAYS, month_of, month_span
from ledger.forms import (
    AttachmentForm,
    CalendarFilterForm,
    CoverageForm,
    LinkForm,
    MinutesForm,
    ParticipantForm,
    QuantityKindForm,
    RecordFilterForm,
    RecordForm,
    ServiceFilterForm,
    ServiceForm,
    SignInForm,
    TopicForm,
    VisitForm,
)
from ledger.models import (
    Attachment,
    Minutes,
    Participant,
    Quantity,
    QuantityKind,
    ServiceEntry,
    SignIn,
    Topic,
    Visit,
    WorkRecord,
    plain,
)
from people import queries
from people.models import Household, Resident
from shequ import files, locking
from shequ.errors import DomainError, add_to_form

PAGE_SIZE = 50
SERVICE_ROWS = 200  # a month at one desk; the 办事登记台账 has them all


@login_required
@require_http_methods(["GET"])
def record_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    filters = RecordFilterForm(request.GET or None, user=request.user)
    visible = WorkRecord.objects.visible_to(request.user)
    records, under = visible, request.user.scope_path
    if filters.is_bound:
        filters.is_valid()  # as on the calendar: the filters read apply, a refused one says why
        records = filter_records(records, filters.cleaned_data)
        if place := filters.cleaned_data.get("place"):
            under = place.path
    before = request.GET.get("before", "")
    if before.isdigit():
        last = records.filter(pk=int(before)).values_list("date", flat=True).first()
        if last is not None:
            records = paging.before(records, (last, int(before)))
    ids = paging.newest_ids(records, under, PAGE_SIZE + 1)
    rows = sorted(
        visible.filter(pk__in=ids)
        .only("date", "kind", "title", "head_count", "place__name")
        .select_related("place")
        .annotate(named=Count("participants")),
        key=lambda r: (r.date, r.pk),
        reverse=True,
    )
    _add_topics_and_quantities(rows[:PAGE_SIZE])
    query = request.GET.copy()
    query.pop("before", None)
    # The calendar opens on the month of the list's month or day, with the same filters.
    calendar = query.copy()
    day = calendar.pop("day", [""])[-1]
    if day and not calendar.get("month"):
        calendar["month"] = day[:7]
    return render(
        request,
        "ledger/record_list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
            "filters": filters,
            "query": query.urlencode(),
            "calendar_query": calendar.urlencode(),
            "is_first_page": not before,
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET"])
def record_calendar(request: HttpRequest) -> HttpResponse:
    """The records of one month as a calendar, with the list's filters. A month that cannot be
    read is refused beside its field and this month is shown instead."""
    require(request.user, Perm.VIEW_RECORDS)
    today = timezone.localdate()
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = today.strftime("%Y-%m")  # shown in the month field too
    filters = CalendarFilterForm(data, user=request.user)
    filters.is_valid()  # the filters that were read apply; a refused one shows its error
    chosen = dict(filters.cleaned_data)
    month = chosen.pop("month", None) or today
    records = filter_records(WorkRecord.objects.visible_to(request.user), chosen)
    query = request.GET.copy()
    for name in ("month", "day", "before"):
        query.pop(name, None)
    return render(
        request,
        "ledger/record_calendar.html",
        {
            "calendar": month_of(records, month, today=today),
            "today": today,
            "weekdays": WEEKDAYS,
            "filters": filters,
            "list_query": query.urlencode(),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


def _add_topics_and_quantities(rows: list[WorkRecord]) -> None:
    """Each row's topic names and its quantities as text ("宣传资料300份"), read as plain values
    in one query each (prefetching model instances cost more than the page's queries)."""
    ids = [r.pk for r in rows]
    topics: dict[int, list[str]] = {pk: [] for pk in ids}
    links = WorkRecord.topics.through.objects.filter(workrecord__in=ids)
    for pk, name in links.order_by("topic__order", "topic").values_list(
        "workrecord", "topic__name"
    ):
        topics[pk].append(name)
    amounts: dict[int, list[str]] = {pk: [] for pk in ids}
    counted = Quantity.objects.filter(record__in=ids).order_by("record", "kind__order", "kind")
    for pk, name, amount, unit in counted.values_list(
        "record", "kind__name", "amount", "kind__unit"
    ):
        amounts[pk].append(f"{name}{plain(amount)}{unit}")
    for r in rows:
        r.topic_names, r.amounts = topics[r.pk], amounts[r.pk]


def filter_records(records, data: dict):
    if kind := data.get("kind"):
        records = records.filter(kind=kind)
    if topic := data.get("topic"):
        records = records.filter(topics=topic)
    if month := data.get("month"):
        start, end = month_span(month)
        records = records.filter(date__gte=start, date__lt=end)
    if day := data.get("day"):
        records = records.filter(date=day)
    if place := data.get("place"):
        records = records.filter(place_path__under=place.path)
    return records


def _initial(request: HttpRequest) -> dict:
    """Today, with the kind, topics, place and venue of the record to copy (`?copy=`), or
    else of the user's last record: most of a community's records repeat those."""
    copy = request.GET.get("copy", "")
    source = (
        get_for_user(WorkRecord.objects, request.user, pk=int(copy))
        if copy.isdigit()
        else WorkRecord.objects.visible_to(request.user)
        .filter(created_by=request.user)
        .order_by("-created_at", "-pk")
        .first()
    )
    initial: dict = {"date": timezone.localdate()}
    user = request.user
    if user.place_id and user.place.kind in (PlaceKind.COMMUNITY, PlaceKind.GRID):
        initial["place"] = user.place_id
    if source is not None:
        initial.update(
            kind=source.kind,
            topics=list(source.topics.all()),
            place=source.place_id,
            venue=source.venue,
            organiser=source.organiser_id,
        )
        if copy.isdigit():
            initial.update(
                title=source.title,
                start_time=source.start_time,
                end_time=source.end_time,
                co_organisers=source.co_organisers,
                head_count=source.head_count,
                notes=source.notes,
                **{f"q_{q.kind_id}": q.amount for q in source.quantities.all()},
            )
    return initial


def record_data(form: RecordForm) -> services.RecordData:
    data = form.cleaned_data
    return services.RecordData(
        kind=data["kind"],
        title=data["title"],
        date=data["date"],
        place=data["place"],
        topics=list(data["topics"]),
        start_time=data["start_time"],
        end_time=data["end_time"],
        venue=data["venue"],
        organiser=data["organiser"],
        co_organisers=data["co_organisers"],
        head_count=data["head_count"],
        notes=data["notes"],
        quantities=form.quantities(),
        photos=[files.Upload.read(f) for f in data["files"]],
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    form = RecordForm(
        request.POST or None, request.FILES or None, user=request.user, initial=_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.save_record(None, record_data(form), by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _next_step(record))
            return redirect("ledger:record-detail", pk=record.pk)
    return render(request, "ledger/record_form.html", {"form": form, "title": _("登记工作记录")})


def _next_step(record: WorkRecord) -> str:
    """What the worker usually adds next to a new record of this kind."""
    if record.kind in services.VISIT_KINDS:
        return _("已登记，可继续添加走访对象")
    if record.kind in services.MEETING_KINDS:
        return _("已登记，可继续填写会议纪要")
    return _("已登记，可继续添加参与人员")


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    initial = {name: getattr(record, name) for name in services.RECORD_FIELDS}
    initial.update(
        place=record.place_id,
        organiser=record.organiser_id,
        topics=list(record.topics.all()),
        **{f"q_{q.kind_id}": q.amount for q in record.quantities.all()},
        version=record.version,
    )
    form = RecordForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.save_record(
                record, record_data(form), by=request.user, version=form.cleaned_data["version"]
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, record, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("ledger:record-detail", pk=record.pk)
    return render(
        request,
        "ledger/record_form.html",
        {"form": form, "title": _("修改工作记录"), "record": record},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(
        WorkRecord.objects.select_related("place", "organiser", "created_by"), request.user, pk=pk
    )
    user = request.user
    can_edit = has_perm(user, Perm.EDIT_RECORDS)
    participants = list(record.participants.select_related("resident"))
    visits = list(record.visits.select_related("resident", "household"))
    visible = Resident.objects.visible_to(user)
    attachments = list(record.attachments.all())
    q = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "ledger/record_detail.html",
        {
            "record": record,
            "current_place": record.place,
            "topics": record.topics.all(),
            "quantities": record.quantities.select_related("kind"),
            "participants": participants,
            # Residents beyond the user's own place (a grid worker's neighbours) stay unnamed.
            "named": set(
                visible.filter(
                    pk__in=[p.resident_id for p in participants]
                    + [v.resident_id for v in visits if v.resident_id]
                ).values_list("pk", flat=True)
            ),
            "visits": visits,
            "is_meeting": record.kind in services.MEETING_KINDS,
            "is_visit": record.kind in services.VISIT_KINDS,
            "minutes": Minutes.objects.filter(record=record).first(),
            "households": record.households.visible_to(user),
            "units": record.units.visible_to(user),
            "photos": [a for a in attachments if a.kind == Attachment.Kind.PHOTO],
            "documents": [a for a in attachments if a.kind == Attachment.Kind.DOCUMENT],
            "attachment_form": AttachmentForm(),
            "max_mb": settings.RECORD_FILE_MAX_BYTES // (1024 * 1024),
            "q": q,
            "roles": Participant.Role.choices,
            "purposes": Visit.Purpose.choices,
            "can_edit": can_edit,
            **(queries.pick(user, q) if can_edit and q else {}),
            **(_signin_panel(request, record) if can_edit else {}),
        },
    )


def _signin_panel(request: HttpRequest, record: WorkRecord) -> dict:
    """The open sign-in's code, link and QR code, and the sign-ins waiting for a worker with
    the residents of the same name they may be."""
    pending = list(record.signins.filter(state=SignIn.State.PENDING))
    namesakes: dict[str, list[Resident]] = {}
    for each in (
        Resident.objects.visible_to(request.user)
        .present()
        .filter(name__in={s.name for s in pending})
        .select_related("place")[:50]
    ):
        namesakes.setdefault(each.name, []).append(each)
    for signin in pending:
        signin.candidates = namesakes.get(signin.name, [])
    is_open = bool(record.signin_code and record.signin_until > timezone.now())
    link = ""
    if is_open:
        link = request.build_absolute_uri(
            f"{reverse('signin:form')}?{urlencode({'code': record.signin_code})}"
        )
    return {
        "signin_open": is_open,
        "signin_link": link,
        "signin_qr": segno.make(link, error="m").svg_inline(scale=5) if link else "",
        "signins_pending": pending,
        "signins_count": record.signins.count(),
    }


@login_required
@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = ParticipantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择居民和角色，服务时长应为数字"))
    else:
        resident = get_for_user(Resident.objects, request.user, pk=form.cleaned_data["resident"])
        try:
            services.add_participant(
                record,
                resident,
                role=form.cleaned_data["role"],
                hours=form.cleaned_data["hours"],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已添加%(name)s") % {"name": resident.name})
    return _back_to_search(record, request)


@login_required
@require_POST
def participant_remove(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _of_record(request, Participant, pk)
    services.remove_participant(participant, by=request.user)
    messages.success(request, _("已移除"))
    return redirect("ledger:record-detail", pk=participant.record_id)


@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request: HttpRequest) -> HttpResponse:
    """Topic areas and quantity items: added here, retired here (records keep theirs)."""
    require(request.user, Perm.MANAGE_CATALOGUE)
    topic_form = TopicForm(request.POST if "add_topic" in request.POST else None, prefix="t")
    kind_form = QuantityKindForm(request.POST if "add_kind" in request.POST else None, prefix="k")
    for form, add in ((topic_form, services.add_topic), (kind_form, services.add_quantity_kind)):
        if form.is_bound and form.is_valid():
            try:
                add(**form.cleaned_data, by=request.user)
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已添加"))
                return redirect("ledger:catalogue")
    return render(
        request,
        "ledger/catalogue.html",
        {
            "topics": Topic.objects.all(),
            "kinds": QuantityKind.objects.all(),
            "topic_form": topic_form,
            "kind_form": kind_form,
        },
    )


@login_required
@require_POST
def catalogue_toggle(request: HttpRequest, what: str, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_CATALOGUE)
    model = {"topic": Topic, "kind": QuantityKind}.get(what)
    if model is None:
        raise Http404
    item = get_object_or_404(model, pk=pk)
    services.set_active(item, active=request.POST.get("active") == "1", by=request.user)
    return redirect("ledger:catalogue")


@login_required
@require_http_methods(["GET", "POST"])
def service_list(request: HttpRequest) -> HttpResponse:
    """办事登记: the desk form on top; the month's entries below with counts per service and
    per worker."""
    require(request.user, Perm.VIEW_RECORDS)
    can_edit = has_perm(request.user, Perm.EDIT_RECORDS)
    form = None
    if can_edit:
        form = ServiceForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST":
        require(request.user, Perm.EDIT_RECORDS)
        if form.is_valid():
            data = form.cleaned_data
            try:
                resident = queries.find_resident(data["who"], by=request.user)
                services.log_service(
                    resident,
                    service=data["service"],
                    date=data["date"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    by=request.user,
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("已登记：%(name)s %(service)s")
                    % {"name": resident.name, "service": data["service"]},
                )
                return redirect("ledger:service-list")
    filters = ServiceFilterForm(request.GET or None)
    month = timezone.localdate()
    entries = ServiceEntry.objects.visible_to(request.user)
    if filters.is_bound and filters.is_valid():
        month = filters.cleaned_data["month"] or month
        if service := filters.cleaned_data["service"]:
            entries = entries.filter(service=service)
    start, end = month_span(month)
    entries = entries.filter(date__gte=start, date__lt=end)
    listed = entries
    before = request.GET.get("before", "")
    if before.isdigit():
        last = entries.filter(pk=int(before)).values_list("date", flat=True).first()
        if last is not None:
            listed = entries.filter(Q(date__lt=last) | Q(date=last, pk__lt=int(before)))
    rows = list(
        listed.select_related("resident", "handled_by").order_by("-date", "-pk")[: SERVICE_ROWS + 1]
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "ledger/service_list.html",
        {
            "form": form,
            "filters": filters,
            "month": start,
            "rows": rows[:SERVICE_ROWS],
            "more": rows[SERVICE_ROWS - 1].pk if len(rows) > SERVICE_ROWS else None,
            "is_first_page": not before,
            "query": query.urlencode(),
            "by_service": entries.values("service").annotate(n=Count("id")).order_by("-n"),
            "by_worker": entries.values("handled_by__name").annotate(n=Count("id")).order_by("-n"),
        },
    )


# -- Photos and documents ------------------------------------------------------------------


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid() or not form.cleaned_data["files"]:
        messages.error(request, _("请选择要上传的文件"))
    else:
        kind = form.cleaned_data["kind"]
        try:
            added = services.attach(
                record,
                [files.Upload.read(f, kind) for f in form.cleaned_data["files"]],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已上传%(n)s个文件") % {"n": len(added)})
    return redirect("ledger:record-detail", pk=record.pk)


def _of_record(request: HttpRequest, model, pk: int, *, perm: Perm | None = Perm.EDIT_RECORDS):
    """A participant, visit, photo or sign-in: 404 unless its record is in the user's place,
    403 without `perm` (None: reading is enough)."""
    child = get_object_or_404(model, pk=pk)
    get_for_user(WorkRecord.objects, request.user, pk=child.record_id, perm=perm)
    return child


@login_required
@require_http_methods(["GET"])
def attachment_file(request: HttpRequest, pk: int, preview: bool = False) -> HttpResponse:
    """A photo shown in the page, or a document downloaded, only to those who see the record."""
    attachment = _of_record(request, Attachment, pk, perm=None)
    return files.serve(
        attachment.stored_as,
        name=attachment.name,
        content_type=attachment.content_type,
        photo=attachment.kind == Attachment.Kind.PHOTO,
        preview=preview,
    )


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _of_record(request, Attachment, pk)
    services.remove_attachment(attachment, by=request.user)
    messages.success(request, _("已删除%(name)s") % {"name": attachment.name})
    return redirect("ledger:record-detail", pk=attachment.record_id)


# -- Meeting minutes -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    if record.kind not in services.MEETING_KINDS:
        raise Http404
    minutes = Minutes.objects.filter(record=record).first()
    initial = {n: getattr(minutes, n) for n in services.MINUTES_FIELDS} if minutes else {}
    initial["version"] = minutes.version if minutes else 0  # 0: none written yet
    form = MinutesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.save_minutes(
                record, services.MinutesData(**data), by=request.user, version=version
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, Minutes.objects.get(record=record), exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            record.refresh_from_db(fields=["head_count"])
            messages.success(
                request,
                _("会议纪要已保存，参会人数为%(n)s人") % {"n": record.head_count}
                if record.head_count is not None
                else _("会议纪要已保存"),
            )
            return redirect("ledger:record-detail", pk=record.pk)
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("会议纪要：%(t)s") % {"t": record.title},
            "back": reverse("ledger:record-detail", args=[record.pk]),
        },
        status=status,
    )


# -- Visits and coverage -------------------------------------------------------------------


def _target(request: HttpRequest, value: str) -> dict:
    """ "h:12" → {"household": that household}, "r:5" → {"resident": …}, "u:3" → {"unit": …}:
    the keyword the visit and link services take; 404 outside the user's scope."""
    letter, pk = value.split(":")
    name, model = {"h": ("household", Household), "r": ("resident", Resident),
                   "u": ("unit", LocalUnit)}[letter]  # fmt: skip
    return {name: get_for_user(model.objects, request.user, pk=int(pk))}


@login_required
@require_POST
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = VisitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择走访对象和走访目的，走访情况不超过1000字"))
    else:
        target = _target(request, form.cleaned_data["target"])
        try:
            services.add_visit(
                record,
                **target,
                purpose=form.cleaned_data["purpose"],
                findings=form.cleaned_data["findings"],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记走访对象"))
    return _back_to_search(record, request)


def _back_to_search(record: WorkRecord, request: HttpRequest) -> HttpResponse:
    """Back to the record with the same search, so the next one is one click away."""
    detail = reverse("ledger:record-detail", args=[record.pk])
    q = request.POST.get("q", "").strip()[:50]
    return redirect(f"{detail}?{urlencode({'q': q})}" if q else detail)


@login_required
@require_POST
def visit_remove(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _of_record(request, Visit, pk)
    services.remove_visit(visit, by=request.user)
    messages.success(request, _("已移除"))
    return redirect("ledger:record-detail", pk=visit.record_id)


@login_required
@require_http_methods(["GET"])
def visit_coverage(request: HttpRequest) -> HttpResponse:
    """走访覆盖率: how many of a group's members were visited in a period, and who was not."""
    require(request.user, Perm.VIEW_RECORDS)
    today = timezone.localdate()
    form = CoverageForm(
        request.GET or None,
        user=request.user,
        initial={
            "start": today.replace(month=1, day=1),
            "end": today,
            "place": request.user.place_id,
        },
    )
    coverage = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            coverage = services.visit_coverage(
                data["category"], data["place"], data["start"], data["end"], user=request.user
            )
        except DomainError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "ledger/visit_coverage.html",
        {
            "form": form,
            "coverage": coverage,
            "rate": "—" if coverage is None or coverage.rate is None else f"{coverage.rate:.1%}",
            "visit_kind": WorkRecord.Kind.VISIT,
            "unvisited_cut": coverage is not None
            and len(coverage.unvisited) < coverage.members - coverage.visited,
        },
    )


# -- Households and units a record concerns ------------------------------------------------


@login_required
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要关联的户或单位"))
    else:
        target = _target(request, form.cleaned_data["target"])
        try:
            services.link(record, **target, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已关联"))
    return _back_to_search(record, request)


@login_required
@require_POST
def link_remove(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    form = LinkForm(request.POST)
    if form.is_valid():
        target = _target(request, form.cleaned_data["target"])
        try:
            services.unlink(record, **target, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已取消关联"))
    return redirect("ledger:record-detail", pk=record.pk)


# -- Sign-in by short code -----------------------------------------------------------------


@login_required
@require_POST
def signin_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(WorkRecord.objects, request.user, pk=pk, perm=Perm.EDIT_RECORDS)
    if request.POST.get("open") == "1":
        try:
            code = services.open_signin(record, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("签到已开启，签到码 %(code)s") % {"code": code})
    else:
        services.close_signin(record, by=request.user)
        messages.success(request, _("签到已结束"))
    return redirect("ledger:record-detail", pk=record.pk)


@login_required
@require_POST
def signin_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    signin = _of_record(request, SignIn, pk)
    resident_pk = request.POST.get("resident", "")
    try:
        if request.POST.get("dismiss") == "1":
            services.dismiss_signin(signin, by=request.user)
        elif resident_pk.isdigit():
            resident = get_for_user(Resident.objects, request.user, pk=int(resident_pk))
            services.resolve_signin(signin, resident, by=request.user)
        else:
            raise DomainError(_("请选择对应的居民"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已处理%(name)s的签到") % {"name": signin.name})
    return redirect("ledger:record-detail", pk=signin.record_id)


@require_http_methods(["GET", "POST"])
def signin_public(request: HttpRequest) -> HttpResponse:
    """现场签到 on a resident's own phone, no login: the code the worker shows (typed, or in the
    link of the QR code), then name and phone. Whatever is typed, the page neither shows nor
    confirms anything about the registry."""
    code = (request.POST.get("code") or request.GET.get("code") or "").strip().upper()[:12]
    form = SignInForm(request.POST or None)
    record, done, error, status = None, False, None, 200
    if code:
        error = services.signin_refused_for(client_ip(request))
        status = 429 if error else 200
    if code and error is None:
        try:
            record = services.open_record(code)
        except DomainError as exc:
            error = exc.message
            services.wrong_code(code)
    if record is not None and request.method == "POST" and form.is_valid():
        try:
            services.sign_in(record, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            done = True
    return render(
        request,
        "ledger/signin_public.html",
        {"code": code, "record": record, "form": form, "done": done, "error": error},
        status=status,
    )
