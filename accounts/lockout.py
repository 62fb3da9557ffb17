"""Lockout after repeated failed logins, read from the audit log itself: the failures, the
lockout and the successful logins are audit rows already, so there is no second counter to
fall out of step with them.

Two limits, both temporary: per account (the policy's failures within its minutes lock the
account for those minutes) and per address (LOCKOUT_ADDRESS_FAILURES failures from one client
address, over any accounts, within LOCKOUT_ADDRESS_MINUTES stop that address for as long). The
address is REMOTE_ADDR as the audit row records it (audit/middleware.py). Whoever names an
account can lock it only for the account's minutes at a time, and their address is stopped
after a few rounds, so the owner, from their own address, gets in again.

Every try of a credential (`attempt`: the login password, a second-factor code, the password
again before a sensitive step) runs its check, the try and its count one at a time per account
and per client address (`serialised`), so guesses sent all at once are counted as if sent one
after another: the ones after the lockout are refused, not tried."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from audit import services as audit
from audit.context import current_origin
from audit.models import AuditEntry
from shequ.errors import DomainError

FAILED, LOCKOUT, LOGIN = "auth.login_failed", "auth.lockout", "auth.login"
ADDRESS_LOCKOUT = "auth.address_lockout"
T = TypeVar("T")


def _minutes_left(until: datetime.datetime) -> int:
    return max(1, -(-int((until - timezone.now()).total_seconds()) // 60))


class LockedOut(DomainError):
    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(
            _("登录失败次数过多，账号已锁定，请%(minutes)d分钟后再试。")
            % {"minutes": _minutes_left(until)}
        )


class AddressLockedOut(DomainError):
    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(
            _("本机登录失败次数过多，已暂停从本机登录，请%(minutes)d分钟后再试。")
            % {"minutes": _minutes_left(until)}
        )


def _address_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LOCKOUT_ADDRESS_MINUTES)


def current_address() -> str | None:
    origin = current_origin.get()
    return origin.ip if origin is not None else None


def address_locked_until(ip: str | None) -> datetime.datetime | None:
    """When the stop on the client address `ip` ends, or None if it is not stopped."""
    if not ip:
        return None
    since = timezone.now() - _address_window()
    last = (
        AuditEntry.objects.filter(ip=ip, action=ADDRESS_LOCKOUT, at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return last + _address_window() if last else None


def address_failures(ip: str) -> int:
    """Failed logins from `ip`, over every account, within the address window and since its
    last stop. A success does not reset it: a guesser would only log in to their own account."""
    since = timezone.now() - _address_window()
    rows = AuditEntry.objects.filter(ip=ip, at__gte=since)
    last = rows.filter(action=ADDRESS_LOCKOUT).order_by("-at").values_list("at", flat=True).first()
    if last is not None:
        rows = rows.filter(at__gt=last)
    return rows.filter(action=FAILED).count()


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


def refusal(username: str) -> LockedOut | AddressLockedOut | None:
    """The refusal in force for a try on `username` from the client's address: AddressLockedOut
    while the address is stopped, LockedOut while the account is locked, else None."""
    until = address_locked_until(current_address())
    if until is not None:
        return AddressLockedOut(until)
    until = locked_until(username)
    return LockedOut(until) if until is not None else None


def refuse_if_locked(username: str) -> None:
    """Raise the refusal in force for `username` (`refusal`), and log the attempt."""
    refused = refusal(username)
    if refused is None:
        return
    by_address = (
        {"data": {"blocked_by": "address"}} if isinstance(refused, AddressLockedOut) else {}
    )
    audit.record(None, "auth.login_blocked", _account(username), username=username, **by_address)
    raise refused


def _lock_key(name: str) -> int:
    """A signed 64-bit number for PostgreSQL's advisory locks, from the lock's name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)


@contextmanager
def serialised(username: str) -> Iterator[None]:
    """A transaction within which no other try on `username`, nor from the client's address,
    runs. PostgreSQL: an advisory lock per account and per address, held to the end of the
    transaction (always the account first, so two tries never wait on each other). SQLite: the
    transaction starts IMMEDIATE (settings), holding the database's write lock; tries there are
    one at a time altogether, as every write is."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = [f"login-account:{username}"]
            if ip := current_address():
                names.append(f"login-address:{ip}")
            with connection.cursor() as cursor:
                for name in names:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(name)])
        yield


def attempt(username: str, check: Callable[[], T]) -> T:
    """One try of a credential of `username`: refused (LockedOut or AddressLockedOut, logged)
    while locked, else `check()` runs (it records its own failure with `record_failure`, or the
    login signal does) and its answer is returned. The refusal, the try and the count run
    `serialised`. A refusal, or a DomainError or ValidationError from `check`, is raised once the
    transaction has committed, so the rows that count the failure stay."""
    with serialised(username):
        try:
            refuse_if_locked(username)
            answer = check()
        except (DomainError, ValidationError) as exc:
            refused = exc
        else:
            refused = None
    if refused is not None:
        raise refused
    return answer


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
    ip = current_address()
    if ip and address_failures(ip) >= settings.LOCKOUT_ADDRESS_FAILURES:
        audit.record(
            None,
            ADDRESS_LOCKOUT,
            username=username,
            data={
                "ip": ip,
                "failures": settings.LOCKOUT_ADDRESS_FAILURES,
                "minutes": settings.LOCKOUT_ADDRESS_MINUTES,
            },
        )
