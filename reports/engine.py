"""Evaluating indicators for a place and a period: totals, a break-down by the place's child
places and, for rows of a period, by month — in grouped queries, a few per source table, never
one per row or per place.

Rows are assigned to a child place by their place path (the segment after the chosen place's
own path), so the break-down follows the tree as it is now: a grid moved to another community
counts there, as its records' paths were rewritten with the move. Rows of the chosen place
itself (a community's own records, when its grids are the children) form the "本级" bucket.
Rows in force on a day (residences, memberships, staff…) are counted on the period's last day.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Count, F, Q, QuerySet, Sum, Transform, Value
from django.db.models.functions import Coalesce, Greatest, StrIndex, Substr, TruncMonth
from django.utils import timezone

from areas.fields import PlacePathField
from areas.kinds import PlaceKind
from areas.models import Place
from people.ledgers import Span
from reports.catalogue import COUNT, DISTINCT, SUM, Indicator, Rate, Source
from reports.models import RollupCell, RollupCoverage, RollupStale
from shequ.replica import records_database

OWN = 0  # the bucket of rows that sit at the chosen place itself


@dataclass
class Figures:
    place: Place
    span: Span
    children: list[Place] = field(default_factory=list)
    totals: dict[str, Decimal | int] = field(default_factory=dict)
    by_child: dict[str, dict[int, Decimal | int]] = field(default_factory=dict)
    by_month: dict[str, dict[datetime.date, Decimal | int]] = field(default_factory=dict)
    # With `rows`: how many records each total rests on (what its drill-down lists).
    rows: dict[str, int] = field(default_factory=dict)
    queries: int = 0  # how many grouped queries it took (for the tests and the benchmark)

    def rate(self, rate: Rate) -> tuple[int | Decimal, int | Decimal, float | None]:
        """Numerator, denominator and the rate in its unit (a percentage as 84.7; None when
        the denominator is 0)."""
        top = self.totals.get(rate.numerator.id, 0)
        bottom = self.totals.get(rate.denominator.id, 0)
        return top, bottom, rate.value(top, bottom)


class Unindexed(Transform):
    """`date__unindexed__gte=…`: the same comparison, written so that SQLite will not start
    from an index on that column (a unary +; other databases get the column as it is)."""

    lookup_name = "unindexed"

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return (f"+{lhs}" if connection.vendor == "sqlite" else lhs), params


for _field in (models.DateField, models.DateTimeField, PlacePathField):
    _field.register_lookup(Unindexed)


# --- Compiled queries ---------------------------------------------------------------------
# Turning an evaluation's querysets into SQL costs more than running them at a community's size
# (Django builds every filter, join and aggregate anew, ~1 ms a query). The SQL and parameters
# of each query are kept, keyed by everything they are made from (the source, the indicators,
# the place, the period, the months read from cells, today and the time zone); the query itself
# still runs every time, so the figures are always the rows' own. Nothing Python-side that
# shapes a query reads the database (the catalogue's filters are SQL), so the key is complete.


@dataclass
class _Compiled:
    sql: str
    params: tuple
    names: list[str]
    converters: dict
    compiler: object  # applies the converters (a decimal's places, a moment's time zone…)


_COMPILED: OrderedDict[tuple, _Compiled] = OrderedDict()
_COMPILED_MAX = 4096


def _remember(key: tuple, compiled: _Compiled) -> None:
    _COMPILED[key] = compiled
    while len(_COMPILED) > _COMPILED_MAX:
        with suppress(KeyError):  # emptied by another thread meanwhile
            _COMPILED.popitem(last=False)


def _recall(key: tuple) -> _Compiled | None:
    compiled = _COMPILED.get(key)
    if compiled is not None:
        with suppress(KeyError):  # another thread may have just dropped it
            _COMPILED.move_to_end(key)
    return compiled


def _run(compiled: _Compiled, using: str) -> list[dict]:
    with connections[using].cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        rows = cursor.fetchall()
    if compiled.converters:
        rows = compiled.compiler.apply_converters(rows, compiled.converters)
    return [dict(zip(compiled.names, row, strict=True)) for row in rows]


def _cached_rows(key: tuple, build: Callable[[], QuerySet]) -> list[dict]:
    """The rows of a values() queryset, its SQL compiled once per key."""
    using = key[0]
    compiled = _recall(key[1:])
    if compiled is None:
        qs = build()
        query = qs.query
        compiler = query.get_compiler(using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return []  # nothing to send: no row can match (not kept, as it is cheap)
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        compiled = _Compiled(sql, tuple(params), names, compiler.get_converters(fields), compiler)
        _remember(key[1:], compiled)
    return _run(compiled, using)


def _cached_total(
    key: tuple, build: Callable[[], QuerySet], aggregates: Callable[[], dict]
) -> dict:
    """`build().aggregate(**aggregates)`, its SQL compiled once per key: the plain case (no
    annotation to wrap in a subquery) is kept; any other is answered by the ORM each time."""
    using = key[0]
    compiled = _recall(key[1:])
    if compiled is not None:
        return _run(compiled, using)[0]
    qs, aggregates = build(), aggregates()
    if qs.query.annotations or qs.query.distinct or qs.query.group_by:
        return qs.aggregate(**aggregates)
    query = qs.query.chain()
    query.clear_ordering(force=True)
    total = query.get_aggregation(using, aggregates)
    compiler = query.get_compiler(using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return total
    cols = list(query.annotation_select.values())
    converters = compiler.get_converters(cols)
    _remember(
        key[1:], _Compiled(sql, tuple(params), list(query.annotation_select), converters, compiler)
    )
    return total


def _key(*parts) -> tuple:
    """A cache key: the database alias first (the primary or, on a reporting page, the read
    replica; not kept in the key, which names the query),
    then what makes the query, with today and the time zone (filters may read either)."""
    using = records_database()
    return (
        using,
        connections[using].vendor,
        timezone.localdate(),
        timezone.get_current_timezone_name(),
        *parts,
    )


def _scope_keys(source: Source, place: Place) -> tuple[str, str]:
    """The path and date lookups for `in_scope`. Rows that take both from a parent row
    (visits, quantities, room counts from their record or inspection) are read so
    that SQLite, which keeps no histograms, does not walk every parent of the period in the
    whole database (every work record of the year, of every community) probing for the few
    that have such rows: for a sub-district or more, from their own table, each fetching its
    parent by id; for a community or less, from the place's parents (its own path range,
    a fraction of the database), the date checked on each."""
    child = "__" in source.path and "__" in source.date
    if child and place.kind in (PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT):
        return f"{source.path}__unindexed", f"{source.date}__unindexed"
    if child:
        return source.path, f"{source.date}__unindexed"
    return source.path, source.date


def in_scope(source: Source, place: Place, span: Span) -> QuerySet:
    """The source's rows under `place` that count for `span`."""
    path, date = _scope_keys(source, place)
    rows = source.rows().filter(**{f"{path}__under": place.path})
    if source.as_of:
        day = span.end
        if source.start:
            rows = rows.filter(**{f"{source.start}__lte": day})
        if source.end:
            rows = rows.filter(
                Q(**{f"{source.end}__isnull": True}) | Q(**{f"{source.end}__gte": day})
            )
        return rows
    if _is_moment(source):
        start, end = _moments(span)
        return rows.filter(**{f"{date}__gte": start, f"{date}__lt": end})
    return rows.filter(**{f"{date}__gte": span.start, f"{date}__lte": span.end})


def records_behind(
    indicator: Indicator, place: Place, span: Span, *, child: int | None = None
) -> QuerySet:
    """The rows an indicator counts (for the drill-down list), optionally of one child place
    (OWN for the place's own rows)."""
    rows = in_scope(indicator.source, place, span).filter(indicator.condition(span.end))
    if indicator.aggregate == SUM:
        rows = rows.exclude(**{indicator.field: 0}).exclude(**{f"{indicator.field}__isnull": True})
    if child is not None:
        rows = rows.annotate(_child=_child_expr(indicator.source, place)).filter(
            _child="" if child == OWN else str(child)
        )
    return rows


def evaluate(
    indicators: list[Indicator],
    place: Place,
    span: Span,
    *,
    breakdown: bool = True,
    rows: bool = False,
    rollups: bool = True,
) -> Figures:
    """Every indicator's total for `place` and `span`; with `breakdown`, also by child place
    and (for rows of a period) by month; with `rows`, also the number of records behind each
    total, counted in the same queries. With `rollups`, the whole months of the span that
    rollup cells cover (and no write has spoiled since) are read from the cells for the
    indicators kept there, the rest of the span from the rows: the same figures either way."""
    figures = Figures(place, span)
    if breakdown:
        figures.children = list(Place.objects.filter(parent=place).order_by("code"))
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    sources: dict[str, Source] = {}
    for indicator in indicators:
        by_source[indicator.source.code].append(indicator)
        sources[indicator.source.code] = indicator.source
        figures.totals[indicator.id] = 0
        figures.by_child[indicator.id] = {}
        figures.by_month[indicator.id] = {}
        if rows:
            figures.rows[indicator.id] = 0
    months: list[datetime.date] = []
    rolled = [i for i in indicators if i.rolled] if rollups else []
    if rolled:
        months = _rolled_months(figures, place, span)
    if months:
        _from_cells(figures, rolled, months, breakdown, rows)
    rolled_ids = {i.id for i in rolled} if months else set()
    for code, group in by_source.items():
        _evaluate_source(figures, sources[code], group, breakdown, rows, rolled_ids, months)
    return figures


def _rolled_months(figures: Figures, place: Place, span: Span) -> list[datetime.date]:
    """The months of `span` whose cells stand for the rows under `place`: covered by a
    rebuild of the place or a place above it whose rows of the month all lie inside the span
    (a whole month always does), and without a stale mark under the place."""
    months = _months(span)
    parts = place.path.strip("/").split("/")
    above = ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]

    # One query: the months a rebuild at the place or above covers (1), with the days their
    # rows span, and those with a stale mark under the place (2).
    def build() -> QuerySet:
        names = ("month", "_kind", "_first", "_last")
        covered = (
            RollupCoverage.objects.filter(place_path__in=above, month__in=months)
            .annotate(_kind=Value(1), _first=F("first_day"), _last=F("last_day"))
            .values(*names)
        )
        stale = (
            RollupStale.objects.filter(place_path__under=place.path, month__in=months)
            .annotate(_kind=Value(2), _first=F("month"), _last=F("month"))
            .values(*names)
        )
        return covered.union(stale, all=True)

    usable, spoilt = set(), set()
    for row in _cached_rows(_key("rolled months", place.path, span.start, span.end), build):
        month, kind, first, last = row["month"], row["_kind"], row["_first"], row["_last"]
        if kind == 2:
            spoilt.add(month)
        elif (first is None or first >= span.start) and (last is None or last <= span.end):
            usable.add(month)
    figures.queries += 1
    return sorted(usable - spoilt)


def _months(span: Span) -> list[datetime.date]:
    """The first days of the months the span touches."""
    months, month = [], span.start.replace(day=1)
    while month <= span.end:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _from_cells(
    figures: Figures,
    indicators: list[Indicator],
    months: list[datetime.date],
    breakdown: bool,
    count_rows: bool,
) -> None:
    """The rolled indicators over `months`, in one grouped query over the cells."""
    by_id = {i.id: i for i in indicators}

    def build() -> QuerySet:
        cells = RollupCell.objects.filter(
            place_path__under=figures.place.path, month__in=months, indicator__in=list(by_id)
        )
        keys = ["indicator"]
        if breakdown:
            cells = cells.annotate(_child=_child_of("place_path", figures.place), _month=F("month"))
            keys += ["_child", "_month"]
        return cells.order_by().values(*keys).annotate(_value=Sum("value"), _rows=Sum("rows"))

    key = _key("cells", tuple(by_id), tuple(months), breakdown, figures.place.path)
    grouped = _cached_rows(key, build)
    for row in grouped:
        indicator = by_id[row["indicator"]]
        value = shaped(indicator, row["_value"])
        figures.totals[indicator.id] += value
        _add(figures, indicator, row, value)
        if count_rows:
            figures.rows[indicator.id] += row["_rows"] or 0
    figures.queries += 1


def shaped(indicator: Indicator, value) -> Decimal | int:
    """A cell's stored decimal as the rows' own aggregate gives it: a count or a sum of whole
    numbers as an int, a sum of decimals with the field's decimal places."""
    if not value:
        return 0
    places = _decimal_places(indicator)
    if places is None:
        return int(value)
    return Decimal(value).quantize(Decimal(1).scaleb(-places))


def _decimal_places(indicator: Indicator) -> int | None:
    if indicator.aggregate != SUM:
        return None
    model = indicator.source.rows().model
    *hops, last = indicator.field.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    target = model._meta.get_field(last)
    return target.decimal_places if isinstance(target, models.DecimalField) else None


def _evaluate_source(
    figures: Figures,
    source: Source,
    group: list[Indicator],
    breakdown: bool,
    count_rows: bool,
    rolled: set[str] = frozenset(),
    months: list[datetime.date] = (),
) -> None:
    end = figures.span.end
    # What the cells gave already: the rolled indicators read only the rows outside `months`
    # (none when the cells cover the whole span).
    if rolled and _covers(months, figures.span):
        group = [i for i in group if i.id not in rolled]
        if not group:
            return
    narrowed = bool(rolled & {i.id for i in group})
    whole = narrowed and all(i.id in rolled for i in group)
    partly = [i.id for i in group if i.id in rolled] if narrowed and not whole else []
    additive = [i for i in group if i.additive]
    distinct = [i for i in group if not i.additive]
    keys: list[str] = []
    if breakdown:
        keys.append("_child")
        if not source.as_of:
            keys.append("_month")
    place, span = figures.place, figures.span
    key = _key(
        source.code,
        tuple(i.id for i in group),
        breakdown,
        count_rows,
        tuple(sorted(rolled & {i.id for i in group})),
        tuple(months) if narrowed else (),
        place.path,
        place.kind,
        span.start,
        span.end,
    )
    built: dict[str, object] = {}

    def build() -> tuple[QuerySet, dict[str, Q]]:
        """The rows the source's figures read, and the narrowing of some indicators."""
        if built:
            return built["rows"], built["only"]
        rows = in_scope(source, place, span)
        left = _outside(source, months) if narrowed else None
        if whole:
            rows, left = rows.filter(left), None
        only = dict.fromkeys(partly, left)
        if (
            len({str(i.condition(end)) for i in group}) == 1
            and group[0].condition(end)
            and not only
        ):
            # Every figure of the query counts the same rows: say so in WHERE too, so the
            # database may skip the others (the volunteers among a place's participants).
            rows = rows.filter(group[0].condition(end))
        if breakdown:
            rows = rows.annotate(_child=_child_expr(source, place))
            if not source.as_of:
                rows = rows.annotate(_month=TruncMonth(source.date))
        built.update(rows=rows, only=only)
        return rows, only

    if additive:
        # One query: each (child, month) cell; totals are their sums.
        def sums() -> dict:
            only = build()[1]
            extra = _row_counts(additive, end, only) if count_rows else {}
            return _aggregates(additive, end, extra, only)

        if keys:
            answer = _cached_rows(
                (*key, "additive"), lambda: build()[0].order_by().values(*keys).annotate(**sums())
            )
        else:
            answer = [_cached_total((*key, "additive"), lambda: build()[0].order_by(), sums)]
        for row in answer:
            for indicator in additive:
                value = row[indicator.id] or 0
                figures.totals[indicator.id] += value
                _add(figures, indicator, row, value)
                if count_rows:
                    figures.rows[indicator.id] += row.get(f"{indicator.id}{_ROWS}", value) or 0
        figures.queries += 1
    if distinct:
        # A person counted in two months or two grids is one person in the total: the total,
        # each child and each month are counted on their own.
        def aggregates() -> dict:
            extra = _row_counts(distinct, end) if count_rows else {}
            return {i.id: _aggregate(i, end) for i in distinct} | extra

        total = _cached_total((*key, "distinct"), lambda: build()[0].order_by(), aggregates)
        figures.queries += 1
        for indicator in distinct:
            figures.totals[indicator.id] = total[indicator.id] or 0
            if count_rows:
                figures.rows[indicator.id] = total[f"{indicator.id}{_ROWS}"] or 0
        for by in keys:
            answer = _cached_rows(
                (*key, "distinct", by),
                lambda by=by: (
                    build()[0].order_by().values(by).annotate(**_aggregates(distinct, end))
                ),
            )
            for row in answer:
                for indicator in distinct:
                    _add(figures, indicator, row, row[indicator.id] or 0)
            figures.queries += 1


def _covers(months: list[datetime.date], span: Span) -> bool:
    """Whether the cells of `months` stand for the whole span."""
    return set(months) == set(_months(span))


def _outside(source: Source, months: list[datetime.date]) -> Q:
    """The source's rows dated outside `months`."""
    runs: list[list[datetime.date]] = []  # consecutive months as [first day, day after]
    for month in months:
        if runs and runs[-1][1] == month:
            runs[-1][1] = _next_month(month)
        else:
            runs.append([month, _next_month(month)])
    keep = Q()
    for start, end in runs:
        if _is_moment(source):
            start, end = _moments(Span(start, end - datetime.timedelta(days=1)))
        keep &= ~Q(**{f"{source.date}__gte": start, f"{source.date}__lt": end})
    return keep


_ROWS = ".rows"


def _row_counts(
    indicators: list[Indicator], end: datetime.date, only: dict[str, Q] | None = None
) -> dict[str, Count]:
    """The records behind each total, as records_behind() selects them: a count's records are
    what it counts (no extra column); a sum's, its rows with something to add; a distinct
    count's, every row it reads. `only` narrows an indicator to some of the rows."""
    counts = {}
    for indicator in indicators:
        if indicator.aggregate == COUNT:
            continue
        condition = indicator.condition(end) & (only or {}).get(indicator.id, Q())
        if indicator.aggregate == SUM:
            field = indicator.field
            condition &= ~Q(**{field: 0}) & Q(**{f"{field}__isnull": False})
        counts[f"{indicator.id}{_ROWS}"] = Count("pk", filter=condition or None)
    return counts


def _aggregates(
    indicators: list[Indicator],
    end: datetime.date,
    extra: dict | None = None,
    only: dict[str, Q] | None = None,
) -> dict:
    aggregates = {i.id: _aggregate(i, end, (only or {}).get(i.id)) for i in indicators}
    return aggregates | (extra or {})


def _add(figures: Figures, indicator: Indicator, row: dict, value) -> None:
    if not value:
        return
    if "_child" in row:
        child = int(row["_child"]) if row["_child"] else OWN
        cells = figures.by_child[indicator.id]
        cells[child] = cells.get(child, 0) + value
    if row.get("_month") is not None:
        month = row["_month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        cells = figures.by_month[indicator.id]
        cells[month] = cells.get(month, 0) + value


def _aggregate(indicator: Indicator, end: datetime.date, only: Q | None = None):
    condition = (indicator.condition(end) & (only or Q())) or None
    if indicator.aggregate == SUM:
        return Sum(indicator.field, filter=condition)
    if indicator.aggregate == DISTINCT:
        return Count(indicator.field, filter=condition, distinct=True)
    return Count("pk", filter=condition)


def _child_expr(source: Source, place: Place):
    """The id of the child place a row's path passes through, as text ("" at the place)."""
    return _child_of(source.path, place)


def _child_of(path: str, place: Place):
    rest = Substr(F(path), len(place.path) + 1)
    # At the place itself `rest` is empty and there is no slash: a length of 0, not -1, which
    # PostgreSQL refuses.
    length = Greatest(StrIndex(rest, Value("/")) - 1, Value(0))
    return Coalesce(Substr(rest, 1, length, output_field=models.CharField()), Value(""))


def _is_moment(source: Source) -> bool:
    model = source.rows().model
    target = model
    *hops, last = source.date.split("__")
    for hop in hops:
        target = target._meta.get_field(hop).related_model
    return isinstance(target._meta.get_field(last), models.DateTimeField)


def _moments(span: Span) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as local midnights: from its first day to the day after its last."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(span.start, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(
        span.end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
    )
    return start, end
