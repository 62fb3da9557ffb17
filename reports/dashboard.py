"""What a place's home page adds from the reports: this year's key figures, each opening its
records or the statistics page, and what needs attention now (overdue cases, requests waiting
for their follow-up, rectification orders past their deadline, residents' opinions waiting
more than a month)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Perm, has_perm
from areas.kinds import PlaceKind
from areas.models import Place
from cases.models import Case
from inspections.models import Rectification
from people.ledgers import Span
from programs.models import Opinion
from reports import catalogue
from reports.engine import evaluate
from shequ.home import Tile

KEY = ["records.all", "requests.all", "disputes.all"]
KEY_RATES = ["rate.requests.closed", "rate.requests.satisfied", "rate.disputes.agreed"]
OPINION_WAIT_DAYS = 30  # an opinion still 待处理 after this long needs attention


def tiles(user, place: Place) -> list[Tile]:
    if not has_perm(user, Perm.VIEW_RECORDS):
        return []
    today = timezone.localdate()
    span = Span(datetime.date(today.year, 1, 1), today)
    period = urlencode({"place": place.pk, "year": today.year})
    rates = [r for r in catalogue.RATES if r.id in KEY_RATES]
    wanted = [catalogue.indicator(i) for i in KEY] + [
        i for r in rates for i in (r.numerator, r.denominator)
    ]
    figures = evaluate(list({i.id: i for i in wanted}.values()), place, span, breakdown=False)
    shown = [
        Tile(
            _("本年%(name)s") % {"name": catalogue.indicator(i).name},
            figures.totals[i],
            f"{reverse('reports:drill', args=[i])}?{period}",
        )
        for i in KEY
    ]
    for rate in rates:
        top, bottom, _value = figures.rate(rate)
        shown.append(
            Tile(
                f"{rate.name}（{rate.counts(top, bottom)}）",  # a rate shows its denominator
                rate.shown(top, bottom),
                f"{reverse('reports:statistics')}?{period}",
            )
        )
    return shown + _attention(user, place)


def _attention(user, place: Place) -> list[Tile]:
    cases = Case.objects.visible_to(user).filter(place_path__under=place.path)
    overdue = cases.overdue().count()
    waiting = cases.filter(kind=Case.Kind.REQUEST, state="已办结").count()
    listing = reverse("cases:case-list")
    found = []
    if overdue:
        query = urlencode({"place": place.pk, "overdue": "on", "year": ""})
        found.append(Tile(_("逾期未办结案件"), overdue, f"{listing}?{query}", attention=True))
    if waiting:
        query = urlencode({"place": place.pk, "kind": "诉求", "state": "已办结", "year": ""})
        found.append(Tile(_("待回访诉求"), waiting, f"{listing}?{query}", attention=True))
    orders = (
        Rectification.objects.visible_to(user)
        .filter(place_path__under=place.path)
        .overdue()
        .count()
    )
    if orders:
        query = urlencode({"place": place.pk, "state": "overdue"})
        orders_list = reverse("inspections:rectification-list")
        found.append(
            Tile(
                _("逾期未整改的整改通知"),
                orders,
                f"{orders_list}?{query}" if orders_list else "",
                attention=True,
            )
        )
    return found + _waiting_opinions(user, place)


def _waiting_opinions(user, place: Place) -> list[Tile]:
    """Opinions still 待处理 more than OPINION_WAIT_DAYS after they were collected, opening
    the opinion list filtered to them (collected on or before the day before the cut-off)."""
    cutoff = timezone.localdate() - datetime.timedelta(days=OPINION_WAIT_DAYS)
    waiting = (
        Opinion.objects.visible_to(user)
        .filter(place_path__under=place.path, outcome=Opinion.Outcome.OPEN, date__lt=cutoff)
        .count()
    )
    if not waiting:
        return []
    query = {"outcome": Opinion.Outcome.OPEN, "end": cutoff - datetime.timedelta(days=1)}
    if place.kind in (PlaceKind.COMMUNITY, PlaceKind.GRID):
        query["place"] = place.pk  # the list's place filter offers communities and grids
    return [
        Tile(
            _("超过%(n)d天待处理的居民意见") % {"n": OPINION_WAIT_DAYS},
            waiting,
            f"{reverse('programs:opinion-list')}?{urlencode(query)}",
            attention=True,
        )
    ]
