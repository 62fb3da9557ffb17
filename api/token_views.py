"""The user's own API tokens, under their account pages: create (after the password, and code,
again; the secret shown once), list, revoke. And the account managers' page: the tokens of the
accounts in their place, each revocable. Each change is audited by the service."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services as accounts
from accounts.roles import Perm
from accounts.scope import require
from api import services
from api.forms import TokenForm
from api.models import ApiToken
from shequ.errors import DomainError, add_to_form


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens; POST creates one (its secret shown in this answer only) or, with
    `revoke`, revokes one of the user's own."""
    if request.method == "POST" and "revoke" in request.POST:
        return _revoke(request, request.POST["revoke"])
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["expires_on"]
        expires_at = (
            timezone.make_aware(datetime.datetime.combine(day, datetime.time.max)) if day else None
        )
        try:
            accounts.reauthenticate(
                request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
            _token, secret = services.create_token(
                request.user, name=form.cleaned_data["name"], expires_at=expires_at, by=request.user
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            form = TokenForm()
    # The secret is rendered into this answer only, never stored nor redirected with.
    response = render(
        request,
        "api/token_list.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.filter(user=request.user),
            "max_days": settings.API_TOKEN_MAX_DAYS,
            "idle_days": settings.API_TOKEN_IDLE_DAYS,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _revoke(request: HttpRequest, pk: str) -> HttpResponse:
    if not pk.isdigit():
        raise Http404
    token = get_object_or_404(ApiToken, pk=int(pk), user=request.user)  # another's: 404
    try:
        services.revoke_token(token, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已吊销令牌“%(name)s”") % {"name": token.name})
    return redirect("api-tokens:token-list")


@login_required
@require_http_methods(["GET", "POST"])
def token_manage(request: HttpRequest) -> HttpResponse:
    """The account managers' page: the unrevoked tokens of the accounts in their place (404 for
    one outside it); POST `revoke` revokes one, audited with the manager as actor."""
    require(request.user, Perm.MANAGE_ACCOUNTS)
    tokens = services.manageable_tokens(request.user)
    if request.method == "POST":
        pk = request.POST.get("revoke", "")
        if not pk.isdigit():
            messages.error(request, _("请选择要吊销的令牌"))
            return redirect("api-tokens:token-manage")
        token = get_object_or_404(tokens, pk=int(pk))
        services.revoke_token(token, by=request.user)
        messages.success(
            request,
            _("已吊销%(user)s的令牌“%(name)s”") % {"user": token.user, "name": token.name},
        )
        return redirect("api-tokens:token-manage")
    return render(
        request, "api/token_manage.html", {"tokens": tokens.order_by("user__username", "-id")}
    )
