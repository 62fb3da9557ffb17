"""The record list's pages: newest first, by (date, id), each page continuing before the last
row of the one before (keyset), so page 200 costs what page 1 does.

A community's records sit under a handful of place paths (the community and its grids). One
query over the whole path range has to sort every record in scope before it can take the first
50 (0.2–0.9 s at 100,000: SQLite, lacking histograms, takes the range for a small part of the
table and picks the path index). So the page is taken per place — one descending seek into
`record_path_date` (place_path, date, id) for each place, at most a page from each — and the
branches are merged in one query: the database reads places × page rows, whatever the scope
holds. Scopes with many places (a district) read the range as one query instead."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import QuerySet

from areas.fields import Under
from areas.models import Place

MAX_PLACES = 64  # beyond this many places (a district), one query over the path range


def before(records: QuerySet, last: tuple[datetime.date, int] | None) -> QuerySet:
    """The records older than (date, id) `last`: a range on the date plus an exclusion, which
    the (…, date, id) indexes serve directly (an OR of two dates does not become a range)."""
    if last is None:
        return records
    date, pk = last
    return records.filter(date__lte=date).exclude(date=date, pk__gte=pk)


def newest_ids(records: QuerySet, under: str, size: int) -> list[int]:
    """The ids of the first `size` of `records` by (date, id) descending; `records` are within
    the subtree at path `under` ("" for everywhere)."""
    newest = records.order_by("-date", "-pk").values_list("pk", "date")
    paths = []
    if under:
        paths = list(
            Place.objects.filter(path__under=under).values_list("path", flat=True)[: MAX_PLACES + 1]
        )
    if not paths or len(paths) > MAX_PLACES:
        return [pk for pk, _ in newest[:size]]
    # One branch compiled, its path a marker that each branch swaps for its own.
    marker = "\x00branch"
    branch = newest.filter(place_path=marker)
    # The branch's path takes the place of the subtree ranges it lies in (the scope's, the
    # place filter's): given both, SQLite estimates a two-sided range at 1/64 of the table,
    # below one path's share, and sorts the whole scope again.
    where = branch.query.where
    where.children[:] = [c for c in where.children if not isinstance(c, Under)]
    sql, template = branch[:size].query.sql_with_params()
    branches, params = [], []
    for n, path in enumerate(paths):
        branches.append(f"SELECT * FROM ({sql}) AS branch{n}")  # noqa: S608 — Django's SQL
        params += [path if p == marker else p for p in template]
    merged = " UNION ALL ".join(branches)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({merged}) AS page ORDER BY 2 DESC, 1 DESC LIMIT %s",  # noqa: S608 — Django's SQL
            [*params, size],
        )
        return [row[0] for row in cursor.fetchall()]
