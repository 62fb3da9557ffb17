from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm
from accounts.scope import ScopedQuerySet
from areas.fields import PlacePathField
from areas.kinds import PlaceKind


class PlaceQuerySet(ScopedQuerySet):
    scope_path_field = "path"
    scope_perm = Perm.VIEW_PLACES

    def active(self) -> PlaceQuerySet:
        return self.filter(retired_on__isnull=True)

    def under(self, place: Place) -> PlaceQuerySet:
        """The place and everything below it."""
        return self.filter(path__under=place.path)


class Place(models.Model):
    """One node of the place tree: 区, 街道, 社区 or 网格.

    `path` lists the ids from the root down ("/1/4/12/"), so a subtree is one prefix scan. A
    retired place keeps its records and history; it is only hidden from new work."""

    Kind = PlaceKind

    kind = models.CharField(_("层级"), max_length=16, choices=PlaceKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(
        _("区划代码"),
        max_length=15,
        unique=True,
        help_text=_("街道、社区为12位统计用区划代码；网格为所属社区代码加3位序号"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = PlacePathField(_("路径"), unique=True, editable=False)
    retired_on = models.DateField(_("撤销日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("区划")
        verbose_name_plural = _("区划")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=PlaceKind.values), name="place_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1]]

    def ancestors(self) -> list[Place]:
        ids = self.ancestor_ids()
        by_id = Place.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def contains(self, other: Place) -> bool:
        return other.path.startswith(self.path)
