"""Case screens for workers: my cases, lists by kind and state with their rates, a new case,
the case page with its timeline and the actions its state allows, and the half-monthly
dispute screening."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.models import LocalUnit
from audit import services as audit
from cases import services
from cases.figures import rates
from cases.flows import BY_SLUG, FLOWS, SUPERVISION_KINDS
from cases.forms import (
    ActionForm,
    AnswerForm,
    CaseEditForm,
    CaseFilterForm,
    CaseForm,
    PartyForm,
    PaymentForm,
    ScreeningForm,
    SurveyForm,
    case_initial,
    recent_half_months,
)
from cases.models import Case, EventFile, Party, Screening, Survey
from cases.queries import kinds_for, select_cases
from people import queries
from people.models import Household, Resident
from shequ import files
from shequ.errors import DomainError, add_to_form

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET"])
def my_cases(request: HttpRequest) -> HttpResponse:
    """我的案件: the open cases given to me, overdue first, then by due date; and, for those who
    hand cases out, the new ones nobody has yet."""
    require(request.user, Perm.VIEW_RECORDS)
    visible = Case.objects.visible_to(request.user).select_related("place")
    mine = list(
        visible.open()
        .filter(assignee=request.user)
        .order_by(
            # Unfinished with a due date first, the earliest due on top; finished ones wait
            # for their follow-up or closing below them. NULL placement is explicit: SQLite and
            # PostgreSQL disagree on it.
            F("done_at").asc(nulls_first=True),
            F("due").asc(nulls_last=True),
            "received_at",
        )[:200]
    )
    today = timezone.localdate()
    for case in mine:
        case.overdue = case.is_overdue(today)
    mine.sort(key=lambda c: not c.overdue)
    waiting = []
    if has_perm(request.user, Perm.EDIT_RECORDS):
        waiting = list(
            visible.open()
            .filter(assignee__isnull=True)
            .exclude(kind__in=SUPERVISION_KINDS)
            .order_by("received_at")[:50]
        )
    return render(
        request,
        "cases/my_cases.html",
        {
            "mine": mine,
            "waiting": waiting,
            "flows": [FLOWS[k] for k in kinds_for(request.user)],
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases by kind, state, place and year, newest first. A year lists the cases open at some
    time in it (those carried over from earlier years too); the tiles count and rate the cases
    received in it, as the year's report does."""
    require(request.user, Perm.VIEW_RECORDS)
    kinds = kinds_for(request.user)
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("year", str(today.year))
    filters = CaseFilterForm(data, user=request.user, kinds=kinds)
    filters.is_valid()
    chosen = filters.cleaned_data
    kind = chosen.get("kind")
    selection = select_cases(Case.objects.visible_to(request.user), chosen, today)
    total, shown_rates = rates(selection.received)
    by_state = (
        dict(selection.in_year.order_by().values_list("state").annotate(n=Count("id")))
        if kind
        else {}
    )
    cases = selection.listed
    before = request.GET.get("before", "")
    if before.isdigit():
        last = cases.filter(pk=int(before)).values_list("received_at", flat=True).first()
        if last is not None:
            cases = cases.filter(Q(received_at__lt=last) | Q(received_at=last, pk__lt=int(before)))
    rows = list(
        cases.select_related("place", "assignee").order_by("-received_at", "-pk")[: PAGE_SIZE + 1]
    )
    for case in rows:
        case.overdue = case.is_overdue(today)
    query = request.GET.copy()
    query.pop("before", None)
    flow = FLOWS.get(kind) if kind else None
    return render(
        request,
        "cases/case_list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
            "is_first_page": not before,
            "filters": filters,
            "query": query.urlencode(),
            "total": total,
            "year": chosen.get("year"),
            "rates": shown_rates,
            "flow": flow,
            "states": [(s, by_state.get(s, 0)) for s in flow.states] if flow else [],
            "chosen_state": chosen.get("state") or "",
            "flows": [FLOWS[k] for k in kinds],
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest, kind: str) -> HttpResponse:
    flow = BY_SLUG.get(kind)
    if flow is None:
        raise Http404
    require(request.user, Perm.EDIT_RECORDS)
    if flow.supervision:
        require(request.user, Perm.VIEW_JUDICIAL)
    user = request.user
    form = CaseForm(request.POST or None, flow=flow, user=user, initial=case_initial(flow, user))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(case_data(form, flow, user), by=user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已登记 %(number)s") % {"number": case.number})
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("登记%(kind)s") % {"kind": flow.label},
            "back": f"{reverse('cases:case-list')}?kind={flow.kind}",
        },
    )


def case_data(form: CaseForm, flow, user) -> services.CaseData:
    """What the new-case form says, as the service reads it (the API reads its bodies so too)."""
    data = form.cleaned_data
    subject = None
    if flow.supervision:
        subject = queries.find_resident(data["subject"], by=user, field="subject")
    return services.CaseData(
        kind=flow.kind,
        title=data["title"] or (f"{subject.name}{flow.label}" if subject else ""),
        place=data["place"],
        category=data["category"],
        received_at=data["received_at"],
        description=data["description"],
        channel=data.get("channel", ""),
        due=data.get("due"),
        assignee=data["assignee"],
        reporter_name=data.get("reporter_name", ""),
        reporter_phone=data.get("reporter_phone", ""),
        address=data.get("address", ""),
        subject=subject,
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
        guardian=data.get("guardian", ""),
        guardian_phone=data.get("guardian_phone", ""),
        team=data.get("team", ""),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk, edit=True)
    initial = {name: getattr(case, name) for name in services.EDITABLE}
    initial["version"] = case.version
    form = CaseEditForm(request.POST or None, flow=case.flow, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        # Fields the kind's form does not have keep the case's values.
        data = {name: form.cleaned_data.get(name, initial[name]) for name in services.EDITABLE}
        try:
            services.update_case(
                case,
                services.CaseData(kind=case.kind, received_at=case.received_at, **data),
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存修改"))
            return redirect("cases:case-detail", pk=case.pk)
    return render(
        request,
        "_form_page.html",
        {
            "form": form,
            "title": _("修改 %(number)s") % {"number": case.number},
            "back": reverse("cases:case-detail", args=[case.pk]),
            "current_place": case.place,
        },
    )


def _get_case(request: HttpRequest, pk: int, *, edit: bool = False) -> Case:
    return get_for_user(
        Case.objects.select_related("place", "assignee", "subject", "reporter"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


@login_required
@require_http_methods(["GET"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_case(request, pk))


def _detail(request: HttpRequest, case: Case, refused: ActionForm | None = None) -> HttpResponse:
    """The case page; with `refused`, that action's form comes back open with what was typed
    and why it was refused (a long 调解经过 typed on a phone is not lost)."""
    user = request.user
    if case.flow.supervision and refused is None:
        audit.record(user, "case.view", case)  # every opening of a supervision file
    can_edit = has_perm(user, Perm.EDIT_RECORDS)
    q = request.GET.get("q", "").strip()[:50]
    forms = []
    if can_edit:
        forms = [
            refused
            if refused is not None and refused.action.code == a.code
            else ActionForm(action=a, case=case, user=user)
            for a in _next_first(case)
        ]
        if refused is not None:
            forms.sort(key=lambda f: f is not refused)
    unsaved = []
    if refused is not None and refused not in forms:
        # Not an action the case offers now (a stale page, a crafted post): say why on top,
        # and show what was typed so that it is not lost with the form.
        for errors in refused.errors.values():
            for error in errors:
                messages.error(request, f"{refused.action.label}：{error}")
        unsaved = [
            (field.label, value)
            for field in refused.visible_fields()
            if isinstance(value := refused.data.get(field.html_name), str) and value.strip()
        ]
    surveys = list(case.surveys.prefetch_related("answers__household"))
    for survey in surveys:
        tally = dict.fromkeys(survey.choice_list(), 0)
        for answer in survey.answers.all():
            tally[answer.answer] = tally.get(answer.answer, 0) + 1
        survey.tally = tally
    payments = list(case.payments.select_related("household"))
    money = services.money_summary(case) if payments else None
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "current_place": case.place,
            "events": case.events.select_related("by").prefetch_related("files"),
            "parties": case.parties.select_related("resident", "household", "unit"),
            "action_forms": forms,
            "unsaved": unsaved,
            "unsaved_action": refused.action.label if unsaved else "",
            "overdue": case.is_overdue(),
            "surveys": surveys,
            "payments": payments,
            "money": money,
            "money_lines": [
                (_("收取"), money["collected"]),
                (_("支出"), money["spent"]),
                (_("结余"), money["balance"]),
                (_("垫付"), money["advanced"]),
                (_("待归还垫付"), money["owed"]),
            ]
            if money
            else [],
            "can_edit": can_edit,
            "q": q,
            "party_roles": Party.Role.choices,
            "payment_form": PaymentForm(initial={"date": timezone.localdate()}),
            "survey_form": SurveyForm(),
            **(queries.pick(user, q) if can_edit and q else {}),
        },
    )


def _next_first(case: Case) -> list:
    """The available actions with the usual next step first (the one the page opens): one that
    moves the case on, other than handing it to someone else once it has a handler. A
    supervision file is mostly entries (走访, 谈话…): the first of those opens, never 解除."""
    available = services.available(case)

    def moves_on(action) -> bool:
        if case.flow.supervision:
            return action.target is None and action.code != "assign"
        reassigning = action.code == "assign" and case.assignee_id is not None
        return action.target not in (None, case.state) and not reassigning

    return sorted(available, key=lambda a: not moves_on(a))


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _get_case(request, pk, edit=True)
    step = case.flow.action(action)
    if step is None:
        raise Http404
    form = ActionForm(request.POST, request.FILES, action=step, case=case, user=request.user)
    if not form.is_valid():
        return _detail(request, case, refused=form)
    data = form.cleaned_data
    try:
        services.act(
            case,
            step.code,
            by=request.user,
            version=data["version"],
            note=data.get("note", ""),
            assignee=data.get("assignee"),
            rating=data.get("rating", ""),
            uploads=[files.Upload.read(f, _offered_as(f.name)) for f in data["files"]],
            at=data.get("at"),
        )
    except DomainError as exc:
        if isinstance(exc, services.ConflictError):
            # Show the case as it is now; what was typed stays in the form, on the new version.
            case = _get_case(request, pk, edit=True)
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = case.version
        add_to_form(form, exc)
        return _detail(request, case, refused=form)
    messages.success(request, _("已登记“%(action)s”") % {"action": step.label})
    return redirect("cases:case-detail", pk=case.pk)


def _offered_as(name: str) -> str:
    """A document by its extension, anything else as a photo; either way the content decides
    whether it is accepted."""
    return files.DOCUMENT if name.lower().endswith((".pdf", ".docx", ".xlsx")) else files.PHOTO


@login_required
@require_http_methods(["GET"])
def event_file(request: HttpRequest, pk: int, preview: bool = False) -> HttpResponse:
    """A timeline entry's photo or document, only to those who see the case."""
    attachment = EventFile.objects.select_related("event").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    case = _get_case(request, attachment.event.case_id)
    if case.flow.supervision:
        audit.record(request.user, "case.view", case, data={"file": attachment.name})
    return files.serve(
        attachment.stored_as,
        name=attachment.name,
        content_type=attachment.content_type,
        photo=attachment.is_photo,
        preview=preview,
        private=case.flow.supervision,  # judicial papers: not kept in a shared PC's cache
    )


@login_required
@require_POST
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk, edit=True)
    form = PartyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择身份，并选择居民、户或单位，或填写姓名"))
    else:
        data = form.cleaned_data
        chosen = {}
        if data["target"]:
            letter, number = data["target"].split(":")
            name, model = {"r": ("resident", Resident), "h": ("household", Household),
                           "u": ("unit", LocalUnit)}[letter]  # fmt: skip
            chosen[name] = get_for_user(model.objects, request.user, pk=int(number))
        try:
            party = services.add_party(
                case, role=data["role"], name=data["name"], by=request.user, **chosen
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已添加%(name)s") % {"name": party.shown_name})
    # Back to the same search, so the next party of a dispute is one click away.
    q = request.POST.get("q", "").strip()[:50]
    detail = reverse("cases:case-detail", args=[case.pk])
    return redirect(f"{detail}?{urlencode({'q': q})}#parties" if q else f"{detail}#parties")


@login_required
@require_POST
def party_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    party = Party.objects.filter(pk=pk).first()
    if party is None:
        raise Http404
    case = _get_case(request, party.case_id, edit=True)
    services.remove_party(party, by=request.user)
    messages.success(request, _("已移除"))
    return redirect("cases:case-detail", pk=case.pk)


@login_required
@require_POST
def survey_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk, edit=True)
    form = SurveyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写征询事项和选项"))
    else:
        try:
            services.add_survey(case, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已发起征询"))
    return redirect(reverse("cases:case-detail", args=[case.pk]) + "#surveys")


@login_required
@require_POST
def survey_answer(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise Http404
    case = _get_case(request, survey.case_id, edit=True)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写户号和意见"))
    else:
        data = form.cleaned_data
        household = _household(request, data["household"])
        if household is None:
            messages.error(request, _("本辖区没有户号为“%(n)s”的户") % {"n": data["household"]})
        else:
            try:
                services.answer_survey(
                    survey,
                    household=household,
                    answer=data["answer"],
                    note=data["note"],
                    by=request.user,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已登记%(n)s户的意见") % {"n": household.number})
    return redirect(reverse("cases:case-detail", args=[case.pk]) + "#surveys")


def _household(request: HttpRequest, number: str) -> Household | None:
    return Household.objects.visible_to(request.user).filter(number=number.strip()).first()


@login_required
@require_POST
def payment_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case(request, pk, edit=True)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写类型、金额（数字）和日期"))
    else:
        data = form.cleaned_data
        household = None
        if data["household"]:
            household = _household(request, data["household"])
            if household is None:
                messages.error(request, _("本辖区没有户号为“%(n)s”的户") % {"n": data["household"]})
                return redirect(reverse("cases:case-detail", args=[case.pk]) + "#money")
        try:
            services.add_payment(
                case,
                kind=data["kind"],
                who=data["who"],
                amount=data["amount"],
                date=data["date"],
                household=household,
                note=data["note"],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记"))
    return redirect(reverse("cases:case-detail", args=[case.pk]) + "#money")


def _screening_table(user, places: list, halves: list) -> list:
    """Each place's half months: what its own report and its grids' reports add up to (found
    disputes summed; 零报告 only when every report says so), None where nothing came in."""
    cells: dict = {}
    for s in (
        Screening.objects.visible_to(user)
        .filter(period_start__in=halves)
        .select_related("place")
        .order_by("period_start", "place_path")
    ):
        for place in places:
            if s.place.path.startswith(place.path):
                cell = cells.setdefault((place.pk, s.period_start), {"found": 0, "zero": True})
                cell["found"] += s.found
                cell["zero"] = cell["zero"] and s.nothing_found
    return [(p, [cells.get((p.pk, h)) for h in halves]) for p in places]


@login_required
@require_http_methods(["GET", "POST"])
def screening_list(request: HttpRequest) -> HttpResponse:
    """矛盾纠纷排查: each community and grid reports every half month what it found, or 零报告.
    The table shows the recent half months with the places that have not reported."""
    require(request.user, Perm.VIEW_RECORDS)
    user = request.user
    initial = {}
    if user.place_id and user.place.kind in ("community", "grid"):
        initial["place"] = user.place_id
    form = ScreeningForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        require(user, Perm.EDIT_RECORDS)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_screening(
                    place=data["place"],
                    period_start=data["period_start"],
                    found=data["found"] or 0,
                    nothing_found=data["nothing_found"],
                    notes=data["notes"],
                    by=user,
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已登记排查情况"))
                return redirect("cases:screening-list")
    halves = recent_half_months(timezone.localdate())
    places = list(form.fields["place"].queryset.filter(kind="community")[:100])
    if not places and user.place_id:
        places = [user.place]  # a grid worker: their own grid's row
    table = _screening_table(user, places, halves)
    return render(
        request,
        "cases/screening_list.html",
        {
            "form": form,
            "halves": halves,
            "table": table,
            "recent": Screening.objects.visible_to(user)
            .select_related("place", "by")
            .order_by("-period_start", "place_path")[:50],
            "can_edit": has_perm(user, Perm.EDIT_RECORDS),
        },
    )
