"""Inspections (检查): checklists built by admins and kept in versions, inspections of a unit, a
dwelling or a site with their answers and monitoring counts, the rectification orders (整改通知)
that failures lead to and their re-checks (复查), and responsibility agreements (责任书/承诺书)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet
from areas.models import Dwelling, LocalUnit, Placed
from people.models import Rental


def split_choices(text: str) -> list[str]:
    """The values of a comma- or 、-separated list as an admin types it."""
    text = text.replace("，", ",").replace("、", ",")
    return [c.strip() for c in text.split(",") if c.strip()]


class Checklist(models.Model):
    """A named checklist (消防安全检查, 病媒生物防制…). Its items live in versions: an inspection
    keeps the version it was made with, so changing the list never rewrites past inspections."""

    class Area(models.TextChoices):
        FIRE = "消防安全", _("消防安全")
        RENTAL = "出租房屋", _("出租房屋安全")
        FOOD = "食品卫生", _("食品卫生")
        HYGIENE = "爱国卫生", _("爱国卫生/病媒生物防制")
        PRODUCTION = "安全生产", _("安全生产")
        OTHER = "其他", _("其他")

    name = models.CharField(_("检查表名称"), max_length=40, unique=True)
    area = models.CharField(_("检查领域"), max_length=8, choices=Area.choices)
    counts = models.BooleanField(
        _("填写病媒生物监测数"),
        default=False,
        help_text=_(
            "勾选后，检查时填写各类房间检查数、鼠迹阳性数、防鼠设施不合格数，以及外环境检查长度和鼠洞数"
        ),
    )
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        ordering = ["area", "name"]

    def __str__(self) -> str:
        return self.name

    def current(self) -> ChecklistVersion | None:
        """The newest published version: what a new inspection uses."""
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()

    def draft(self) -> ChecklistVersion | None:
        return self.versions.filter(published_at__isnull=True).first()


class ChecklistVersion(models.Model):
    """One version of a checklist's items. A draft is edited freely; once published it is fixed."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("检查表"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("版本号"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编制人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查表版本")
        verbose_name_plural = _("检查表版本")
        ordering = ["checklist", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "number"], name="checklist_version_unique"
            ),
            models.UniqueConstraint(
                fields=["checklist"],
                condition=Q(published_at__isnull=True),
                name="checklist_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checklist.name}（第{self.number}版）"

    @property
    def is_draft(self) -> bool:
        return self.published_at is None


class ChecklistItem(models.Model):
    """One question of a checklist version, with the answers that count as a failure."""

    class Kind(models.TextChoices):
        YES_NO = "yesno", _("是/否")
        NUMBER = "number", _("数字")
        CHOICE = "choice", _("选项")
        TEXT = "text", _("文字")

    version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    label = models.CharField(_("检查项目"), max_length=100)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.YES_NO)
    choices = models.CharField(
        _("可选值"), max_length=200, blank=True, help_text=_("类型为“选项”时填写，用顿号或逗号分隔")
    )
    failing = models.CharField(
        _("不合格的回答"),
        max_length=200,
        blank=True,
        help_text=_("是/否题填“是”或“否”；选项题填不合格的选项，用顿号分隔"),
    )
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    required = models.BooleanField(_("必答"), default=True)
    needs_rectification = models.BooleanField(_("不合格须整改"), default=False)
    # `version` is the checklist version the item belongs to; this counts its edits.
    revision = models.PositiveIntegerField(_("修订次数"), default=0)

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        if self.kind == self.Kind.YES_NO:
            return ["是", "否"]
        return split_choices(self.choices)

    def failing_list(self) -> list[str]:
        return split_choices(self.failing)

    def fails(self, value: str) -> bool:
        return value in self.failing_list()


class InspectionQuerySet(ScopedQuerySet):
    def failed(self) -> InspectionQuerySet:
        return self.filter(failures__gt=0)


class Inspection(Placed):
    """One inspection of a local unit, a dwelling or a site, on one day."""

    class Target(models.TextChoices):
        UNIT = "unit", _("辖区单位")
        DWELLING = "dwelling", _("房屋")
        SITE = "site", _("场所/外环境")

    checklist_version = models.ForeignKey(
        ChecklistVersion,
        verbose_name=_("检查表"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    area = models.CharField(_("检查领域"), max_length=8, choices=Checklist.Area.choices)
    unit = models.ForeignKey(
        LocalUnit, verbose_name=_("被检查单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="inspections",
    )  # fmt: skip
    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("被检查房屋"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="inspections",
    )  # fmt: skip
    site = models.CharField(_("检查场所"), max_length=100, blank=True)
    target_name = models.CharField(_("检查对象"), max_length=200)
    date = models.DateField(_("检查日期"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), related_name="inspections"
    )
    other_inspectors = models.CharField(
        _("其他检查人员"),
        max_length=100,
        blank=True,
        help_text=_("非本系统账号的人员，如街道安监办、物业"),
    )
    failures = models.PositiveSmallIntegerField(_("不合格项数"), default=0)
    notes = models.TextField(_("检查情况"), blank=True)
    # Monitoring of the outdoor environment (病媒生物防制): how far was walked, burrows seen.
    outdoor_metres = models.PositiveIntegerField(_("外环境检查长度（米）"), null=True, blank=True)
    burrows = models.PositiveIntegerField(_("鼠洞数"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["place_path", "date"], name="inspection_path_date"),
            models.Index(fields=["unit", "date"], name="inspection_unit_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, dwelling__isnull=True, site="")
                    | Q(unit__isnull=True, dwelling__isnull=False, site="")
                    | (Q(unit__isnull=True, dwelling__isnull=True) & ~Q(site=""))
                ),
                name="inspection_one_target",
            ),
            models.CheckConstraint(
                condition=Q(burrows__isnull=True) | Q(outdoor_metres__isnull=False),
                name="inspection_burrows_need_metres",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.target_name}"

    class Result(models.TextChoices):
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    @property
    def target(self) -> str:
        if self.unit_id:
            return self.Target.UNIT
        return self.Target.DWELLING if self.dwelling_id else self.Target.SITE

    @property
    def passed(self) -> bool:
        return self.failures == 0

    @property
    def result_code(self) -> str:
        """The result as the inspection list's filter and the API name it."""
        return self.Result.PASS if self.passed else self.Result.FAIL

    @property
    def result(self) -> str:
        return str(self.Result(self.result_code).label)

    def inspector_names(self) -> str:
        names = [u.name or u.username for u in self.inspectors.all()]
        if self.other_inspectors:
            names.append(self.other_inspectors)
        return "、".join(names)


class Answer(models.Model):
    """The answer to one checklist item in one inspection."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("检查项目"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.CharField(_("检查结果"), max_length=200, blank=True)
    failed = models.BooleanField(_("不合格"), default=False)
    note = models.CharField(_("问题描述"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["inspection", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="answer_once_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item.label}：{self.value}"


class RoomCount(models.Model):
    """Monitoring counts of one inspection for one kind of premises (病媒生物监测): rooms
    checked, rooms with rodent traces, rooms whose rodent-proofing fails."""

    class Category(models.TextChoices):
        KEY = "重点单位", _("重点单位")
        GENERAL = "一般单位", _("一般单位")
        HOME = "居民户", _("居民户")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="room_counts"
    )
    category = models.CharField(_("房间类别"), max_length=4, choices=Category.choices)
    rooms = models.PositiveIntegerField(_("检查房间数"))
    positive = models.PositiveIntegerField(_("鼠迹阳性房间数"), default=0)
    unproofed = models.PositiveIntegerField(_("防鼠设施不合格房间数"), default=0)

    class Meta:
        verbose_name = _("病媒生物监测数")
        verbose_name_plural = _("病媒生物监测数")
        ordering = ["inspection", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "category"], name="room_count_once_per_category"
            ),
            models.CheckConstraint(condition=Q(positive__lte=F("rooms")), name="positive_le_rooms"),
            models.CheckConstraint(
                condition=Q(unproofed__lte=F("rooms")), name="unproofed_le_rooms"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.positive}/{self.rooms}"


class RectificationQuerySet(ScopedQuerySet):
    def open(self) -> RectificationQuerySet:
        return self.filter(closed_on__isnull=True)

    def overdue(self, day: datetime.date | None = None) -> RectificationQuerySet:
        day = day or timezone.localdate()
        return self.filter(closed_on__isnull=True, deadline__lt=day)


class Rectification(Placed):
    """整改通知: a finding of an inspection, who must put it right and by when. A re-check
    (复查) closes it, or finds it still open and sets a new deadline."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.PROTECT, related_name="rectifications"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("不合格项目"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    finding = models.CharField(_("存在问题"), max_length=200)
    requirement = models.TextField(_("整改要求"), blank=True)
    responsible = models.CharField(_("整改责任单位/责任人"), max_length=100)
    issued_on = models.DateField(_("下达日期"))
    first_deadline = models.DateField(_("整改期限"))
    deadline = models.DateField(_("当前整改期限"))
    closed_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下达人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RectificationQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["place_path", "issued_on"], name="rectification_path_issued"),
            models.Index(fields=["closed_on", "deadline"], name="rectification_open_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_deadline__gte=F("issued_on")), name="rectification_deadline"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("issued_on")),
                name="rectification_closed_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.finding}"

    @property
    def number(self) -> str:
        """The notice number printed on it: 整改2026-000012."""
        return f"整改{self.issued_on:%Y}-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def is_overdue(self, day: datetime.date | None = None) -> bool:
        return self.closed_on is None and self.deadline < (day or timezone.localdate())

    @property
    def on_time(self) -> bool | None:
        """Put right by the first deadline; None while open."""
        return None if self.closed_on is None else self.closed_on <= self.first_deadline

    class State(models.TextChoices):
        """Not stored: an order is closed once put right, overdue past its deadline."""

        OPEN = "open", _("整改中")
        OVERDUE = "overdue", _("逾期未整改")
        CLOSED = "closed", _("已整改")

    @property
    def state_code(self) -> str:
        """The state as the rectification list's filter and the API name it."""
        if self.closed_on is not None:
            return self.State.CLOSED
        return self.State.OVERDUE if self.is_overdue() else self.State.OPEN

    @property
    def state(self) -> str:
        return str(self.State(self.state_code).label)


class Recheck(models.Model):
    """复查: a visit to see whether a rectification was done."""

    rectification = models.ForeignKey(
        Rectification, verbose_name=_("整改通知"), on_delete=models.CASCADE, related_name="rechecks"
    )
    date = models.DateField(_("复查日期"))
    passed = models.BooleanField(_("已整改到位"))
    note = models.TextField(_("复查情况"), blank=True)
    new_deadline = models.DateField(_("新的整改期限"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复查人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("复查")
        verbose_name_plural = _("复查")
        ordering = ["rectification", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(passed=True, new_deadline__isnull=True)
                | Q(passed=False, new_deadline__isnull=False),
                name="recheck_new_deadline_when_failed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'已整改' if self.passed else '未整改'}"


class InspectionFile(models.Model):
    """A photo or document of an inspection (or of one of its re-checks): a site photo, the
    signed record. Checked and re-encoded like every upload (shequ/files.py)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="files"
    )
    recheck = models.ForeignKey(
        Recheck, verbose_name=_("复查"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="files",
    )  # fmt: skip
    kind = models.CharField(_("类别"), max_length=2, choices=[(k, k) for k in ("照片", "附件")])
    name = models.CharField(_("文件名"), max_length=100)
    stored_as = models.CharField(_("存储名"), max_length=64, unique=True)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查附件")
        verbose_name_plural = _("检查附件")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_photo(self) -> bool:
        return self.kind == "照片"


class AgreementQuerySet(ScopedQuerySet):
    def in_force(self, day: datetime.date | None = None) -> AgreementQuerySet:
        day = day or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)


class Agreement(Placed):
    """责任书/承诺书 signed with a local unit or with the landlord of a rental, for a term."""

    class Kind(models.TextChoices):
        FIRE = "消防安全责任书", _("消防安全责任书")
        FRONT = "门前三包责任书", _("门前三包责任书")
        RENTAL = "出租房屋治安责任书", _("出租房屋治安责任书")
        FOOD = "食品安全承诺书", _("食品安全承诺书")
        PRODUCTION = "安全生产承诺书", _("安全生产承诺书")
        OTHER = "其他", _("其他")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    unit = models.ForeignKey(
        LocalUnit, verbose_name=_("签订单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="agreements",
    )  # fmt: skip
    rental = models.ForeignKey(
        Rental, verbose_name=_("出租房屋"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="agreements",
    )  # fmt: skip
    party_name = models.CharField(_("签订方"), max_length=100)
    signer = models.CharField(_("签字人"), max_length=50, blank=True)
    signed_on = models.DateField(_("签订日期"))
    starts_on = models.DateField(_("有效期自"))
    ends_on = models.DateField(_("有效期至"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    scan_name = models.CharField(_("扫描件"), max_length=100, blank=True)
    scan_stored_as = models.CharField(_("扫描件存储名"), max_length=64, blank=True)
    scan_content_type = models.CharField(_("扫描件类型"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = AgreementQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("责任书")
        verbose_name_plural = _("责任书")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, rental__isnull=True)
                | Q(unit__isnull=True, rental__isnull=False),
                name="agreement_one_party",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="agreement_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.party_name}"

    def in_force_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)
