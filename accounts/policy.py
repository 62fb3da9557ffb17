"""The security policy in force: the 安全管理员's, once saved, else the settings' defaults.

Read on every request (the session limits) and every login, so it is cached in the process's
cache for POLICY_SECONDS and dropped there when it changes; another process sees a change
within that time."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache

CACHE_KEY = "accounts.security_policy"
POLICY_SECONDS = 30
# The roles the rules require a second factor of, whatever the policy says (等保 三级).
ALWAYS_TOTP = frozenset({"district_admin", "sysadmin", "auditor", "security_officer"})
LIMITS = {
    "lockout_failures": (3, 10),
    "lockout_minutes": (5, 1440),
    "idle_minutes": (5, 120),
    "session_max_hours": (1, 24),
}


@dataclass(frozen=True)
class Policy:
    lockout_failures: int
    lockout_minutes: int
    idle_minutes: int
    session_max_hours: int
    totp_roles: frozenset[str]


def defaults() -> Policy:
    return Policy(
        lockout_failures=settings.LOCKOUT_FAILURES,
        lockout_minutes=settings.LOCKOUT_MINUTES,
        idle_minutes=settings.IDLE_TIMEOUT_MINUTES,
        session_max_hours=settings.SESSION_MAX_HOURS,
        totp_roles=frozenset(settings.TOTP_REQUIRED_ROLES) | ALWAYS_TOTP,
    )


def current() -> Policy:
    found = cache.get(CACHE_KEY)
    if found is not None:
        return Policy(**{**found, "totp_roles": frozenset(found["totp_roles"])})
    from accounts.models import SecurityPolicy

    row = SecurityPolicy.objects.filter(pk=1).first()
    policy = (
        Policy(
            lockout_failures=row.lockout_failures,
            lockout_minutes=row.lockout_minutes,
            idle_minutes=row.idle_minutes,
            session_max_hours=row.session_max_hours,
            totp_roles=frozenset(row.totp_roles) | ALWAYS_TOTP,
        )
        if row is not None
        else defaults()
    )
    cache.set(
        CACHE_KEY, {**asdict(policy), "totp_roles": sorted(policy.totp_roles)}, POLICY_SECONDS
    )
    return policy


def forget() -> None:
    cache.delete(CACHE_KEY)
