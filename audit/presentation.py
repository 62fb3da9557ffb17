"""How audit rows read to an auditor: Chinese names for models, fields and stored values."""

from __future__ import annotations

import contextlib
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from accounts.roles import Role


def role_label(role: str) -> str:
    """A role's Chinese name; an unknown code (a role since removed) as it was stored."""
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model(object_type)
    return str(model._meta.verbose_name) if model else object_type


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of ours that audit rows point at, by its Chinese name."""
    ours = {"areas", "accounts", "people", "audit"}
    return sorted(
        (
            (model._meta.label_lower, str(model._meta.verbose_name))
            for model in apps.get_models()
            if model._meta.app_label in ours
        ),
        key=lambda pair: pair[1],
    )


def _shown(field: models.Field | None, value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value


def change_rows(object_type: str, changes: dict[str, list[Any]]) -> list[tuple[str, Any, Any]]:
    """(field name in Chinese, before, after) for each changed field."""
    model = _model(object_type)
    fields = (
        {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")} if model else {}
    )
    rows = []
    for name, (before, after) in changes.items():
        field = fields.get(name)
        label = str(field.verbose_name) if field is not None else name
        rows.append((label, _shown(field, before), _shown(field, after)))
    return rows


def data_rows(object_type: str, data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name in Chinese, value) for each key a service put in an entry's `data`; a value that
    names a field of the object ("field": "id_number") reads as the field's Chinese name."""
    from audit.actions import DATA_LABELS

    model = _model(object_type)
    rows = []
    for key, value in data.items():
        if key == "field" and model is not None and isinstance(value, str):
            with contextlib.suppress(LookupError):  # a field since removed keeps its name
                value = str(model._meta.get_field(value).verbose_name)
        rows.append((str(DATA_LABELS.get(key, key)), _shown(None, value)))
    return rows
