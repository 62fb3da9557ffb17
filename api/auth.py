"""Token authentication and per-token throttling for the API."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions, throttling

from accounts.roles import has_perm
from api import services
from api.models import CallCount
from audit.middleware import client_ip


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer shq_…`. A request without the header is anonymous (and refused
    by the views' permission: 401); a bad, revoked or expired token, or one whose account is
    deactivated, is refused at once (401)."""

    keyword = "bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _sep, secret = header.partition(" ")
        if keyword.lower() != self.keyword or not secret.strip():
            raise exceptions.AuthenticationFailed(_("Authorization头应为“Bearer 令牌”"))
        try:
            token = services.check(secret.strip())
        except services.TokenRefused as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="shequ"'


COUNT_CALL = (
    "INSERT INTO api_callcount (key, starts, ends, calls) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (key, starts) DO UPDATE SET calls = api_callcount.calls + 1 RETURNING calls"
)


def count_call(key: str, starts: int, ends: int) -> int:
    """Count one call of `key` in the window [starts, ends) and return the calls so far: one
    atomic statement on the primary (SQLite ≥ 3.35 and PostgreSQL), so concurrent calls from
    any number of processes each get their own number."""
    database = connections[router.db_for_write(CallCount) or DEFAULT_DB_ALIAS]
    with database.cursor() as cursor:
        cursor.execute(COUNT_CALL, [key, starts, ends])
        return cursor.fetchone()[0]


class SharedRateThrottle(throttling.SimpleRateThrottle):
    """N calls per fixed window (a second, minute, hour or day of the clock), counted in the
    database (`CallCount`) rather than in each process's memory, so five gunicorn workers
    allow a token its rate, not five times it. A fixed window lets a client spend its rate at
    the end of one window and again at the start of the next."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        starts = int(self.now) // self.duration * self.duration
        self.ends = starts + self.duration
        return count_call(self.key, starts, self.ends) <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends (the answer's `Retry-After`)."""
        return max(self.ends - self.now, 1)


class TokenRateThrottle(SharedRateThrottle):
    """So many calls per token (settings: REST_FRAMEWORK DEFAULT_THROTTLE_RATES["token"])."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        if token is None or not hasattr(token, "prefix"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}


class AnonymousRateThrottle(SharedRateThrottle):
    """Calls without a token (the schema, refusals), by client address."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None  # a valid token is counted by itself
        ident = client_ip(request) or "unknown"  # the address the audit rows and lockout use
        return self.cache_format % {"scope": self.scope, "ident": ident}


class RolePermission(permissions.BasePermission):
    """A token acts with its user's role: reads need the view's `read_perm`, writes its
    `write_perm` (403 otherwise); no token at all is 401."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if not hasattr(view, request.method.lower()):
            return True  # not a method of this view: 405, whoever asks
        safe = request.method in permissions.SAFE_METHODS
        need = view.read_perm if safe else view.write_perm
        return need is not None and has_perm(request.user, need)
