"""Paging through records in place order: by (place path, id), each page starting after the
last row of the one before (keyset), so page 200 costs what page 1 does."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def after_in_place_order(queryset: QuerySet, after: int | None) -> QuerySet:
    """The rows after row `after` in (place, id) order."""
    if not after:
        return queryset
    last = queryset.model._default_manager.filter(pk=after).values_list("place_path", flat=True)
    path = last.first()
    if path is None:
        return queryset
    # A range plus an exclusion, so a (place_path, id) index serves it directly.
    where = queryset.query.where
    before = len(where.children)
    queryset = queryset.filter(place_path__gte=path).exclude(place_path=path, pk__lte=after)
    # SQLite starts an index range at the first lower bound it reads in the WHERE clause, and
    # the place filter's bound (the whole sub-district) comes first: page 20 then read every
    # row before it. So the keyset's own bound goes first. (PostgreSQL takes the tighter one.)
    where = queryset.query.where
    where.children[:] = where.children[before:] + where.children[:before]
    return queryset


@dataclass(frozen=True)
class PlacePage:
    rows: list
    more: int | None  # the id to continue after, if there is a next page
    query: str  # the request's query string without `after`, for the pager's links
    is_first: bool


def place_page(queryset: QuerySet, request: HttpRequest, size: int = PAGE_SIZE) -> PlacePage:
    """The page of `queryset` that the request's `after` asks for."""
    after = request.GET.get("after", "")
    queryset = after_in_place_order(queryset, int(after) if after.isdigit() else None)
    rows = list(queryset.order_by("place_path", "pk")[: size + 1])
    query = request.GET.copy()
    query.pop("after", None)
    return PlacePage(
        rows=rows[:size],
        more=rows[size - 1].pk if len(rows) > size else None,
        query=query.urlencode(),
        is_first=not after,
    )
