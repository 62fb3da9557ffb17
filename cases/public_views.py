"""居民自助报事: the pages residents open without an account. They file a request, get a tracking
code, look the request up with that code and their phone, and rate its outcome. A page shows
the one request the code and phone both match, and of it only what the resident should read:
the steps taken and when, and the outcome the worker wrote for them — never the workers' names
or their notes along the way."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from audit.middleware import client_ip
from cases import services
from cases.forms import PublicRequestForm, RatingForm, TrackForm
from cases.models import Case
from shequ.errors import DomainError, add_to_form


@dataclass(frozen=True)
class Step:
    """One line of the timeline as the resident sees it."""

    at: datetime.datetime
    label: str
    note: str = ""  # only an outcome written for the resident
    rating: str = ""


def _not_found() -> str:
    # The same words whichever of the two was wrong: the page confirms nothing to a guesser.
    return _("查询码或手机号码不正确，请核对后再试")


# Every page here carries a resident's own request (the filed code, their timeline): no cache
# along the way may keep a copy.
@never_cache
@require_http_methods(["GET", "POST"])
def public_file(request: HttpRequest) -> HttpResponse:
    form = PublicRequestForm(request.POST or None, community_code=request.GET.get("c", "")[:15])
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case = services.file_request(form.request_data())
        except services.Throttled as exc:
            add_to_form(form, exc)
            status = 429
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            # Shown in the answer to the POST itself, never at a URL that could be opened again.
            return render(request, "cases/public_filed.html", {"case": case})
    return render(request, "cases/public_file.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def public_track(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = TrackForm(initial={"code": request.GET.get("code", "")[:20]})
        return _lookup_page(request, form)
    form = TrackForm(request.POST)
    if refused := services.lookup_refused_for(client_ip(request)):
        return _lookup_page(request, form, error=refused, status=429)
    if not form.is_valid():
        return _lookup_page(request, form)
    case = services.find_by_code(form.cleaned_data["code"], form.cleaned_data["phone"])
    if case is None:
        return _lookup_page(request, form, error=_not_found())
    return _case_page(request, case)


@never_cache
@require_POST
def public_rate(request: HttpRequest) -> HttpResponse:
    """The rating travels with the code and phone of the page it was given on; both are checked
    again, exactly as a lookup, before anything changes."""
    lookup = TrackForm(request.POST)
    if refused := services.lookup_refused_for(client_ip(request)):
        return _lookup_page(request, lookup, error=refused, status=429)
    case = services.find_by_code(request.POST.get("code", ""), request.POST.get("phone", ""))
    if case is None:
        return _lookup_page(request, lookup, error=_not_found())
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, rating_form=form)
    try:
        case = services.rate_by_resident(
            case,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except services.ConflictError:
        # The case is read afresh above, so the page below shows what changed and its form
        # carries the new version: the resident can rate again after reading it.
        form.add_error(None, _("办理情况刚刚有了更新，请查看后再评价"))
        return _case_page(request, case, rating_form=form)
    except DomainError as exc:
        add_to_form(form, exc)
        return _case_page(request, case, rating_form=form)
    return _case_page(request, case, rated=True)


def _lookup_page(
    request: HttpRequest, form: TrackForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(request, "cases/public_track.html", {"form": form, "error": error}, status=status)


def _case_page(
    request: HttpRequest, case: Case, *, rating_form: RatingForm | None = None, rated: bool = False
) -> HttpResponse:
    flow = case.flow
    steps = []
    events = case.events.order_by("at", "id").values_list("at", "action", "label", "note", "data")
    for at, code, label, note, data in events:
        action = flow.action(code)
        shown = note if action is not None and action.public_note else ""
        steps.append(Step(at=at, label=label, note=shown, rating=data.get("rating", "")))
    # What a resident may do is what the flow marks public (回访), when its state allows it.
    can_rate = any(action.public for action in flow.allowed(case.state))
    return render(
        request,
        "cases/public_track.html",
        {
            "case": case,
            "steps": steps,
            "rated": rated,
            "rating_form": (rating_form or RatingForm()) if can_rate else None,
            # A refusal when the form is no longer offered (rated twice, say) still shows.
            "rating_errors": rating_form.non_field_errors() if rating_form and not can_rate else [],
        },
    )
