from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, Role
from accounts.scope import ScopedQuerySet


class UserQuerySet(ScopedQuerySet):
    scope_path_field = "place__path"
    scope_perm = Perm.MANAGE_ACCOUNTS


class ShequUserManager(UserManager.from_queryset(UserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `shequ createsuperuser` makes the first system administrator, over the whole system.
        extra_fields.setdefault("role", Role.SYSADMIN)
        extra_fields.setdefault("name", username)
        user = super().create_superuser(username, email, password, **extra_fields)
        from audit import services as audit

        audit.record(None, "user.create", user, data={"via": "createsuperuser"})
        return user


class User(AbstractUser):
    """A person who logs in: one role, one assigned place (none: the whole system)."""

    first_name = None
    last_name = None
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    place = models.ForeignKey(
        "areas.Place",
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("手机号"), max_length=11, blank=True)

    sensitive_fields = ("phone",)
    REQUIRED_FIELDS = ["name"]

    objects = ShequUserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）" if self.name else self.username

    @property
    def scope_path(self) -> str:
        """The path every record this user may see starts with; "" means everywhere."""
        return self.place.path if self.place_id else ""

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name
