"""API tokens: created, checked and revoked here, with their audit rows (DESIGN.md rule 1)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Perm, has_perm
from api.models import ApiToken
from audit import services as audit
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

SCHEME = "shq"
# last_used_at is written at most this often per token, not on every call.
USE_RESOLUTION = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    """The presented token is unknown, revoked, expired, unused too long, or its account
    inactive."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(
    user: User, *, name: str, expires_at: datetime.datetime | None, by: User
) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret, which is never kept nor shown again. It lives
    API_TOKEN_MAX_DAYS at most; without `expires_at`, exactly that long. The token page asks
    for the password (and code) first: `accounts.services.reauthenticate`."""
    name = name.strip()
    if not name:
        raise DomainError(_("请填写令牌名称"), field="name")
    if not has_perm(user, Perm.VIEW_PLACES):
        raise DomainError(_("该账号不能使用接口"))
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise DomainError(_("有效期应晚于现在"), field="expires_at")
    longest = now + datetime.timedelta(days=settings.API_TOKEN_MAX_DAYS)
    if expires_at is None:
        expires_at = longest
    # The page chooses a last day (valid to its end): day 90 itself is allowed.
    if timezone.localdate(expires_at) > timezone.localdate(longest):
        raise DomainError(
            _("有效期最长%(days)d天") % {"days": settings.API_TOKEN_MAX_DAYS}, field="expires_at"
        )
    prefix = secrets.token_hex(4)
    secret = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, secret_hash=_hash(secret), expires_at=expires_at
    )
    audit.record(
        by,
        "api_token.create",
        token,
        data={
            "token_name": name,
            "until": timezone.localtime(expires_at).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return token, secret


@transaction.atomic
def revoke_token(token: ApiToken, *, by: User) -> ApiToken:
    if token.revoked_at is not None:
        raise DomainError(_("该令牌已吊销"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(by, "api_token.revoke", token, data={"token_name": token.name})
    return token


@transaction.atomic
def revoke_all(user: User, *, reason: str, by: User | None) -> int:
    """Revoke every live token of `user` (their password changed, their account was stopped…):
    one audit row naming the reason and the tokens."""
    tokens = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    prefixes = list(tokens.values_list("prefix", flat=True))
    if not prefixes:
        return 0
    tokens.update(revoked_at=timezone.now())
    audit.record(by, "api_token.revoke_all", user, data={"reason": reason, "tokens": prefixes})
    return len(prefixes)


def manageable_tokens(by: User):
    """The tokens, not yet revoked, of the accounts `by` manages (their place and below)."""
    from accounts.models import User as Account

    return ApiToken.objects.filter(
        user__in=Account.objects.visible_to(by), revoked_at__isnull=True
    ).select_related("user", "user__place")


def prefix_of(secret: str) -> str:
    """The lookup part of a presented secret ("" when it is not shaped like ours)."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME or len(parts[1]) != 8:
        return ""
    return parts[1]


def check(secret: str) -> ApiToken:
    """The live token this secret belongs to, with its user, or TokenRefused."""
    prefix = prefix_of(secret)
    token = (
        ApiToken.objects.select_related("user", "user__place").filter(prefix=prefix).first()
        if prefix
        else None
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        raise TokenRefused(_("令牌无效"))
    if token.revoked_at is not None:
        raise TokenRefused(_("令牌已吊销"))
    if token.is_expired:
        raise TokenRefused(_("令牌已过期"))
    if token.is_idle:
        raise TokenRefused(
            _("令牌已连续%(days)d天未使用，已失效") % {"days": settings.API_TOKEN_IDLE_DAYS}
        )
    if not token.user.is_active:
        raise TokenRefused(_("账号已停用"))
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
