"""Masking of sensitive values (ID numbers, phones, …) wherever they are shown without the right
to see them in full, and always in the audit log."""

from __future__ import annotations


def mask(value: object) -> str:
    """Keep enough to recognise the value, hide enough that it cannot be used:
    "13812345678" → "138****5678", "110101199003074518" → "110***********4518"."""
    if value is None:
        return ""
    text = str(value)
    if text == "":
        return ""
    if len(text) >= 8:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) >= 3:
        return text[0] + "*" * (len(text) - 2) + text[-1]
    return "*" * len(text)


def sensitive_fields(obj_or_model: object) -> frozenset[str]:
    """Fields a model marks sensitive, in one place: its `sensitive_fields` attribute."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return frozenset(getattr(model, "sensitive_fields", ()))
