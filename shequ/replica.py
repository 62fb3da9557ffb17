"""Reads that may come from a PostgreSQL read replica (docs/scaling.md).

With `DATABASE_REPLICA_URL` set, settings add a second database, `replica`, and the pages that
only compute from the records — statistics, the summary, the ledger centre and its exports —
read it; everything else reads and writes the primary. Three rules keep a lagging replica
from being seen where it matters:

* only the views marked with `reads_replica` use it, and only for the records' tables: who the
  user is, their session, the audit log and the accounts are always read from the primary;
* a read inside a transaction on the primary stays on the primary (a service that checks,
  then writes, must check what it writes against);
* a user who has just changed something reads the primary for `REPLICA_LAG_SECONDS` after it,
  so the figure they just changed shows their change (read-your-writes).

Without a replica nothing here changes where a query goes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"
# Read from the primary whatever the page: identity, sessions, the audit chain, the policy.
PRIMARY_ONLY = frozenset({"accounts", "audit", "auth", "sessions", "contenttypes", "admin"})
SESSION_KEY = "shequ_primary_until"
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A change that went through: a form sends the browser on (a refused one is shown again with
# 200), the API answers 201 or 204.
CHANGED = frozenset({201, 204, 301, 302, 303})

_reporting: ContextVar[bool] = ContextVar("shequ_reporting", default=False)


def configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reporting():
    """Route the records' reads of the block to the replica (when there is one)."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reads_replica(view: Callable) -> Callable:
    """A view that computes from the records may read them from the replica, unless its user
    changed something a moment ago (see the module's rules)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not configured() or _wrote_lately(request):
            return view(request, *args, **kwargs)
        with reporting():
            return view(request, *args, **kwargs)

    return wrapped


def _wrote_lately(request) -> bool:
    session = getattr(request, "session", None)
    return session is not None and session.get(SESSION_KEY, 0) > time.time()


class ReadYourWritesMiddleware:
    """After a change that went through, the user's next pages read the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            configured()
            and request.method in WRITING_METHODS
            and response.status_code in CHANGED
            and getattr(request, "session", None) is not None
            and request.user.is_authenticated
        ):
            request.session[SESSION_KEY] = time.time() + settings.REPLICA_LAG_SECONDS
        return response


def records_database() -> str:
    """Where the records' tables are read now: for code that runs raw SQL (the indicator
    engine), which the router does not see."""
    return REPLICA if _reporting_now() else PRIMARY


def _reporting_now() -> bool:
    return _reporting.get() and configured() and not connections[PRIMARY].in_atomic_block


class ReplicaRouter:
    """Outside a reporting page it has no opinion: Django's own choice stands."""

    def db_for_read(self, model, **hints):
        if not (_reporting.get() and configured()):
            return None
        if model._meta.app_label in PRIMARY_ONLY or not _reporting_now():
            return PRIMARY  # even for the user of a record read from the replica
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY if configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: a row is the same row on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None if db != REPLICA else False  # the replica gets its schema by replication
