"""Lockout after repeated failed logins, read from the audit log itself: the failures, the
lockout and the successful logins are audit rows already, so there is no second counter to
fall out of step with them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from audit.models import AuditEntry

FAILED, LOCKOUT, LOGIN = "auth.login_failed", "auth.lockout", "auth.login"


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOCKOUT_MINUTES)


def locked_until(username: str) -> datetime.datetime | None:
    """When the lockout on `username` ends, or None if it is not locked."""
    since = timezone.now() - _window()
    last = (
        AuditEntry.objects.filter(actor_username=username, action=LOCKOUT, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return last + _window() if last else None


def failures_since_last_success(username: str) -> int:
    """Failed logins within the lockout window since the last success or lockout."""
    since = timezone.now() - _window()
    rows = (
        AuditEntry.objects.filter(
            actor_username=username, action__in=(FAILED, LOCKOUT, LOGIN), at__gte=since
        )
        .order_by("-at", "-id")
        .values_list("action", flat=True)[: settings.LOCKOUT_FAILURES + 1]
    )
    count = 0
    for action in rows:
        if action != FAILED:
            break
        count += 1
    return count
