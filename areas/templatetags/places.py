from django import template

from areas.models import Place

register = template.Library()


@register.inclusion_tag("areas/_breadcrumb.html", takes_context=True)
def place_breadcrumb(context, place: Place | str | None):
    """The place and the places above it; those within the user's scope are links."""
    user = context["request"].user
    if not isinstance(place, Place):
        place = user.place if user.place_id else None
    if place is None:
        return {"crumbs": []}
    scope = user.scope_path
    crumbs = [{"place": p, "link": p.path.startswith(scope)} for p in [*place.ancestors(), place]]
    crumbs[-1]["link"] = False
    return {"crumbs": crumbs}
