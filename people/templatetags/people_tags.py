import datetime

from django import template

from audit.masking import mask
from shequ.templatetags.shequ_tags import pk_url

register = template.Library()


@register.filter
def masked(value: str) -> str:
    return mask(value)


@register.simple_tag
def age(resident, today: datetime.date) -> int:
    return resident.age_on(today)


@register.simple_tag
def resident_rows(rows, today: datetime.date) -> str:
    """The resident list's table body in one pass: the list is the registry's busiest page, and
    per-cell template tags (or format_html per cell) cost more than its query."""
    from html import escape

    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext as _

    name, sex, age_, id_number, phone, address, grid, groups = (
        _("姓名"), _("性别"), _("年龄"), _("身份证号码"), _("手机"), _("住址"), _("网格"),
        _("重点人群"),
    )  # fmt: skip
    detail = pk_url("people:resident-detail")
    present = "在住"

    def row(r) -> str:
        status = f' <span class="tag off">{escape(r.status)}</span>' if r.status != present else ""
        tags = "".join(f'<span class="tag group">{escape(g)}</span>' for g in r.group_names)
        return (
            f'<tr><td data-label="{name}"><a href="{detail(r.pk)}">{escape(r.name)}</a>{status}'
            f'</td><td data-label="{sex}">{escape(r.sex)}</td>'
            f'<td data-label="{age_}">{r.age_on(today)}</td>'
            f'<td data-label="{id_number}" class="mono">{escape(mask(r.id_number))}</td>'
            f'<td data-label="{phone}" class="mono">{escape(mask(r.phone) or "—")}</td>'
            f'<td data-label="{address}">{escape(r.address or "—")}</td>'
            f'<td data-label="{grid}">{escape(r.place.name)}</td>'
            f'<td data-label="{groups}">{tags or "—"}</td></tr>'
        )

    # Every value from a record is escaped above; the labels are our own constants.
    return mark_safe("\n".join(row(r) for r in rows))  # noqa: S308


@register.simple_tag
def household_rows(rows) -> str:
    """The household list's table body in one pass (see `resident_rows`); rows are
    (household, member count) pairs."""
    from html import escape

    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext as _

    number, head, size, registration, address, grid = (
        _("户号"), _("户主"), _("人数"), _("户别"), _("住址"), _("网格"),
    )  # fmt: skip
    detail = pk_url("people:household-detail")

    def row(h, n: int) -> str:
        return (
            f'<tr><td data-label="{number}"><a href="{detail(h.pk)}">{escape(h.number)}</a></td>'
            f'<td data-label="{head}">{escape(h.head.name if h.head else "—")}</td>'
            f'<td data-label="{size}">{n}</td>'
            f'<td data-label="{registration}">{escape(h.get_registration_display())}</td>'
            f'<td data-label="{address}">{escape(h.dwelling.address if h.dwelling else "—")}</td>'
            f'<td data-label="{grid}">{escape(h.place.name)}</td></tr>'
        )

    # Every value from a record is escaped above; the labels are our own constants.
    return mark_safe("\n".join(row(h, n) for h, n in rows))  # noqa: S308


@register.simple_tag
def ledger_rows(rows, offset: int) -> str:
    """A ledger page's rows in one pass (100 rows of up to a dozen cells each)."""
    from html import escape

    from django.utils.safestring import mark_safe

    def shown(value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m-%d")
        return escape(str(value))

    def row(number: int, cells: list) -> str:
        return f"<tr><td>{number}</td>{''.join(f'<td>{shown(v)}</td>' for v in cells)}</tr>"

    # Every cell is escaped by `shown`.
    return mark_safe(  # noqa: S308
        "\n".join(row(offset + i, cells) for i, cells in enumerate(rows, start=1))
    )
