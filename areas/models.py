from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm
from accounts.scope import ScopedQuerySet
from areas.fields import PlacePathField
from areas.kinds import PlaceKind
from shequ.crypto import EncryptedCharField


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
    path = PlacePathField(_("路径"), editable=False)
    retired_on = models.DateField(_("撤销日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("区划")
        verbose_name_plural = _("区划")
        ordering = ["code"]  # codes nest, so this is tree order
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=PlaceKind.values), name="place_kind_valid"
            ),
            models.UniqueConstraint(fields=["path"], name="place_path_unique"),
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


def community_path(path: str) -> str:
    """The community part of a community's or a grid's path (区/街道/社区/网格): records of a
    grid are the business of its whole community."""
    return "/".join(path.split("/")[:4]) + "/"


class Placed(models.Model):
    """A record that belongs to a place (a grid, or a community), with that place's path
    copied beside it so every roll-up is one prefix scan (DESIGN.md rule 3). The copy follows
    the place: `save()` refreshes it, and moving a grid rewrites it (areas.receivers)."""

    # No index of its own: every place filter goes through the path index (a place's own
    # records are `place_path=place.path`), and one index fewer is cheaper on every insert.
    place = models.ForeignKey(
        Place,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    place_path = PlacePathField(_("区划路径"), editable=False)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["place_path"], name="%(app_label)s_%(class)s_path")]

    def save(self, *args, **kwargs):
        if self.place_id is not None:
            place = self.place  # cached when set through the service; one query otherwise
            self.place_path = place.path
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "place" in update_fields:
                kwargs["update_fields"] = {*update_fields, "place_path"}
        super().save(*args, **kwargs)


class Estate(Placed):
    """小区: a named residential estate."""

    name = models.CharField(_("小区名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["place_path", "name"]

    def __str__(self) -> str:
        return self.name


class Building(Placed):
    """楼栋: a building, usually in an estate, with its units and floors."""

    estate = models.ForeignKey(
        Estate,
        verbose_name=_("小区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="buildings",
    )
    name = models.CharField(_("楼栋"), max_length=40, help_text=_("如：3栋、12号楼"))
    units = models.PositiveSmallIntegerField(_("单元数"), null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["place_path", "name"]

    def __str__(self) -> str:
        return f"{self.estate.name}{self.name}" if self.estate_id else self.name


class Dwelling(Placed):
    """房屋: one dwelling or shop unit, with what it is used for."""

    class Usage(models.TextChoices):
        OWNER = "自住", _("自住")
        RENTED = "出租", _("出租")
        SHOP = "商铺", _("商铺")
        VACANT = "空置", _("空置")
        OTHER = "其他", _("其他")

    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dwellings",
    )
    unit = models.CharField(_("单元"), max_length=20, blank=True)
    room = models.CharField(_("门牌/房号"), max_length=40, blank=True)
    address = models.CharField(_("房屋地址"), max_length=200, db_index=True)
    usage = models.CharField(_("用途"), max_length=8, choices=Usage.choices, default=Usage.OWNER)
    area = models.DecimalField(
        _("面积（平方米）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # Raised by every edit through the page: a page showing an older one is refused.
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["place_path", "address"]
        constraints = [
            models.UniqueConstraint(fields=["place", "address"], name="dwelling_address_unique")
        ]

    def __str__(self) -> str:
        return self.address


class LocalUnit(Placed):
    """辖区单位: a shop, company, school, clinic… in the community."""

    class Kind(models.TextChoices):
        SHOP = "商铺", _("商铺")
        COMPANY = "企业", _("企业")
        SCHOOL = "学校", _("学校")
        MEDICAL = "医疗机构", _("医疗机构")
        MARKET = "农贸市场", _("农贸市场")
        PUBLIC = "机关事业单位", _("机关事业单位")
        SOCIAL = "社会组织", _("社会组织")
        OTHER = "其他", _("其他")

    name = models.CharField(_("单位名称"), max_length=100)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, help_text=_("18位，可暂缺")
    )
    kind = models.CharField(_("单位类型"), max_length=10, choices=Kind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("所在房屋"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="units",
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedCharField(_("联系电话"), max_length=20, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    closed_on = models.DateField(_("注销/迁出日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    # Raised by every edit through the page: a page showing an older one is refused.
    version = models.PositiveIntegerField(_("版本"), default=0)

    sensitive_fields = ("contact_phone",)
    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("辖区单位")
        verbose_name_plural = _("辖区单位")
        ordering = ["place_path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="localunit_credit_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name
