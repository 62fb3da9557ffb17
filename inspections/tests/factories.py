"""Checklists, units and inspections for tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from areas import registry
from areas.models import LocalUnit
from inspections import services
from inspections.models import Checklist, ChecklistItem, Inspection, Rectification

FIRE = "消防安全检查"
PEST = "爱国卫生/病媒生物防制检查"


def shop(place, name="好又多便利店", *, by=None) -> LocalUnit:
    return registry.save_unit(
        None, by=by, place=place, name=name, kind=LocalUnit.Kind.SHOP, address=f"{name}门口"
    )


def checklist(name: str = FIRE):
    return Checklist.objects.get(name=name).current()


def passing_answers(version) -> dict[int, str]:
    """An answer to every item that passes it."""
    answers = {}
    for item in version.items.all():
        if item.kind == ChecklistItem.Kind.NUMBER:
            answers[item.pk] = "2"
        elif item.kind == ChecklistItem.Kind.TEXT:
            answers[item.pk] = ""
        else:
            answers[item.pk] = next(c for c in item.choice_list() if not item.fails(c))
    return answers


def failing_item(version) -> ChecklistItem:
    return next(i for i in version.items.all() if i.needs_rectification)


def inspect(world, *, unit=None, name=FIRE, date=None, fail=0, by=None, **extra) -> Inspection:
    """An inspection of `unit` (a new shop in the home grid) whose first `fail` rectifiable
    items fail."""
    version = checklist(name)
    by = by or world.cast["community_worker"]
    answers = passing_answers(version)
    for item in [i for i in version.items.all() if i.needs_rectification][:fail]:
        answers[item.pk] = item.failing_list()[0]
    data = services.InspectionData(
        checklist_version=version,
        date=date or timezone.localdate(),
        unit=unit if unit is not None else (None if extra.get("site") else shop(world.grid)),
        inspectors=[by],
        answers=answers,
        **extra,
    )
    return services.record_inspection(data, by=by)


def order(inspection, *, deadline=None, issued_on=None, by=None) -> Rectification:
    answer = inspection.answers.filter(failed=True).select_related("item").first()
    return services.issue_rectification(
        inspection,
        services.OrderData(
            finding=answer.item.label if answer else "现场发现问题",
            responsible="店主",
            issued_on=issued_on or inspection.date,
            deadline=deadline or inspection.date + datetime.timedelta(days=7),
            item=answer.item if answer else None,
        ),
        by=by,
    )
