from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm
from accounts.scope import ScopedQuerySet
from areas.fields import PlacePathField


class AppendOnlyError(RuntimeError):
    pass


class AuditEntryQuerySet(ScopedQuerySet):
    scope_path_field = "place_path"
    scope_perm = Perm.VIEW_AUDIT

    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are never changed")

    def delete(self):
        raise AppendOnlyError("audit entries are never deleted")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are never changed")


class AuditEntry(models.Model):
    """One row per change, login, failed login, denial or read of sensitive data. Append-only:
    the model refuses updates and deletes, and the database refuses them too (migration 0002)."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Copied, so the row still says who it was after an account is renamed or its role changes.
    actor_username = models.CharField(_("账号"), max_length=150, blank=True, db_index=True)
    actor_role = models.CharField(_("角色"), max_length=32, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=200, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    place_path = PlacePathField(_("所属区划路径"), blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    # The hash chain (audit/chain.py): each row, once sealed after its transaction commits,
    # carries its place in the chain, the previous row's hash and its own.
    seq = models.PositiveBigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64, blank=True, default="")
    row_hash = models.CharField(_("本条哈希"), max_length=64, blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor_username", "at"], name="audit_username_at"),
            models.Index(fields=["place_path"], name="audit_place_path"),
            # The lockout per client address counts failed logins by address.
            models.Index(fields=["ip", "at"], name="audit_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are never deleted")


class ChainHead(models.Model):
    """The chain's last sealed row: its number and hash. One row (id 1), locked by every seal,
    so seals follow one another; it also tells a verification how long the chain should be."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"


class AuditArchive(models.Model):
    """Rows moved out of the database into a file. The chain goes on from `last_hash`: the
    first row left in the database names it as its previous hash."""

    made_at = models.DateTimeField(_("归档时间"), default=timezone.now)
    made_by = models.CharField(_("归档人"), max_length=150, blank=True)
    upto_seq = models.PositiveBigIntegerField(_("归档至链序号"), unique=True)
    first_seq = models.PositiveBigIntegerField(_("起始链序号"))
    last_hash = models.CharField(_("最后一条哈希"), max_length=64)
    rows = models.PositiveIntegerField(_("条数"))
    first_at = models.DateTimeField(_("最早记录时间"))
    last_at = models.DateTimeField(_("最晚记录时间"))
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("审计归档")
        verbose_name_plural = _("审计归档")
        ordering = ["-upto_seq"]

    def __str__(self) -> str:
        return f"{self.first_seq}–{self.upto_seq}"
