"""Audit rows for logins, logouts and failed logins, and the lockout that follows failures."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import lockout
from audit import services as audit


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record(user, "auth.login", user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, "auth.logout", user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    lockout.record_failure(str(credentials.get("username", ""))[:150])
