"""Emptying the audit log, the one time it is allowed: inside a transaction that also writes
and removes the row of `audit_maintenance`, which the database's triggers consult before they
let an audit row go (migration 0005). Never committed, so no other session sees it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

OPEN = "INSERT INTO audit_maintenance (id, reason) VALUES (1, %s)"
OPEN_FOR_FLUSH = "INSERT INTO audit_maintenance (id, reason) VALUES (1, 'flush')"
CLOSE = "DELETE FROM audit_maintenance"


@contextlib.contextmanager
def emptying(reason: str) -> Iterator[None]:
    """Let audit rows be deleted until the block ends, inside the caller's transaction. An
    error in the block leaves the row to the transaction's rollback."""
    if not connection.in_atomic_block:
        raise RuntimeError("the audit log is emptied only inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(OPEN, [reason[:100]])
    yield
    with connection.cursor() as cursor:
        cursor.execute(CLOSE)


def around_flush(statements: list[str]) -> list[str]:
    """Django's flush statements (the test suite's, between transactional tests), bracketed so
    the audit log empties with the rest; they run in one transaction (`execute_sql_flush`)."""
    if not any("audit_auditentry" in sql for sql in statements):
        return statements
    return [OPEN_FOR_FLUSH, *statements, CLOSE]
