"""Lockout after repeated failed logins, read from the audit log itself: the failures, the
lockout and the successful logins are audit rows already, so there is no second counter to
fall out of step with them."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from audit import services as audit
from audit.models import AuditEntry
from shequ.errors import DomainError

FAILED, LOCKOUT, LOGIN = "auth.login_failed", "auth.lockout", "auth.login"


class LockedOut(DomainError):
    def __init__(self, until: datetime.datetime) -> None:
        minutes = max(1, -(-int((until - timezone.now()).total_seconds()) // 60))
        super().__init__(
            _("登录失败次数过多，账号已锁定，请%(minutes)d分钟后再试。") % {"minutes": minutes}
        )


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=policy.current().lockout_minutes)


def _account(username: str):
    from accounts.models import User

    return User.objects.filter(username=username).select_related("place").first()


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
        .values_list("action", flat=True)[: policy.current().lockout_failures + 1]
    )
    count = 0
    for action in rows:
        if action != FAILED:
            break
        count += 1
    return count


def refuse_if_locked(username: str) -> None:
    """Raise LockedOut (and log the attempt) while `username` is locked."""
    until = locked_until(username)
    if until is not None:
        audit.record(None, "auth.login_blocked", _account(username), username=username)
        raise LockedOut(until)


def record_failure(username: str) -> None:
    """Log a failed login against the account tried (so the auditors of its place see it), and
    lock the account when the failures reach the limit."""
    target = _account(username)
    audit.record(None, FAILED, target, username=username)
    failures = failures_since_last_success(username)
    if failures >= policy.current().lockout_failures:
        audit.record(
            None,
            LOCKOUT,
            target,
            username=username,
            data={"failures": failures, "minutes": policy.current().lockout_minutes},
        )
