"""The session's second-factor state and the rules that follow from it.

The login page (`LoginView`) is the only way to log in with a password. After the password it
marks the session: PENDING when the account has a second factor (a code must follow), ENROL
when its role must have one and it has none yet (it must set one up). Until the mark is gone,
`SessionPolicyMiddleware` lets the session reach only the code page, the setup page and logout.
The middleware also ends a session idle longer than the policy's minutes, or older than its
hours however active (accounts/policy.py).

After the second factor, an account whose password someone else chose (`must_change_password`:
made or reset by an administrator, or approved on request) reaches only 修改密码 and logout
until it sets its own. The second factor comes first, so the password page is never reached
on the password alone.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from accounts import policy

KEY, PENDING, ENROL = "second_factor", "pending", "enrol"
LOGIN_AT, SEEN_AT, NEXT = "login_at", "seen_at", "second_factor_next"
OPEN = ("accounts:second-factor", "accounts:totp-setup", "accounts:logout")
OPEN_TO_CHANGE_PASSWORD = ("accounts:password-change", "accounts:logout")


def next_url(request) -> str:
    target = request.session.pop(NEXT, "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("areas:home")


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refused = self._refused(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refused(self, request):
        rules = policy.current()
        now = time.time()
        started = request.session.get(LOGIN_AT)
        seen = request.session.get(SEEN_AT)
        if started and now - started > rules.session_max_hours * 3600:
            why = _("登录已超过%(h)d小时，请重新登录") % {"h": rules.session_max_hours}
        elif seen and now - seen > rules.idle_minutes * 60:
            why = _("已超过%(m)d分钟无操作，请重新登录") % {"m": rules.idle_minutes}
        else:
            request.session[SEEN_AT] = now
            why = None
        if why is not None:
            # This session ends; the account's others (another device) go on.
            request.timed_out = True
            logout(request)
            messages.info(request, why)
            # Encoded, so a path with "?", "&" or "#" comes back whole; the login page still
            # refuses a `next` off this site (LoginView, `next_url`).
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:login')}?{query}")
        if request.path.startswith(settings.STATIC_URL):
            return None
        state = request.session.get(KEY)
        if state in (PENDING, ENROL):
            if request.path in {reverse(name) for name in OPEN}:
                return None
            return redirect("accounts:second-factor" if state == PENDING else "accounts:totp-setup")
        if not request.user.must_change_password:
            return None
        if request.path in {reverse(name) for name in OPEN_TO_CHANGE_PASSWORD}:
            return None
        messages.warning(request, _("您的密码由管理员设置，请先修改为只有您自己知道的密码"))
        return redirect("accounts:password-change")
