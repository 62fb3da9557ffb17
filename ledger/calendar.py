"""The month calendar of work records: Monday-first weeks, each day with its first few records
and how many more it has. Two queries read the month, whatever its size: the database ranks each
day's records and counts them (window functions) from an index, and only the first few of each
day and only the fields the calendar shows are read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from ledger.models import WorkRecord

PER_DAY = 4  # records shown in a day's cell; the rest are "+N 条", a link to that day's list
WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def month_span(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of `month`'s month and the first day of the next."""
    start = month.replace(day=1)
    return start, (start + datetime.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Entry:
    pk: int
    time: str  # "09:30", or "" for a record without a start time
    kind: str
    title: str


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.entries)

    @property
    def weekday_name(self) -> str:
        return str(WEEKDAYS[self.date.weekday()])


@dataclass(frozen=True)
class Month:
    start: datetime.date  # its first day
    weeks: list[list[Day]]
    total: int

    @property
    def previous(self) -> datetime.date:
        return (self.start - datetime.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> datetime.date:
        return month_span(self.start)[1]


def month_of(
    records: QuerySet, month: datetime.date, *, today: datetime.date, per_day: int = PER_DAY
) -> Month:
    """The calendar of `month` over `records` (already scoped and filtered)."""
    start, end = month_span(month)
    kinds = {value: str(label) for value, label in WorkRecord.Kind.choices}
    # The ranking reads only what the index record_date_time holds (date, place, kind, time,
    # id), so no record is read that is not shown; then the shown ones, by id.
    ranked = (
        records.filter(date__gte=start, date__lt=end)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("date")],
                order_by=[F("start_time").asc(nulls_last=True), F("pk").asc()],
            ),
            day_total=Window(Count("pk"), partition_by=[F("date")]),
        )
        .filter(rank__lte=per_day)
        .order_by()
        .values_list("pk", "rank", "day_total")
    )
    ranks = {pk: (rank, day_total) for pk, rank, day_total in ranked}
    rows = (  # by the ids the scoped ranking gave, so within the scope as well
        WorkRecord.objects.filter(pk__in=ranks)
        .order_by()
        .values_list("pk", "date", "start_time", "kind", "title")
    )
    days: dict[datetime.date, Day] = {}
    first = start - datetime.timedelta(days=start.weekday())
    last = end + datetime.timedelta(days=(7 - end.weekday()) % 7)
    weeks = []
    for offset in range(0, (last - first).days, 7):
        week = []
        for n in range(7):
            date = first + datetime.timedelta(days=offset + n)
            day = Day(date=date, in_month=start <= date < end, is_today=date == today)
            days[date] = day
            week.append(day)
        weeks.append(week)
    total = 0
    for pk, date, start_time, kind, title in sorted(rows, key=lambda row: ranks[row[0]]):
        day = days[date]
        if not day.entries:
            day.total = ranks[pk][1]
            total += day.total
        time = start_time.strftime("%H:%M") if start_time else ""
        day.entries.append(Entry(pk, time, kinds.get(kind, kind), title))
    return Month(start=start, weeks=weeks, total=total)
