"""Writing the audit log. Every service calls `record` once per change, inside its transaction,
so a change and its audit row are saved together or not at all."""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any

from django.db import models

from audit import chain
from audit.context import Origin, current_origin
from audit.masking import mask, mask_texts, sensitive_fields
from audit.models import AuditEntry

if TYPE_CHECKING:
    from accounts.models import User


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return str(value)


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` now, to compare after a change with `changes`."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes(before: dict[str, Any], obj: models.Model) -> dict[str, list[Any]]:
    """{field: [before, after]} for each field in `before` whose value changed."""
    result = {}
    for name, old in before.items():
        new = _plain(getattr(obj, name))
        if new != old:
            result[name] = [old, new]
    return result


def created(obj: models.Model, fields: list[str]) -> dict[str, list[Any]]:
    """{field: [None, value]} for a new object's non-empty fields."""
    return {
        name: [None, value]
        for name, value in snapshot(obj, fields).items()
        if value not in (None, "", [])
    }


def _masked(model: object, diff: dict[str, list[Any]]) -> dict[str, list[Any]]:
    hidden = sensitive_fields(model)
    return {
        name: [None if v is None else mask(v) for v in values] if name in hidden else values
        for name, values in diff.items()
    }


def _place_path(obj: models.Model | None, actor: User | None) -> str:
    for candidate in (obj, actor):
        if candidate is None:
            continue
        for attr in ("place_path", "path"):
            value = getattr(candidate, attr, None)
            if isinstance(value, str) and value:
                return value
        place = getattr(candidate, "place", None) if hasattr(candidate, "place_id") else None
        if place is not None:
            return place.path
    return ""


def record(
    by: User | None,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEntry:
    """Append one row: who (`by`, or `username` for someone not logged in), what, to which
    object, with the changed fields' before/after values (sensitive ones masked)."""
    origin = current_origin.get() or Origin()
    actor = by if by is not None and by.is_authenticated else None
    entry = AuditEntry.objects.create(
        actor=actor,
        actor_username=(actor.get_username() if actor else username)[:150],
        actor_role=actor.role if actor else "",
        ip=origin.ip,
        user_agent=origin.user_agent,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        place_path=_place_path(obj, actor),
        changes=_masked(obj, changes or {}) if obj is not None else (changes or {}),
        # A search term or a path may carry a whole number (an API call's query string): the
        # log keeps it masked, as everything else it shows.
        data=mask_texts(data or {}),
    )
    chain.seal_after_commit()
    return entry


def record_save(
    by: User | None, obj: models.Model, *, kind: str, fields: list[str], before: dict | None
) -> None:
    """The audit row of a create-or-update service: "<kind>.create" with the new values when
    `before` is None, else "<kind>.update" with what changed (nothing when nothing did)."""
    if before is None:
        record(by, f"{kind}.create", obj, changes=created(obj, fields))
    elif diff := changes(before, obj):
        record(by, f"{kind}.update", obj, changes=diff)
