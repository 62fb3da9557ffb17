"""Signals any app may send without importing the apps that listen (DESIGN.md: no app imports
`reports`)."""

from django.dispatch import Signal

# Rows were written past `save()` and `delete()` (bulk_create, QuerySet.update): sent with
# `sender=` the model and `pks=` the rows' ids, before an update (the rows as they were) and
# after a write (as they are). Sent with `sender=None` when rows were written in bulk without
# naming them (the demo): a listener must then forget whatever it derived from any rows.
# reports.rollups marks the place-months of those rows as stale.
rows_written = Signal()
