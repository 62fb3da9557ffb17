"""Masking of sensitive values (ID numbers, phones, …) wherever they are shown without the right
to see them in full, and always in the audit log."""

from __future__ import annotations

import re
from typing import Any

# Not inside a longer run of digits or letters: an order number or a hash is left alone.
_SENSITIVE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])")


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


def mask_text(text: str) -> str:
    """Every 18-character ID-like and 11-digit mobile-like number in free text masked: for
    what leaves the application as text (logs, error mails) and what the audit log keeps."""
    return _SENSITIVE.sub(lambda m: mask(m.group(0)), text)


def mask_texts(value: Any) -> Any:
    """`mask_text` over every string in a structure of dicts and lists (an audit row's data)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_texts(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_texts(item) for item in value]
    return value
