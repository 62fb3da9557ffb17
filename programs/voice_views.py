"""Residents' voice: opinions (社情民意) with what became of them, deliberation meetings
(议事协商) with the opinions taken to them, and questionnaires (问卷调查) with their answers
entered from paper and their results."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.kinds import PlaceKind
from ledger.models import WorkRecord
from people import queries
from people.models import Household, Residence, Resident
from programs import services
from programs.forms import (
    QUESTIONS_EXAMPLE,
    DeliberationFilterForm,
    DeliberationForm,
    OpinionFilterForm,
    OpinionForm,
    QuestionnaireFilterForm,
    QuestionnaireForm,
    ResponseForm,
    SettleForm,
    deliberations_for,
)
from programs.models import Deliberation, Opinion, Question, Questionnaire, Response
from shequ import locking
from shequ.errors import DomainError, add_to_form

PAGE_SIZE = 50
FOUND = 20  # search results offered to pick from


def _home_place(user) -> dict:
    """The place a new record starts in: the user's own community or grid."""
    if user.place_id and user.place.kind in (PlaceKind.COMMUNITY, PlaceKind.GRID):
        return {"place": user.place_id}
    return {}


def _as_initial(post: QueryDict) -> dict:
    """A posted form as initial values, to show it again without judging it (after a search
    on the same page): lists stay lists for the multiple-choice fields."""
    return {k: v if len(v) > 1 else v[0] for k, v in post.lists() if k != "csrfmiddlewaretoken"}


# --- Picking a resident or a household from a search --------------------------------------------


@dataclass
class Candidate:
    pk: int
    label: str
    note: str
    taken: bool = False


def _resident_candidates(residents) -> list[Candidate]:
    rows = residents.select_related("place").annotate(address=queries.current_address())
    return [
        Candidate(
            r.pk,
            r.name,
            " · ".join(
                p
                for p in (
                    r.sex,
                    _("%(y)s年生") % {"y": r.birth_date.year} if r.birth_date else "",
                    r.place.name,
                    r.address or "",
                )
                if p
            ),
        )
        for r in rows
    ]


def _household_candidates(households) -> list[Candidate]:
    rows = households.select_related("head", "dwelling", "place")
    return [
        Candidate(
            h.pk,
            _("户号 %(n)s") % {"n": h.number},
            " · ".join(
                p
                for p in (
                    _("户主 %(name)s") % {"name": h.head.name} if h.head_id else "",
                    h.dwelling.address if h.dwelling_id else "",
                    h.place.name,
                )
                if p
            ),
        )
        for h in rows
    ]


def _find_residents(user, q: str, under: str = "") -> list[Candidate]:
    residents = Resident.objects.visible_to(user).present().filter(place_path__under=under)
    return _resident_candidates(
        queries.search(residents, q).order_by("place_path", "pk")[: FOUND + 1]
    )


def _find_households(user, q: str, under: str) -> list[Candidate]:
    """Households by number (its start) or by a member's name, pinyin initials, ID number,
    phone or address, as the registry's search reads them."""
    members = queries.search(Resident.objects.visible_to(user).present(), q)
    homes = Residence.objects.current().filter(resident__in=members).values("household_id")
    households = (
        Household.objects.visible_to(user)
        .filter(place_path__under=under, dissolved_on__isnull=True)
        .filter(Q(number__startswith=q.strip()) | Q(pk__in=homes))
        .order_by("place_path", "number")[: FOUND + 1]
    )
    return _household_candidates(households)


def _picker(*, name: str, q: str, found: list[Candidate], chosen: Candidate | None, **extra):
    """What programs/_pick.html shows: the search, the one chosen and the others found (up to
    FOUND; `more` when there were more)."""
    return {
        "name": name,
        "q": q,
        "searched": bool(q),
        "found": [c for c in found[:FOUND] if chosen is None or c.pk != chosen.pk],
        "more": len(found) > FOUND,
        "chosen": chosen,
        "none_label": "",
        "placeholder": "",
        "errors": [],
        **extra,
    }


def _chosen_pk(form, name: str) -> int | None:
    value = form.data.get(name) if form.is_bound else form.initial.get(name)
    value = getattr(value, "pk", value)
    return int(value) if str(value or "").isdigit() else None


# --- Opinions -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def opinion_list(request: HttpRequest) -> HttpResponse:
    """社情民意 by period, source, category, outcome, place and words, with the counts by
    category and by outcome; open ones can be taken to a deliberation together."""
    require(request.user, Perm.VIEW_RECORDS)
    user = request.user
    filters = OpinionFilterForm(request.GET, user=user)
    filters.is_valid()  # the filters that were read apply; a refused one says why
    chosen = filters.cleaned_data
    opinions = Opinion.objects.visible_to(user)
    if start := chosen.get("start"):
        opinions = opinions.filter(date__gte=start)
    if end := chosen.get("end"):
        opinions = opinions.filter(date__lte=end)
    if source := chosen.get("source"):
        opinions = opinions.filter(source=source)
    if place := chosen.get("place"):
        opinions = opinions.filter(place_path__under=place.path)
    if q := chosen.get("q", "").strip():
        opinions = opinions.filter(Q(content__contains=q) | Q(from_name__contains=q))
    category, outcome = chosen.get("category"), chosen.get("outcome")
    of_category = opinions.filter(category=category) if category else opinions
    of_outcome = opinions.filter(outcome=outcome) if outcome else opinions
    by_category = dict(of_outcome.order_by().values_list("category").annotate(n=Count("id")))
    by_outcome = dict(of_category.order_by().values_list("outcome").annotate(n=Count("id")))
    rows = of_category.filter(outcome=outcome) if outcome else of_category
    before = request.GET.get("before", "")
    if before.isdigit():
        last = rows.filter(pk=int(before)).values_list("date", flat=True).first()
        if last is not None:
            rows = rows.filter(Q(date__lt=last) | Q(date=last, pk__lt=int(before)))
    rows = list(
        rows.select_related("place", "deliberation").order_by("-date", "-pk")[: PAGE_SIZE + 1]
    )
    query = request.GET.copy()
    query.pop("before", None)

    def link(**change) -> str:
        chip = query.copy()
        for key, value in change.items():
            chip[key] = value
        return f"?{chip.urlencode()}"

    can_edit = has_perm(user, Perm.EDIT_RECORDS)
    open_rows = can_edit and any(r.outcome == Opinion.Outcome.OPEN for r in rows[:PAGE_SIZE])
    return render(
        request,
        "programs/opinion_list.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
            "is_first_page": not before,
            "query": query.urlencode(),
            "filters": filters,
            "total": sum(by_outcome.values()),
            "categories": [
                (value, label, by_category.get(value, 0), link(category=value), value == category)
                for value, label in Opinion.Category.choices
            ],
            "all_categories": link(category=""),
            "outcomes": [
                (value, label, by_outcome.get(value, 0), link(outcome=value), value == outcome)
                for value, label in Opinion.Outcome.choices
            ],
            "all_outcomes": link(outcome=""),
            "can_edit": can_edit,
            "deliberations": list(deliberations_for(user)[:50]) if open_rows else [],
            "open_rows": open_rows,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    user = request.user
    searching = "search" in request.POST
    # A preset from "保存并继续登记": the same day, source and place as the last one.
    initial = {"date": timezone.localdate(), **_home_place(user)}
    initial.update({k: v for k, v in request.GET.items() if k in ("date", "source", "place")})
    if searching:
        form = OpinionForm(initial=_as_initial(request.POST), user=user)
    else:
        form = OpinionForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and not searching and form.is_valid():
        data = form.cleaned_data
        try:
            opinion = services.collect_opinion(
                services.OpinionData(
                    date=data["date"],
                    source=data["source"],
                    category=data["category"],
                    content=data["content"],
                    place=data["place"],
                    resident=data["resident"],
                    from_name=data["from_name"],
                ),
                by=user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已登记社情民意"))
            if "another" in request.POST:
                preset = {"date": opinion.date, "source": opinion.source}
                preset["place"] = data["place"].pk if data["place"] else ""
                return redirect(f"{reverse('programs:opinion-create')}?{urlencode(preset)}")
            return redirect("programs:opinion-detail", pk=opinion.pk)
    q = request.POST.get("find", "").strip()[:50]
    chosen = None
    if pk := _chosen_pk(form, "resident"):
        chosen = next(
            iter(_resident_candidates(form.fields["resident"].queryset.filter(pk=pk))), None
        )
    return render(
        request,
        "programs/opinion_form.html",
        {
            "form": form,
            "pick": _picker(
                name="resident",
                q=q,
                found=_find_residents(user, q) if q else [],
                chosen=chosen,
                label=form["resident"].label,
                placeholder=_("姓名、拼音首字母、身份证号、手机号或地址"),
                none_label=_("不选（填写下面的姓名，或匿名）"),
                errors=form["resident"].errors if form.is_bound else [],
            ),
        },
    )


def _get_opinion(request: HttpRequest, pk: int, *, edit: bool = False) -> Opinion:
    return get_for_user(
        Opinion.objects.select_related("place", "resident", "deliberation", "created_by"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


@login_required
@require_http_methods(["GET"])
def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _opinion_page(request, _get_opinion(request, pk))


def _opinion_page(
    request: HttpRequest, opinion: Opinion, form: SettleForm | None = None, status: int = 200
):
    user = request.user
    can_edit = has_perm(user, Perm.EDIT_RECORDS)
    if can_edit and form is None:
        initial = {"outcome": opinion.outcome if opinion.outcome != Opinion.Outcome.OPEN else ""}
        initial |= {"deliberation": opinion.deliberation_id, "reply": opinion.reply}
        initial["version"] = opinion.version
        form = SettleForm(initial=initial, user=user, opinion=opinion)
    return render(
        request,
        "programs/opinion_detail.html",
        {
            "opinion": opinion,
            "current_place": opinion.place,
            "form": form if can_edit else None,
            "can_edit": can_edit,
        },
        status=status,
    )


@login_required
@require_POST
def opinion_settle(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = _get_opinion(request, pk, edit=True)
    form = SettleForm(request.POST, user=request.user, opinion=opinion)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.settle_opinion(
                opinion,
                outcome=data["outcome"],
                deliberation=data["deliberation"],
                reply=data["reply"],
                by=request.user,
                version=data["version"],
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, opinion, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request, _("已登记处理情况：%(o)s") % {"o": opinion.get_outcome_display()}
            )
            return redirect("programs:opinion-detail", pk=opinion.pk)
    opinion.refresh_from_db()  # the page shows the opinion as it is, the form as typed
    return _opinion_page(request, opinion, form, status)


@login_required
@require_POST
def opinion_bulk_settle(request: HttpRequest) -> HttpResponse:
    """提交议事 for the open opinions ticked on the list, all to one deliberation."""
    require(request.user, Perm.EDIT_RECORDS)
    user = request.user
    ids = [int(v) for v in request.POST.getlist("opinions") if v.isdigit()][:PAGE_SIZE]
    opinions = list(Opinion.objects.visible_to(user).filter(pk__in=ids).order_by("date", "pk"))
    picked = request.POST.get("deliberation", "")
    deliberation = (
        Deliberation.objects.visible_to(user).filter(pk=int(picked)).first()
        if picked.isdigit()
        else None
    )
    try:
        if deliberation is None:
            raise DomainError(_("请选择提交的议事协商"), field="deliberation")
        count = services.take_to_deliberation(opinions, deliberation=deliberation, by=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已将%(n)d条意见提交议事“%(d)s”") % {"n": count, "d": deliberation.topic},
        )
    back = QueryDict(request.POST.get("query", ""))  # the list's filters, as they were
    return redirect(f"{reverse('programs:opinion-list')}?{back.urlencode()}")


# --- Deliberations ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def deliberation_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    user = request.user
    filters = DeliberationFilterForm(request.GET, user=user)
    filters.is_valid()
    chosen = filters.cleaned_data
    found = Deliberation.objects.visible_to(user)
    if year := chosen.get("year"):
        found = found.filter(date__year=year)
    if place := chosen.get("place"):
        found = found.filter(place_path__under=place.path)
    if q := chosen.get("q", "").strip():
        found = found.filter(Q(topic__contains=q) | Q(decision__contains=q))
    figures = found.aggregate(
        meetings=Count("id", distinct=True),
        published=Count("id", distinct=True, filter=Q(published_on__isnull=False)),
        opinions=Count("opinions"),
    )
    rows = (
        found.select_related("place", "record")
        .annotate(opinion_count=Count("opinions"))
        .order_by("-date", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/deliberation_list.html",
        {
            "page": page,
            "filters": filters,
            "figures": figures,
            "can_edit": has_perm(user, Perm.EDIT_RECORDS),
        },
    )


def _get_deliberation(request: HttpRequest, pk: int, *, edit: bool = False) -> Deliberation:
    return get_for_user(
        Deliberation.objects.select_related("place", "record", "created_by"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


@login_required
@require_http_methods(["GET"])
def deliberation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting, its decision and publication, the opinions taken to it and its record."""
    user = request.user
    deliberation = _get_deliberation(request, pk)
    record = deliberation.record
    return render(
        request,
        "programs/deliberation_detail.html",
        {
            "deliberation": deliberation,
            "current_place": deliberation.place,
            "opinions": deliberation.opinions.visible_to(user)
            .select_related("place")
            .order_by("date", "pk"),
            "record_visible": record is not None
            and WorkRecord.objects.visible_to(user).filter(pk=record.pk).exists(),
            "can_edit": has_perm(user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deliberation_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    initial = {"date": timezone.localdate(), "participants": 0, **_home_place(request.user)}
    initial.update({k: v for k, v in request.GET.items() if k in ("place", "topic", "date")})
    return _deliberation_form(request, None, initial)


@login_required
@require_http_methods(["GET", "POST"])
def deliberation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = _get_deliberation(request, pk, edit=True)
    initial = {name: getattr(deliberation, name) for name in services.DELIBERATION_FIELDS}
    initial["place"] = deliberation.place_id
    initial["record"] = deliberation.record_id
    initial["version"] = deliberation.version
    return _deliberation_form(request, deliberation, initial)


def _deliberation_form(request: HttpRequest, deliberation: Deliberation | None, initial: dict):
    user = request.user
    searching = "search" in request.POST  # "查找会议记录": the records near the typed date
    if searching:
        form = DeliberationForm(initial=_as_initial(request.POST), user=user)
    else:
        form = DeliberationForm(request.POST or None, initial=initial, user=user)
    status = 200
    if request.method == "POST" and not searching and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.record_deliberation(
                services.DeliberationData(
                    topic=data["topic"],
                    date=data["date"],
                    place=data["place"],
                    participants=data["participants"],
                    decision=data["decision"],
                    published_on=data["published_on"],
                    record=data["record"],
                ),
                deliberation=deliberation,
                by=user,
                version=data.get("version"),
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, deliberation, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存议事协商"))
            return redirect("programs:deliberation-detail", pk=saved.pk)
    if deliberation is None:
        title, back = _("登记议事协商"), reverse("programs:deliberation-list")
    else:
        title = _("修改议事协商")
        back = reverse("programs:deliberation-detail", args=[deliberation.pk])
    return render(
        request,
        "programs/deliberation_form.html",
        {"form": form, "title": title, "back": back, "deliberation": deliberation},
        status=status,
    )


# --- Questionnaires -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    user = request.user
    filters = QuestionnaireFilterForm(request.GET, user=user)
    filters.is_valid()
    chosen = filters.cleaned_data
    found = Questionnaire.objects.visible_to(user)
    if place := chosen.get("place"):
        found = found.filter(place_path__under=place.path)
    if q := chosen.get("q", "").strip():
        found = found.filter(title__contains=q)
    rows = (
        found.select_related("place")
        .annotate(
            response_count=Count("responses", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .order_by("-starts_on", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for row in page:
        row.state = (
            _("未开始")
            if today < row.starts_on
            else _("进行中")
            if today <= row.ends_on
            else _("已结束")
        )
    return render(
        request,
        "programs/questionnaire_list.html",
        {"page": page, "filters": filters, "can_edit": has_perm(user, Perm.EDIT_RECORDS)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_create(request: HttpRequest) -> HttpResponse:
    """A questionnaire and its questions, typed one per block; "预览" shows how the questions
    were read without saving."""
    require(request.user, Perm.EDIT_RECORDS)
    user = request.user
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today + datetime.timedelta(days=30)}
    form = QuestionnaireForm(request.POST or None, initial=initial | _home_place(user), user=user)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            kinds = dict(Question.Kind.choices)
            preview = [
                (q.text, kinds[q.kind], Question(choices=q.choices).choice_list())
                for q in data["questions"]
            ]
        else:
            try:
                questionnaire = services.create_questionnaire(
                    title=data["title"],
                    intro=data["intro"],
                    place=data["place"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    by_household=data["by_household"],
                    questions=data["questions"],
                    by=user,
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已发起问卷，可以开始录入答卷"))
                return redirect("programs:questionnaire-detail", pk=questionnaire.pk)
    return render(
        request,
        "programs/questionnaire_form.html",
        {
            "form": form,
            "preview": preview,
            "example": QUESTIONS_EXAMPLE,
        },
    )


def _get_questionnaire(request: HttpRequest, pk: int, *, edit: bool = False) -> Questionnaire:
    return get_for_user(
        Questionnaire.objects.select_related("place", "created_by"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


@login_required
@require_http_methods(["GET"])
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The questionnaire and its results: for each question how many chose each option, with
    the share of all responses as a bar; the written answers listed."""
    questionnaire = _get_questionnaire(request, pk)
    results = services.results(questionnaire)
    for item in results:
        item["is_text"] = item["question"].kind == Question.Kind.TEXT
        item["answered"] = sum(n for _v, n, _s in item["options"])
    responses = results[0]["responses"] if results else questionnaire.responses.count()
    recent = (
        questionnaire.responses.select_related("household", "resident", "created_by").order_by(
            "-pk"
        )[:10]
        if responses
        else []
    )
    return render(
        request,
        "programs/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "current_place": questionnaire.place,
            "results": results,
            "responses": responses,
            "recent": recent,
            "is_open": questionnaire.is_open(),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """录入答卷: find the household or resident in the questionnaire's place, then answer; the
    page comes back empty for the next paper form."""
    questionnaire = _get_questionnaire(request, pk, edit=True)
    user = request.user
    questions = questionnaire.questions.all()
    today = timezone.localdate()
    day = min(max(today, questionnaire.starts_on), questionnaire.ends_on)
    searching = "search" in request.POST
    kwargs = {"user": user, "questionnaire": questionnaire, "questions": questions}
    if searching:
        form = ResponseForm(initial=_as_initial(request.POST), **kwargs)
    else:
        form = ResponseForm(request.POST or None, initial={"date": day}, **kwargs)
    if request.method == "POST" and not searching and form.is_valid():
        who = form.cleaned_data["respondent"]
        by_household = questionnaire.by_household
        try:
            services.respond(
                questionnaire,
                answers=form.answers(),
                household=who if by_household else None,
                resident=None if by_household else who,
                date=form.cleaned_data["date"],
                by=user,
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            count = questionnaire.responses.count()
            messages.success(
                request,
                _("已录入%(who)s的答卷，本问卷共%(n)d份") % {"who": _shown(who), "n": count},
            )
            return redirect("programs:questionnaire-respond", pk=questionnaire.pk)
    q = request.POST.get("find", "").strip()[:50]
    under = questionnaire.place_path
    if questionnaire.by_household:
        found = _find_households(user, q, under) if q else []
        candidates = _household_candidates
    else:
        found = _find_residents(user, q, under) if q else []
        candidates = _resident_candidates
    field = "household_id" if questionnaire.by_household else "resident_id"
    answered = set(
        Response.objects.filter(
            questionnaire=questionnaire, **{f"{field}__in": [c.pk for c in found]}
        ).values_list(field, flat=True)
        if found
        else []
    )
    for candidate in found:
        candidate.taken = candidate.pk in answered
    chosen = None
    if pk := _chosen_pk(form, "respondent"):
        chosen = next(iter(candidates(form.fields["respondent"].queryset.filter(pk=pk))), None)
    return render(
        request,
        "programs/questionnaire_respond.html",
        {
            "questionnaire": questionnaire,
            "current_place": questionnaire.place,
            "form": form,
            "pick": _picker(
                name="respondent",
                q=q,
                found=found,
                chosen=chosen,
                label=_("填写的户") if questionnaire.by_household else _("填写的居民"),
                placeholder=_("户号，或户内成员的姓名、拼音首字母、身份证号")
                if questionnaire.by_household
                else _("姓名、拼音首字母、身份证号、手机号或地址"),
                errors=form["respondent"].errors if form.is_bound else [],
            ),
            "responses": questionnaire.responses.count(),
        },
    )


def _shown(who) -> str:
    return _("户号%(n)s") % {"n": who.number} if isinstance(who, Household) else who.name
