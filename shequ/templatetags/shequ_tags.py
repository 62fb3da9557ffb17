from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced, e.g. for the next page."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag
def quick_select(bound_field) -> str:
    """A select rendered in one pass, for filter bars with long place lists (Django's widget
    templates render each option separately, which costs more than the page's query)."""
    from django.utils.html import format_html, format_html_join

    current = bound_field.value()
    current = "" if current is None else str(current)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (str(value), " selected" if str(value) == current else "", label)
            for value, label in bound_field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}">{}</select>',
        bound_field.html_name,
        bound_field.id_for_label,
        options,
    )
