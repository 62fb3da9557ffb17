import datetime

from django import template

from audit.masking import mask

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
    per-cell template tags cost more than its query."""
    from django.urls import reverse
    from django.utils.html import format_html, format_html_join
    from django.utils.translation import gettext as _

    labels = [_("姓名"), _("性别"), _("年龄"), _("身份证号码"), _("手机"), _("住址"), _("网格"),
              _("重点人群")]  # fmt: skip
    present = "在住"

    def cells(r):
        status = (
            format_html(' <span class="tag off">{}</span>', r.status)
            if (r.status != present)
            else ""
        )
        groups = (
            format_html_join(
                "", '<span class="tag group">{}</span>', ((m.category.name,) for m in r.groups)
            )
            or "—"
        )
        return (
            labels[0],
            reverse("people:resident-detail", args=[r.pk]),
            r.name,
            status,
            labels[1],
            r.sex,
            labels[2],
            r.age_on(today),
            labels[3],
            mask(r.id_number),
            labels[4],
            mask(r.phone) or "—",
            labels[5],
            r.address or "—",
            labels[6],
            r.place.name,
            labels[7],
            groups,
        )

    return format_html_join(
        "\n",
        '<tr><td data-label="{}"><a href="{}">{}</a>{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}" class="mono">{}</td>'
        '<td data-label="{}" class="mono">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td></tr>',
        (cells(r) for r in rows),
    )


@register.simple_tag
def ledger_rows(rows, offset: int) -> str:
    """A ledger page's rows in one pass (100 rows of up to a dozen cells each)."""
    from django.utils.html import format_html, format_html_join

    def shown(value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m-%d")
        return str(value)

    def row(number: int, cells: list) -> str:
        inner = format_html_join("", "<td>{}</td>", ((shown(v),) for v in cells))
        return format_html("<tr><td>{}</td>{}</tr>", number, inner)

    return format_html_join(
        "\n", "{}", ((row(offset + i, cells),) for i, cells in enumerate(rows, start=1))
    )
