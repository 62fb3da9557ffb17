from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, Role
from accounts.scope import ScopedQuerySet
from areas.fields import PlacePathField
from shequ.crypto import EncryptedCharField


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
    phone = EncryptedCharField(_("手机号"), max_length=11, blank=True)
    # Raised by logout and deactivation: it is part of the session hash, so every session of
    # the account, on every device, ends with it.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # The second factor (accounts/totp.py): the base32 secret, when it was confirmed (none:
    # not set up), and the last time step used, so a code works once.
    totp_secret = models.CharField(max_length=64, blank=True, default="", editable=False)
    totp_confirmed_at = models.DateTimeField(_("双因素认证启用时间"), null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0, editable=False)
    # Set when someone else chose the password (an administrator's create or reset, an approved
    # request); until the user sets their own, every page leads to 修改密码 (second_factor.py).
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False, editable=False)

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

    def _get_session_auth_hash(self, secret=None):
        return salted_hmac(
            "accounts.User.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None

    def get_short_name(self) -> str:
        return self.name


class PasswordHistory(models.Model):
    """The hashes of an account's recent passwords, so none of the last few is used again."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    set_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.set_at:%Y-%m-%d}"


class SecurityPolicy(models.Model):
    """The login and session rules the 安全管理员 sets (one row). Until it is first saved, the
    settings' values apply (accounts/policy.py)."""

    lockout_failures = models.PositiveSmallIntegerField(_("连续失败几次锁定"))
    lockout_minutes = models.PositiveSmallIntegerField(_("锁定分钟数"))
    idle_minutes = models.PositiveSmallIntegerField(_("无操作自动退出（分钟）"))
    session_max_hours = models.PositiveSmallIntegerField(_("登录最长有效（小时）"))
    totp_roles = models.JSONField(_("必须使用双因素认证的角色"), default=list)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("修改人"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("安全策略")
        verbose_name_plural = _("安全策略")

    def __str__(self) -> str:
        return str(_("安全策略"))


class AccountRequestQuerySet(ScopedQuerySet):
    scope_path_field = "place_path"
    # What `get_for_user` asks of the one who opens a single request: to decide it.
    scope_perm = Perm.APPROVE_ACCOUNTS

    def visible_to(self, user: User) -> AccountRequestQuerySet:
        """The requesters (account managers) and the approvers (安全管理员) see the requests
        within their place."""
        from accounts.roles import has_perm

        if not (has_perm(user, Perm.MANAGE_ACCOUNTS) or has_perm(user, Perm.APPROVE_ACCOUNTS)):
            return self.none()
        if user.scope_path == "":
            return self.all()
        return self.filter(place_path__under=user.scope_path)


class AccountRequest(models.Model):
    """A new account of an administrative role, or an account given one, as requested by an
    account manager: nothing changes until a second person approves it (三权分立). A new
    account's password is not the requester's: the system makes it on approval
    (`services.decide_request`)."""

    class Kind(models.TextChoices):
        CREATE = "create", _("新建账号")
        CHANGE = "change", _("变更角色")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    kind = models.CharField(_("申请类型"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    account = models.ForeignKey(
        User,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_requests",
    )
    username = models.CharField(_("登录账号"), max_length=150)
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("申请角色"), max_length=32, choices=Role.choices)
    place = models.ForeignKey(
        "areas.Place",
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    place_path = PlacePathField(_("区划路径"), blank=True, editable=False)
    old_role = models.CharField(_("原角色"), max_length=32, choices=Role.choices, blank=True)
    old_place = models.ForeignKey(
        "areas.Place",
        verbose_name=_("原所属区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    phone = EncryptedCharField(_("手机号"), max_length=11, blank=True)
    requested_by = models.ForeignKey(
        User, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=200, blank=True)

    sensitive_fields = ("phone",)

    objects = AccountRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("管理类账号申请")
        verbose_name_plural = _("管理类账号申请")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["place_path"], name="account_request_place")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username}（{self.get_role_display()}）"
