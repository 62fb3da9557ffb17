"""Token authentication and per-token throttling for the API."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions, throttling

from accounts.roles import has_perm
from api import services
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


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """So many calls per token (settings: REST_FRAMEWORK DEFAULT_THROTTLE_RATES["token"])."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        if token is None or not hasattr(token, "prefix"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}


class AnonymousRateThrottle(throttling.AnonRateThrottle):
    """Calls without a token (the schema, refusals), by client address."""

    scope = "anonymous"

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"  # the address the audit rows and lockout use


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
