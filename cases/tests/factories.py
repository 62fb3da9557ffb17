import datetime

from django.utils import timezone

from cases import services
from cases.flows import FLOWS
from people.tests.factories import resident


def open_case(world, kind: str = "诉求", *, by=None, place=None, **extra):
    """A case of `kind` in the home grid, opened by the community worker (or head, for
    supervision files), with a subject when the kind needs one."""
    flow = FLOWS[kind]
    if by is None:
        by = world.cast["community_head" if flow.supervision else "community_worker"]
    data = {
        "kind": kind,
        "title": extra.pop("title", f"{flow.label}一件"),
        "place": place or world.grid,
        "category": flow.categories[0],
        "channel": flow.channels[0] if flow.channels else "",
        "received_at": timezone.now() - datetime.timedelta(hours=1),
    }
    if flow.supervision:
        data["subject"] = extra.pop("subject", None) or resident(
            world.grid, "矫正对象", birth=datetime.date(1985, 3, 3)
        )
        data["starts_on"] = timezone.localdate() - datetime.timedelta(days=30)
    data.update(extra)
    return services.open_case(services.CaseData(**data), by=by)
