"""Rollup cells: the additive indicators pre-added per leaf place and month, so a sub-district's
or a district's year reads a few thousand cells instead of every row.

- What is rolled up: `Indicator.rolled` (counts and sums over rows of a period, whose filter
  depends on neither the period's last day nor today, over a source whose rows carry their own
  place and date). Distinct counts, rows in force on a day and the rest are read raw.
- `rebuild(place, year)` computes the cells of the place's subtree for the year from the rows,
  in one transaction, and records that it covers them (`RollupCoverage`).
- Every write to a rolled source's rows marks its (leaf place, month) stale (`RollupStale`):
  `save()` and `delete()` through signals here, bulk writes through `shequ.signals.rows_written`.
  The engine reads a month from the cells only where a rebuild at the place or above covers it
  and no mark under the place spoils it; the rest of the span comes from the rows.
- `check(place, year)` recomputes the covered, unspoilt cells from the rows and names every one
  that differs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, Min
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from areas.models import Place
from areas.services import place_moved
from audit import services as audit
from people.ledgers import Span
from reports.catalogue import INDICATORS, Indicator, Source
from reports.engine import _ROWS, _aggregate, _row_counts, in_scope, shaped
from reports.models import RollupCell, RollupCoverage, RollupStale
from shequ.signals import rows_written

Key = tuple[str, datetime.date, str]  # leaf place path, month, indicator


def rolled() -> dict[str, tuple[Source, list[Indicator]]]:
    """The rolled indicators by source code."""
    out: dict[str, tuple[Source, list[Indicator]]] = {}
    for indicator in INDICATORS:
        if indicator.rolled:
            out.setdefault(indicator.source.code, (indicator.source, []))[1].append(indicator)
    return out


def months_of(year: int) -> list[datetime.date]:
    return [datetime.date(year, m, 1) for m in range(1, 13)]


def day_of(day: datetime.date | datetime.datetime) -> datetime.date:
    """A row's day (a moment's, in local time)."""
    if isinstance(day, datetime.datetime):
        return timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day


def month_of(day: datetime.date | datetime.datetime) -> datetime.date:
    return day_of(day).replace(day=1)


Bounds = dict[datetime.date, tuple[datetime.date, datetime.date]]


def from_rows(place: Place, year: int, bounds: Bounds | None = None) -> dict[Key, tuple]:
    """Every non-empty cell of the place's subtree for the year, computed from the rows: one
    grouped query per rolled source. With `bounds`, also the first and last day of a row in
    each month, whether an indicator counts it or not."""
    span = Span(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    cells: dict[Key, tuple[Decimal | int, int]] = {}
    for source, group in rolled().values():
        rows = in_scope(source, place, span).annotate(
            _path=F(source.path), _month=TruncMonth(source.date)
        )
        aggregates = {i.id: _aggregate(i, span.end) for i in group} | _row_counts(group, span.end)
        aggregates |= {"_first": Min(source.date), "_last": Max(source.date)}
        for row in rows.order_by().values("_path", "_month").annotate(**aggregates):
            month = month_of(row["_month"])
            if bounds is not None:
                first, last = day_of(row["_first"]), day_of(row["_last"])
                was = bounds.get(month, (first, last))
                bounds[month] = (min(was[0], first), max(was[1], last))
            for indicator in group:
                value = row[indicator.id] or 0
                count = row.get(f"{indicator.id}{_ROWS}", value) or 0
                if value or count:
                    cells[(row["_path"], month, indicator.id)] = (value, count)
    return cells


def years_with_rows(place: Place) -> list[int]:
    """The years in which a rolled source has rows under the place."""
    years: set[int] = set()
    for source, _group in rolled().values():
        bounds = (
            source.rows()
            .filter(**{f"{source.path}__under": place.path})
            .aggregate(first=Min(source.date), last=Max(source.date))
        )
        if bounds["first"] is not None:
            years.update(range(month_of(bounds["first"]).year, month_of(bounds["last"]).year + 1))
    return sorted(years)


def due_years(place: Place) -> list[int]:
    """The years with rows under the place that a rebuild would change: some month of it not
    covered by a rebuild of this place, or marked stale under it since. A nightly run rebuilds
    only these, so running it twice in a row does nothing the second time."""
    due = []
    for year in years_with_rows(place):
        months = months_of(year)
        covered = RollupCoverage.objects.filter(place_path=place.path, month__in=months).count()
        stale = RollupStale.objects.filter(place_path__under=place.path, month__in=months)
        if covered < len(months) or stale.exists():
            due.append(year)
    return due


@dataclass
class Rebuilt:
    place: Place
    year: int
    cells: int
    marks: int


@transaction.atomic
def rebuild(place: Place, year: int, *, by=None) -> Rebuilt:
    """The place's cells for the year, computed afresh from the rows, and the coverage that
    lets the engine read them. The stale marks read first are deleted last, exactly those: a
    write committed meanwhile leaves a mark of its own, so nothing it changed is taken as
    rolled up."""
    months = months_of(year)
    marks = list(
        RollupStale.objects.filter(place_path__under=place.path, month__in=months).values_list(
            "pk", flat=True
        )
    )
    bounds: Bounds = {}
    cells = from_rows(place, year, bounds)
    RollupCell.objects.filter(place_path__under=place.path, month__in=months).delete()
    RollupCell.objects.bulk_create(
        (
            RollupCell(place_path=path, month=month, indicator=id_, value=value, rows=rows)
            for (path, month, id_), (value, rows) in cells.items()
        ),
        batch_size=2000,
    )
    RollupCoverage.objects.filter(place_path__under=place.path, month__in=months).delete()
    RollupCoverage.objects.bulk_create(
        RollupCoverage(
            place_path=place.path,
            month=month,
            first_day=bounds.get(month, (None, None))[0],
            last_day=bounds.get(month, (None, None))[1],
        )
        for month in months
    )
    # A rebuild above this place vouches for the days its rows spanned then; the rows here
    # may now reach further (their stale marks were just cleared), so widen its bounds.
    parts = place.path.strip("/").split("/")
    above = ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts) - 1)]
    for wider in RollupCoverage.objects.filter(place_path__in=above, month__in=list(bounds)):
        first, last = bounds[wider.month]
        wider.first_day = min(first, wider.first_day or first)
        wider.last_day = max(last, wider.last_day or last)
        wider.save(update_fields=["first_day", "last_day"])
    for start in range(0, len(marks), 500):
        RollupStale.objects.filter(pk__in=marks[start : start + 500]).delete()
    audit.record(
        by,
        "rollup.rebuild",
        place,
        data={"place": place.code, "year": year, "cells": len(cells), "marks": len(marks)},
    )
    return Rebuilt(place, year, len(cells), len(marks))


@dataclass(frozen=True)
class Difference:
    place_path: str
    month: datetime.date
    indicator: str
    stored: Decimal | int | None  # None: no cell where the rows give a figure
    computed: Decimal | int | None  # None: a cell where the rows give nothing
    stored_rows: int | None
    computed_rows: int | None


@dataclass
class Checked:
    place: Place
    year: int
    months: list[datetime.date]  # those compared: covered, without a stale mark
    skipped: list[datetime.date]  # covered but marked stale: read raw until the next rebuild
    cells: int
    differences: list[Difference]


def check(place: Place, year: int) -> Checked:
    """Compare the cells the engine would trust for the place and year with the rows."""
    parts = place.path.strip("/").split("/")
    above = ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
    covered = set(
        RollupCoverage.objects.filter(place_path__in=above, month__in=months_of(year))
        .values_list("month", flat=True)
        .distinct()
    )
    stale = set(
        RollupStale.objects.filter(place_path__under=place.path, month__in=sorted(covered))
        .values_list("month", flat=True)
        .distinct()
    )
    months = sorted(covered - stale)
    by_id = {i.id: i for i in INDICATORS}
    stored = {
        (c.place_path, c.month, c.indicator): (c.value, c.rows)
        for c in RollupCell.objects.filter(place_path__under=place.path, month__in=months)
    }
    computed = {k: v for k, v in from_rows(place, year).items() if k[1] in set(months)}
    differences = []
    for key in sorted(stored.keys() | computed.keys()):
        indicator = by_id.get(key[2])
        mine = stored.get(key)
        theirs = computed.get(key)
        value = shaped(indicator, mine[0]) if mine and indicator else (mine[0] if mine else None)
        if (
            indicator is not None
            and mine is not None
            and theirs is not None
            and value == theirs[0]
            and mine[1] == theirs[1]
        ):
            continue
        differences.append(
            Difference(
                key[0],
                key[1],
                key[2],
                value,
                theirs[0] if theirs else None,
                mine[1] if mine else None,
                theirs[1] if theirs else None,
            )
        )
    return Checked(place, year, months, sorted(stale), len(stored), differences)


# --- Keeping them in step: stale marks on every write ------------------------------------------


def _watched() -> dict[type, list[Source]]:
    out: dict[type, list[Source]] = defaultdict(list)
    for source, _group in rolled().values():
        out[source.rows().model].append(source)
    return out


WATCHED = _watched()
# The fields of each model that place a row in a leaf place and a month (the first hop of the
# source's path and date): a save naming none of them cannot move the row to another cell.
_PLACING = {
    model: {
        name
        for s in sources
        for name in (s.path.split("__")[0], s.date.split("__")[0], "place", "place_path")
    }
    for model, sources in WATCHED.items()
}


def buckets(model: type, pks) -> set[tuple[str, datetime.date]]:
    """The (leaf place path, month) cells the rows `pks` of `model` fall in."""
    out: set[tuple[str, datetime.date]] = set()
    pks = list(pks)
    for source in WATCHED.get(model, []):
        for start in range(0, len(pks), 500):
            rows = source.rows().filter(pk__in=pks[start : start + 500])
            for path, day in rows.values_list(source.path, source.date).distinct():
                if path and day is not None:
                    out.add((path, month_of(day)))
    return out


def mark(cells: set[tuple[str, datetime.date]]) -> None:
    if cells:
        RollupStale.objects.bulk_create(
            RollupStale(place_path=path, month=month) for path, month in sorted(cells)
        )


def _before_save(sender, instance, update_fields=None, **kwargs) -> None:
    if sender not in WATCHED or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & _PLACING[sender]:
        return
    instance._rollup_before = buckets(sender, [instance.pk])


def _after_save(sender, instance, **kwargs) -> None:
    if sender in WATCHED:
        mark(buckets(sender, [instance.pk]) | instance.__dict__.pop("_rollup_before", set()))


def _before_delete(sender, instance, **kwargs) -> None:
    if sender in WATCHED:
        mark(buckets(sender, [instance.pk]))


@receiver(rows_written)
def _rows_written(sender, pks=(), **kwargs) -> None:
    if sender is None:
        forget_all()
    elif sender in WATCHED:
        mark(buckets(sender, pks))


def forget_all() -> None:
    """No cell is trusted until the next rebuild (a catalogue entry a filter reads changed)."""
    RollupCoverage.objects.all().delete()


def _catalogue_changed(sender, instance, created=False, **kwargs) -> None:
    # Filters read the name of a quantity item and the sensitivity of a group category: a
    # change to either may move rows between indicators in every cell.
    if not created:
        forget_all()


@receiver(place_moved)
def _follow_move(sender, *, old_path: str, new_path: str, **kwargs) -> None:
    """Cells, coverage and marks move with their places; coverage above the new place is
    dropped, as it was built without the rows that just arrived."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    for model in (RollupCell, RollupCoverage, RollupStale):
        model.objects.filter(place_path__under=old_path).update(
            place_path=Concat(Value(new_path), Substr("place_path", len(old_path) + 1))
        )
    parts = new_path.strip("/").split("/")
    above = ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts) - 1)]
    RollupCoverage.objects.filter(place_path__in=above).delete()


def connect() -> None:
    """Called from ReportsConfig.ready()."""
    from ledger.models import QuantityKind
    from people.models import GroupCategory

    for model in WATCHED:
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"rollup-pre-{model.__name__}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"rollup-post-{model.__name__}")
        pre_delete.connect(
            _before_delete, sender=model, dispatch_uid=f"rollup-del-{model.__name__}"
        )
    for model in (QuantityKind, GroupCategory):
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"rollup-cat-{model}")
        post_delete.connect(forget_all_on_delete, sender=model, dispatch_uid=f"rollup-catd-{model}")


def forget_all_on_delete(sender, **kwargs) -> None:
    forget_all()
