from django import template

register = template.Library()


def pk_url(name: str):
    """A function from a primary key to the URL `name` takes it in, from one reverse(): for
    rows rendered in one pass."""
    from django.urls import reverse

    sentinel = 2147483647
    head, _, tail = reverse(name, args=[sentinel]).rpartition(str(sentinel))
    return lambda pk: f"{head}{pk}{tail}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced, e.g. for the next page. A page
    shown again after a refused POST names its own (`pager_query`), since its address is the
    POST's."""
    query = context.get("pager_query") or context["request"].GET
    query = query.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag
def quick_select(bound_field) -> str:
    """A select rendered in one pass, for filter bars with long place lists (Django's widget
    templates render each option separately, which costs more than the page's query). A field
    with `option_pairs()` gives its options without building a model instance per option."""
    from html import escape

    from django.utils.safestring import mark_safe

    current = bound_field.value()
    current = "" if current is None else str(current)
    field = bound_field.field
    if hasattr(field, "option_pairs"):
        pairs = field.option_pairs()
    elif hasattr(field, "queryset"):
        # Read as a plain query: Django's choice iterator reads a queryset with .iterator(),
        # which on PostgreSQL opens a server-side cursor (three round trips for a dozen rows).
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        pairs = empty + [
            (field.prepare_value(obj), field.label_from_instance(obj)) for obj in field.queryset
        ]
    else:
        pairs = field.choices
    options = "".join(
        f'<option value="{escape(str(value))}"{" selected" if str(value) == current else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in pairs
    )
    return mark_safe(  # noqa: S308 — every value and label is escaped above
        f'<select name="{escape(bound_field.html_name)}" id="{escape(bound_field.id_for_label)}">'
        f"{options}</select>"
    )
