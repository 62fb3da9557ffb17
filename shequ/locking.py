"""Optimistic locking for edit pages: the page carries the version of the record it showed;
saving locks the row, compares, and refuses a stale page instead of overwriting a colleague's
change without either of them knowing."""

from __future__ import annotations

from typing import TypeVar

from django import forms
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from shequ.errors import DomainError

M = TypeVar("M", bound=models.Model)

STALE_MESSAGE = _("该记录刚被他人修改，您填写的内容仍在下方，请核对后再保存")


class StaleEdit(DomainError):
    """The record changed since the page was opened; what the user typed is kept."""

    def __init__(self) -> None:
        super().__init__(str(STALE_MESSAGE))


def lock_current(record: M, version: int | None, *, column: str = "version") -> M:
    """The record's row, locked until the transaction ends (on SQLite the IMMEDIATE
    transaction already holds the write lock); a `version` other than the row's raises
    StaleEdit. `version=None` is a caller that showed no page (an import), which never
    conflicts. Call inside transaction.atomic, then `bump` before saving. `column` names the
    counter where `version` already means something else (a checklist item's version)."""
    locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
    if version is not None and getattr(locked, column) != version:
        raise StaleEdit
    return locked


def bump(record: models.Model, *, column: str = "version") -> None:
    setattr(record, column, getattr(record, column) + 1)


def bump_row(record: models.Model, *, column: str = "version") -> None:
    """Move the stored version on for a change made without an edit page (a grid moved, an
    item moved up), so a page opened before it is refused rather than undoing it."""
    type(record)._default_manager.filter(pk=record.pk).update(**{column: F(column) + 1})


class VersionField(forms.IntegerField):
    """The hidden field an edit form carries its record's version in."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


def show_stale(
    form: forms.Form, record: models.Model, error: StaleEdit, *, column: str = "version"
) -> None:
    """Keep the user's input on the form, with the message on top; the version moves on to the
    record as it is now, so saving again after checking is a deliberate overwrite."""
    form.data = form.data.copy()
    current = type(record)._default_manager.filter(pk=record.pk).values_list(column, flat=True)
    form.data[form.add_prefix("version")] = current.get()
    form.add_error(None, error.message)
