"""Audit rows for logins, logouts and failed logins, and the lockout that follows failures."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import lockout, second_factor, services
from audit import services as audit


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[second_factor.LOGIN_AT] = time.time()
    if getattr(request, "second_factor", None):
        # The password was right; the login is done once the second factor is (its code page
        # writes "auth.login"), so failed codes count towards the lockout from here on.
        audit.record(user, "auth.password_ok", user)
    else:
        audit.record(user, "auth.login", user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    if getattr(request, "timed_out", False):
        audit.record(user, "auth.timeout", user)
        return
    # Logging out ends every session of the account, on every device.
    services.end_sessions(user)
    audit.record(user, "auth.logout", user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    lockout.record_failure(str(credentials.get("username", ""))[:150])
