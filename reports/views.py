"""Statistics (统计): the indicators of a place and period grouped by work area, each beside the
same period a year before and opening the records behind it; the catalogue of every indicator
with its definition; and the drill-down of one indicator by child place, by month, and row by
row."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.models import Place
from reports import catalogue, services
from reports.engine import OWN, evaluate, records_behind
from reports.forms import PeriodForm, year_before
from reports.subjects import PLACE_SUBJECT
from reports.summary_views import worker_for
from shequ.errors import DomainError
from shequ.replica import reads_replica

DRILL_ROWS = 200


def _period(request: HttpRequest) -> tuple[PeriodForm, Place | None]:
    """The period form, read from the query or set to the user's place and this year; and the
    chosen place, fetched through the scope (None when the form is refused)."""
    data = request.GET.copy()
    if not data.get("place") and request.user.place_id:
        data["place"] = str(request.user.place_id)
    if not (data.get("year") or data.get("start") or data.get("end")):
        data["year"] = str(timezone.localdate().year)  # shown in the year field too
    form = PeriodForm(data, user=request.user)
    if not form.is_valid():
        return form, None
    return form, get_for_user(Place, request.user, pk=form.cleaned_data["place"].pk)


def _query(place: Place, form: PeriodForm, **extra) -> str:
    span = form.span()
    return urlencode(
        {"place": place.pk, "start": span.start.isoformat(), "end": span.end.isoformat(), **extra}
    )


def _drill_url(indicator, place: Place, form: PeriodForm, **subject) -> str:
    return reverse("reports:drill", args=[indicator.id]) + "?" + _query(place, form, **subject)


def _subject(request: HttpRequest):
    """A department's or a worker's figures (the summary's links name them); the place's
    whole work otherwise. A worker's are read as their summary is: oneself, or a worker under
    one's place for those who review staff."""
    try:
        if request.GET.get("department"):
            return services.department_subject(request.GET["department"])
        if request.GET.get("worker"):
            return services.worker_subject(worker_for(request, int(request.GET["worker"])))
    except (DomainError, ValueError):
        raise Http404 from None
    return PLACE_SUBJECT


@login_required
@require_http_methods(["GET"])
@reads_replica
def statistics(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_RECORDS)
    form, place = _period(request)
    sections = []
    if place is not None:
        indicators, rates = catalogue.visible(request.user)
        span = form.span()
        now = evaluate(indicators, place, span, breakdown=False)
        before = evaluate(indicators, place, year_before(span), breakdown=False)
        for area in catalogue.AREAS:
            figures = [
                {
                    "indicator": i,
                    "value": now.totals[i.id],
                    "before": before.totals[i.id],
                    "url": _drill_url(i, place, form),
                }
                for i in indicators
                if i.area == area
            ]
            shares = []
            for r in rates:
                if r.area != area:
                    continue
                top, bottom, _value = now.rate(r)
                shares.append(
                    {
                        "rate": r,
                        "top": top,
                        "bottom": bottom,
                        # "84.7%", or in the rate's own unit ("2.0个/公里")
                        "percent": r.shown(top, bottom),
                        "before": r.shown(*before.rate(r)[:2]),
                        "top_url": _drill_url(r.numerator, place, form),
                        "bottom_url": _drill_url(r.denominator, place, form),
                    }
                )
            if figures or shares:
                sections.append({"area": area, "figures": figures, "rates": shares})
    return render(
        request,
        "reports/statistics.html",
        {"form": form, "place": place, "sections": sections, "current_place": place},
    )


@login_required
@require_http_methods(["GET"])
@reads_replica
def compare(request: HttpRequest) -> HttpResponse:
    """按下级比较: every indicator and rate of a place by its child places (a sub-district's
    communities side by side), each cell opening that child's records. One evaluation with the
    breakdown: the same grouped queries as the statistics page."""
    require(request.user, Perm.VIEW_RECORDS)
    form, place = _period(request)
    sections, children = [], []
    if place is not None:
        indicators, rates = catalogue.visible(request.user)
        figures = evaluate(indicators, place, form.span())
        children = figures.children
        own = any(figures.by_child[i.id].get(OWN) for i in indicators)
        columns = [*children, None] if own else children

        def cells(indicator) -> list:
            values = figures.by_child[indicator.id]
            return [
                (values.get(c.pk if c else OWN, 0), _drill_url(indicator, c, form) if c else "")
                for c in columns
            ]

        def shares(rate) -> list:
            tops, bottoms = (
                figures.by_child[rate.numerator.id],
                figures.by_child[rate.denominator.id],
            )
            out = []
            for c in columns:
                key = c.pk if c else OWN
                top, bottom = tops.get(key, 0), bottoms.get(key, 0)
                out.append(f"{rate.shown(top, bottom)}（{rate.counts(top, bottom)}）")
            return out

        for area in catalogue.AREAS:
            rows = [(i, figures.totals[i.id], cells(i)) for i in indicators if i.area == area]
            rated = [(r, shares(r)) for r in rates if r.area == area]
            if rows or rated:
                sections.append({"area": area, "rows": rows, "rates": rated})
        children = columns
    return render(
        request,
        "reports/compare.html",
        {
            "form": form,
            "place": place,
            "sections": sections,
            "children": children,
            "current_place": place,
        },
    )


@login_required
@require_http_methods(["GET"])
def indicator_list(request: HttpRequest) -> HttpResponse:
    """Every indicator and rate this role may see, with what it counts, in plain words."""
    require(request.user, Perm.VIEW_RECORDS)
    indicators, rates = catalogue.visible(request.user)
    return render(
        request,
        "reports/indicator_list.html",
        {
            "areas": [
                {
                    "area": area,
                    "indicators": [i for i in indicators if i.area == area],
                    "rates": [r for r in rates if r.area == area],
                }
                for area in catalogue.AREAS
            ]
        },
    )


@login_required
@require_http_methods(["GET"])
@reads_replica
def drill(request: HttpRequest, indicator_id: str) -> HttpResponse:
    """One indicator for a place and period: its value, by child place (each opening the same
    page for that place), by month, and the records it counts."""
    require(request.user, Perm.VIEW_RECORDS)
    indicator = catalogue.indicator(indicator_id)
    if indicator is None or not has_perm(request.user, indicator.needs):
        raise Http404
    subject = _subject(request)
    counted = subject.narrow(indicator)
    if counted is None:
        raise Http404  # nothing of the department's or the worker's is counted by it
    form, place = _period(request)
    context: dict = {
        "indicator": indicator,
        "form": form,
        "place": place,
        "current_place": place,
        "subject": subject,
        "hidden": list(subject.query().items()),
        "subject_note": subject.note(indicator),
    }
    if place is not None:
        span = form.span()
        figures = evaluate([counted], place, span)
        cells = figures.by_child[indicator.id]
        children = [
            (child, cells.get(child.pk, 0), _drill_url(indicator, child, form, **subject.query()))
            for child in figures.children
        ]
        if cells.get(OWN):
            children.append((None, cells[OWN], ""))
        months = sorted(figures.by_month[indicator.id].items())
        rows = records_behind(counted, place, span).select_related(*indicator.source.related)
        context.update(
            total=figures.totals[indicator.id],
            span=span,
            children=children,
            months=_bars(months),
            count=rows.count(),
            rows=[
                indicator.source.show(r) for r in rows.order_by(*_newest(indicator))[:DRILL_ROWS]
            ],
            shown=DRILL_ROWS,
        )
    return render(request, "reports/drill.html", context)


def _newest(indicator) -> list[str]:
    source = indicator.source
    when = source.date or source.start
    return [f"-{when}", "-pk"] if when else ["-pk"]


def _bars(months: list) -> list[dict]:
    """Each month's value with the bar's length on a 0–100 scale, for the inline SVG chart."""
    top = max((float(v) for _m, v in months), default=0) or 1
    return [{"month": m, "value": v, "length": round(float(v) / top * 100, 1)} for m, v in months]
