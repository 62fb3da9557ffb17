"""API tokens and the answers kept for idempotency keys."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> ApiTokenQuerySet:
        """Neither revoked, expired nor left unused past the idle days."""
        now = timezone.now()
        idle_since = now - datetime.timedelta(days=settings.API_TOKEN_IDLE_DAYS)
        return (
            self.filter(revoked_at__isnull=True)
            .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))
            .filter(
                models.Q(last_used_at__gt=idle_since)
                | models.Q(last_used_at__isnull=True, created_at__gt=idle_since)
            )
        )


class ApiToken(models.Model):
    """A user's key to the API. Only a hash of the secret is kept: the secret is shown once, when
    the token is created. `prefix` (not secret) finds the row; the hash proves the rest. A call
    made with it acts as the user: their role and their place, nothing more."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=50)
    prefix = models.CharField(_("前缀"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_idle(self) -> bool:
        """Unused (or, never used, made) longer ago than API_TOKEN_IDLE_DAYS."""
        last = self.last_used_at or self.created_at
        return timezone.now() - last > datetime.timedelta(days=settings.API_TOKEN_IDLE_DAYS)

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and not self.is_expired and not self.is_idle


class IdempotentAnswer(models.Model):
    """The first answer to a creating call sent with an `Idempotency-Key`: a retry with the same
    key and the same body gets it again and creates nothing; the same key with another body is
    refused (409). Kept per user, so any of the user's tokens may retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)  # method and path
    fingerprint = models.CharField(max_length=64)  # sha256 of the request body, canonical JSON
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotent_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.endpoint}"


class CallCount(models.Model):
    """How many calls a token (or an address without one) made in one fixed window of its rate:
    counted in the database, so every server process (gunicorn's workers, several machines)
    counts against the same limit. One row per key and window, written by one upsert per call
    (api/auth.py); a database trigger deletes the windows that have ended whenever a new one
    starts (migration 0002), so the table holds about one row per key active in the last
    window."""

    key = models.CharField(max_length=100)  # the throttle's scope and the token prefix/address
    starts = models.BigIntegerField()  # the window, in whole seconds since the epoch
    ends = models.BigIntegerField()
    calls = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "starts"], name="api_callcount_key_window"),
        ]
        indexes = [models.Index(fields=["ends"], name="api_callcount_ends")]

    def __str__(self) -> str:
        return f"{self.key} {self.starts}–{self.ends}: {self.calls}"
