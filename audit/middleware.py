from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from audit.context import Origin, current_origin


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a reverse proxy (SHEQU_BEHIND_PROXY) the
    last address of X-Forwarded-For, the one the proxy appended. Any before it are whatever the
    client chose to send, so they are never used."""
    value = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        value = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class AuditContextMiddleware:
    """Makes the client's address known to every audit row written during the request, and
    writes a row for every permission denial."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        origin = Origin(
            ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:200]
        )
        token = current_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, PermissionDenied):
            from audit import services as audit

            user = request.user if request.user.is_authenticated else None
            audit.record(
                user,
                "access.denied",
                data={"path": request.path[:300], "method": request.method},
            )
        return None
