"""Inserting many rows at once for imports: COPY on PostgreSQL, one prepared INSERT run over all
rows on SQLite. Bypasses model save(), so callers pass every column, place paths and timestamps
included, and write their own audit row."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence

from django.db import connection, models


class RowSink:
    """Rows written in chunks into one table; on PostgreSQL a single COPY stays open across the
    chunks, so the server takes them in as they come. close() ends it."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        self._table = quote(meta.db_table)
        self._columns = [meta.get_field(name).column for name in fields]
        self._names = ", ".join(quote(c) for c in self._columns)
        self._cursor = connection.cursor()
        self._copy = None

    def write(self, rows: Iterable[Sequence]) -> None:
        if connection.vendor == "postgresql":
            if self._copy is None:
                sql = f"COPY {self._table} ({self._names}) FROM STDIN"
                self._copy_context = self._cursor.cursor.copy(sql)
                self._copy = self._copy_context.__enter__()
            for row in rows:
                self._copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self._columns))
            # Table and column names come from the model, never from input.
            sql = f"INSERT INTO {self._table} ({self._names}) VALUES ({marks})"  # noqa: S608
            self._cursor.executemany(sql, list(rows))

    def close(self) -> None:
        if self._copy is not None:
            self._copy_context.__exit__(None, None, None)
            self._copy = None
        self._cursor.close()

    def abort(self) -> None:
        """Give up: an open COPY is cancelled, so the transaction can roll back."""
        if self._copy is not None:
            reason = RuntimeError("import rolled back")
            # psycopg re-raises the cancellation once the server has it: what we asked for.
            with contextlib.suppress(Exception):
                self._copy_context.__exit__(RuntimeError, reason, None)
            self._copy = None
        self._cursor.close()
