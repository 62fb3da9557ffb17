"""The record list's rows and the calendar's weeks, each rendered in one pass: per-cell template
tags (a translation per label, a reverse() per link) cost more than the pages' queries."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ledger.calendar import WEEKDAYS, Month
from ledger.models import WorkRecord
from shequ.templatetags.shequ_tags import pk_url

register = template.Library()


@register.simple_tag
def record_rows(rows) -> str:
    """The record list's table body: `rows` carry `topic_names`, `amounts` (as text) and
    `named` (ledger.views.record_list)."""
    date, kind, title, topics, heads, amounts, place = (
        _("日期"), _("类型"), _("标题"), _("工作领域"), _("人次"), _("数量"), _("区划"),
    )  # fmt: skip
    named = _("具名%(n)s人")
    detail = pk_url("ledger:record-detail")
    kinds = {value: escape(str(label)) for value, label in WorkRecord.Kind.choices}

    def row(r) -> str:
        tags = "".join(f'<span class="tag group">{escape(t)}</span>' for t in r.topic_names)
        count = "—" if r.head_count is None else r.head_count
        if r.named:
            count = f'{count} <span class="muted">（{escape(named % {"n": r.named})}）</span>'
        counted = "、".join(escape(q) for q in r.amounts) or "—"
        return (
            f'<tr><td data-label="{date}">{r.date.isoformat()}</td>'
            f'<td data-label="{kind}">{kinds.get(r.kind) or escape(r.kind)}</td>'
            f'<td data-label="{title}"><a href="{detail(r.pk)}">{escape(r.title)}</a></td>'
            f'<td data-label="{topics}">{tags}</td>'
            f'<td data-label="{heads}">{count}</td>'
            f'<td data-label="{amounts}">{counted}</td>'
            f'<td data-label="{place}">{escape(r.place.name)}</td></tr>'
        )

    # Every value from a record is escaped above; the labels are our own constants.
    return mark_safe("\n".join(row(r) for r in rows))  # noqa: S308


@register.simple_tag
def calendar_weeks(calendar: Month, list_url: str, list_query: str) -> str:
    """The calendar's weeks: a row each, a cell per day with its first records and a link to
    the rest of the day in the list (`list_url` with the page's filters, `list_query`)."""
    detail = pk_url("ledger:record-detail")
    today = escape(_("今天"))
    more = _("+%(n)s 条")
    month_day = _("%(m)s月%(d)s日")
    weekdays = [escape(str(name)) for name in WEEKDAYS]
    day_link = f"{list_url}?{escape(list_query)}&amp;day=" if list_query else f"{list_url}?day="

    def cell(day) -> str:
        classes = "day"
        if not day.in_month:
            classes += " other-month"
        if day.is_today:
            classes += " today"
        if not day.total:
            classes += " quiet"
        head = (
            f'<div class="day-head"><span class="day-n">{day.date.day}</span>'
            f'<span class="day-full">{escape(month_day % {"m": day.date.month, "d": day.date.day})}'
            f" {weekdays[day.date.weekday()]}</span>"
            + (f'<span class="tag ok">{today}</span>' if day.is_today else "")
            + "</div>"
        )
        entries = "".join(
            f'<li><a href="{detail(e.pk)}" title="{escape(e.kind)} {escape(e.title)}">'
            + (f'<span class="rec-time">{e.time}</span> ' if e.time else "")
            + f'<span class="rec-kind">{escape(e.kind)}</span> '
            f'<span class="rec-title">{escape(e.title)}</span></a></li>'
            for e in day.entries
        )
        if entries:
            entries = f'<ul class="day-records">{entries}</ul>'
        if day.more:
            entries += (
                f'<a class="day-more" href="{day_link}{day.date.isoformat()}">'
                f"{escape(more % {'n': day.more})}</a>"
            )
        current = ' aria-current="date"' if day.is_today else ""
        return f'<td class="{classes}"{current}>{head}{entries}</td>'

    # Every value from a record is escaped above; the rest is our own markup.
    return mark_safe(  # noqa: S308
        "\n".join("<tr>" + "".join(cell(day) for day in week) + "</tr>" for week in calendar.weeks)
    )
