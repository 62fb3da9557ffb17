"""Work records (工作记录): every activity, meeting, visit and service a community logs once, with
its topic areas, named participants, head count and quantities. The source of most figures in a
year-end summary."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet
from areas.fields import PlacePathField
from areas.models import LocalUnit, Placed
from people.models import Household, Resident, Staff
from shequ.crypto import EncryptedCharField, EncryptedModelMixin, KeyedHashField


class Topic(models.Model):
    """工作领域: 党建, 综治平安, 民政救助…; admins can add more."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("工作领域")
        verbose_name_plural = _("工作领域")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class QuantityKind(models.Model):
    """What a record counts, with its unit: 宣传资料（份）, 横幅（条）, 资金（元）…"""

    name = models.CharField(_("名称"), max_length=20, unique=True)
    unit = models.CharField(_("单位"), max_length=10)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("数量项目")
        verbose_name_plural = _("数量项目")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class WorkRecord(Placed):
    """One activity, meeting, training, visit… held by a community or one of its grids."""

    class Kind(models.TextChoices):
        ACTIVITY = "活动", _("活动")
        MEETING = "会议", _("会议")
        TRAINING = "培训", _("培训")
        LECTURE = "讲座", _("讲座")
        PUBLICITY = "宣传", _("宣传")
        VISIT = "走访/入户", _("走访/入户")
        PATROL = "巡逻", _("巡逻")
        VOLUNTEERING = "志愿服务/义务劳动", _("志愿服务/义务劳动")
        ASSEMBLY = "居民会议/议事", _("居民会议/议事")
        CONDOLENCE = "慰问", _("慰问")
        REPORT = "信息报送/简报", _("信息报送/简报")
        OTHER = "其他", _("其他")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=100)
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    end_time = models.TimeField(_("结束时间"), null=True, blank=True)
    venue = models.CharField(_("地点"), max_length=100, blank=True)
    organiser = models.ForeignKey(
        Staff,
        verbose_name=_("组织者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
    )
    co_organisers = models.CharField(_("协办单位"), max_length=200, blank=True)
    head_count = models.PositiveIntegerField(_("参与人次"), null=True, blank=True)
    notes = models.TextField(_("内容摘要"), blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("工作领域"), related_name="records")
    households = models.ManyToManyField(
        Household, verbose_name=_("相关户"), related_name="records", blank=True
    )
    units = models.ManyToManyField(
        LocalUnit, verbose_name=_("相关单位"), related_name="records", blank=True
    )
    # 现场签到: residents sign themselves in with this short code while it is open.
    signin_code = models.CharField(_("签到码"), max_length=8, unique=True, null=True, blank=True)
    signin_until = models.DateTimeField(_("签到截止"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Raised by every edit through the page: a page showing an older one is refused.
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("工作记录")
        verbose_name_plural = _("工作记录")
        ordering = ["-date", "-id"]
        indexes = [
            # Lists run newest first within the user's place: the place path leads, so a
            # community's records are one range of this index.
            models.Index(fields=["place_path", "date", "id"], name="record_path_date"),
            models.Index(fields=["date", "id"], name="record_date"),
            # The calendar ranks a month's records by day and time from this index alone (its
            # kind filter too) and reads only the records it shows (docs/benchmarks.md).
            models.Index(
                fields=["date", "place_path", "kind", "start_time", "id"], name="record_date_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """A named resident at a record: taking part, served, or volunteering (with hours)."""

    class Role(models.TextChoices):
        PARTICIPANT = "参与者", _("参与者")
        SERVED = "服务对象", _("服务对象")
        VOLUNTEER = "志愿者", _("志愿者")

    record = models.ForeignKey(
        WorkRecord,
        verbose_name=_("工作记录"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("角色"), max_length=4, choices=Role.choices, default=Role.PARTICIPANT)
    hours = models.DecimalField(
        _("服务时长（小时）"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # The record's place path and date, copied beside each row so that a place's participants
    # of a period (the volunteers: a distinct count no rollup can hold) are one range of an
    # index of their own, not a join of every volunteer with the place's records. `save()`
    # copies them; the ledger's services rewrite them when the record's place or date changes,
    # and a grid's move rewrites the path (ledger.receivers).
    place_path = PlacePathField(_("区划路径"), editable=False)
    date = models.DateField(_("日期"), editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("参与人员")
        verbose_name_plural = _("参与人员")
        ordering = ["record", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "resident"], name="participant_once"),
            # A row written in bulk without its record's path would drop out of every figure.
            models.CheckConstraint(
                condition=Q(place_path__startswith="/"), name="participant_placed"
            ),
        ]
        indexes = [
            # A place's participants of a period, each with its role and person: the volunteers
            # are counted from this index alone (docs/benchmarks.md).
            models.Index(
                fields=["place_path", "date", "role", "resident"], name="participant_path_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.role}"

    def save(self, *args, **kwargs):
        if self.record_id is not None:
            record = self.record  # cached when set through the service; one query otherwise
            self.place_path, self.date = record.place_path, record.date
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "record" in update_fields:
                kwargs["update_fields"] = {*update_fields, "place_path", "date"}
        super().save(*args, **kwargs)

    @property
    def hours_shown(self) -> str:
        return plain(self.hours)


class Quantity(models.Model):
    """How much of a catalogue item a record counts: 宣传资料 300 份."""

    record = models.ForeignKey(
        WorkRecord, verbose_name=_("工作记录"), on_delete=models.CASCADE, related_name="quantities"
    )
    kind = models.ForeignKey(
        QuantityKind, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("数量")
        verbose_name_plural = _("数量")
        ordering = ["record", "kind__order"]
        constraints = [models.UniqueConstraint(fields=["record", "kind"], name="quantity_once")]

    def __str__(self) -> str:
        return f"{self.kind.name}{plain(self.amount)}{self.kind.unit}"


def plain(number: Decimal | None) -> str:
    """320.00 → "320", 2.50 → "2.5" (never "3.2E+2")."""
    if number is None:
        return ""
    return f"{number.normalize():f}"


def numeric(number: Decimal | None) -> int | float | str:
    """A ledger cell: an int or a float, so a spreadsheet sums it."""
    if number is None:
        return ""
    return int(number) if number == number.to_integral_value() else float(number)


class ServiceEntry(Placed):
    """办事登记: a service handled for a resident at the desk. `place` is where the resident
    lived when it was handled."""

    class Service(models.TextChoices):
        MEDICAL_INSURANCE = "医保参保", _("医保参保")
        PENSION_CHECK = "养老认证", _("养老认证")
        ELDERLY_CARD = "老年证/优待卡", _("老年证/优待卡")
        EMPLOYMENT = "就业登记", _("就业登记")
        REEMPLOYMENT = "再就业优惠证", _("再就业优惠证")
        CERTIFICATE = "开具证明", _("开具证明")
        OTHER = "其他", _("其他")

    class Outcome(models.TextChoices):
        DONE = "已办结", _("已办结")
        REFERRED = "已转办", _("已转办")
        PENDING = "待补材料", _("待补材料")
        DECLINED = "不予办理", _("不予办理")

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="services"
    )
    service = models.CharField(_("办理事项"), max_length=10, choices=Service.choices)
    date = models.DateField(_("办理日期"))
    outcome = models.CharField(
        _("办理结果"), max_length=6, choices=Outcome.choices, default=Outcome.DONE
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("办事登记")
        verbose_name_plural = _("办事登记")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["place_path", "date", "id"], name="service_path_date")]

    def __str__(self) -> str:
        return f"{self.resident} · {self.service}"


class Minutes(models.Model):
    """会议记录 of a meeting: who chaired and recorded it, who came and who did not, the agenda
    and what was decided. Names are kept as written, since members of the committee, the
    party branch or a residents' meeting are not all in the registry."""

    record = models.OneToOneField(
        WorkRecord,
        verbose_name=_("工作记录"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="minutes",
    )
    chair = models.CharField(_("主持人"), max_length=20, blank=True)
    recorder = models.CharField(_("记录人"), max_length=20, blank=True)
    expected = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    present = models.TextField(_("出席人员"), blank=True)
    absent = models.TextField(_("缺席人员及原因"), blank=True)
    agenda = models.TextField(_("议题"), blank=True)
    decisions = models.TextField(_("决定事项"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")

    def __str__(self) -> str:
        return str(self.record)

    @property
    def present_names(self) -> list[str]:
        return names(self.present)

    @property
    def absent_names(self) -> list[str]:
        return names(self.absent)

    @property
    def agenda_items(self) -> list[str]:
        return lines(self.agenda)

    @property
    def decision_items(self) -> list[str]:
        return lines(self.decisions)


def names(text: str) -> list[str]:
    """ "张三、李四（病假），王五" or one per line → ["张三", "李四", "王五"]: a reason in brackets
    or after a space is not part of the name ("王五 病假" is 王五)."""
    entries = (re.sub(r"[（(][^）)]*[）)]", "", n) for n in re.split(r"[、，,;；\n]+", text))
    return [e.split()[0] for e in entries if e.strip()]


def lines(text: str) -> list[str]:
    """Non-blank lines, with any "1." or "一、" numbering typed by hand taken off."""
    items = (
        re.sub(r"^\s*(\d+[.、．)）]|[一二三四五六七八九十]+、)\s*", "", ln)
        for ln in text.splitlines()
    )
    return [item.strip() for item in items if item.strip()]


class Visit(models.Model):
    """走访: one household or resident visited in a visit record, why, and what was found. A
    group's coverage (party members visited this year / all party members) is counted from
    these."""

    class Purpose(models.TextChoices):
        ROUTINE = "日常走访", _("日常走访")
        SUPPORT = "困难帮扶", _("困难帮扶")
        CONDOLENCE = "节日慰问", _("节日慰问")
        POLICY = "政策宣传", _("政策宣传")
        VERIFY = "信息核实", _("信息核实")
        DISPUTES = "矛盾排查", _("矛盾排查")
        SAFETY = "安全检查", _("安全检查")
        OTHER = "其他", _("其他")

    record = models.ForeignKey(
        WorkRecord, verbose_name=_("工作记录"), on_delete=models.CASCADE, related_name="visits"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("居民"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    purpose = models.CharField(
        _("走访目的"), max_length=6, choices=Purpose.choices, default=Purpose.ROUTINE
    )
    findings = models.TextField(_("走访情况"), blank=True)

    class Meta:
        verbose_name = _("走访对象")
        verbose_name_plural = _("走访对象")
        ordering = ["record", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(resident__isnull=False),
                name="visit_has_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.record} · {self.resident or self.household}"


class Attachment(models.Model):
    """A photo or a document of a record. Photos are re-encoded on upload (EXIF and anything
    hidden in the file dropped) and kept with a small preview; every file is stored under a
    generated name and served only through the record's scope."""

    class Kind(models.TextChoices):
        PHOTO = "照片", _("照片")
        DOCUMENT = "附件", _("附件")

    record = models.ForeignKey(
        WorkRecord, verbose_name=_("工作记录"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("类别"), max_length=2, choices=Kind.choices)
    name = models.CharField(_("文件名"), max_length=100)
    stored_as = models.CharField(_("存储名"), max_length=64, unique=True)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("照片和附件")
        verbose_name_plural = _("照片和附件")
        ordering = ["record", "kind", "id"]

    def __str__(self) -> str:
        return self.name


class SignIn(EncryptedModelMixin, models.Model):
    """A resident's own sign-in to a record by its short code: matched to the registry by
    name and phone, or kept for the worker to resolve."""

    class State(models.TextChoices):
        MATCHED = "已匹配", _("已匹配")
        PENDING = "待核对", _("待核对")
        ADDED = "已添加", _("已添加")
        DISMISSED = "已忽略", _("已忽略")

    record = models.ForeignKey(
        WorkRecord, verbose_name=_("工作记录"), on_delete=models.CASCADE, related_name="signins"
    )
    name = models.CharField(_("姓名"), max_length=20)
    # Encrypted at rest; matched through its keyed hash (shequ/crypto.py).
    phone = EncryptedCharField(_("手机号码"), max_length=11, hash_field="phone_hash")
    phone_hash = KeyedHashField(source="phone")
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("居民"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=3, choices=State.choices)
    created_at = models.DateTimeField(_("签到时间"), auto_now_add=True)

    sensitive_fields = ("phone",)

    class Meta:
        verbose_name = _("现场签到")
        verbose_name_plural = _("现场签到")
        ordering = ["record", "created_at", "id"]
        constraints = [
            # A couple may share one phone: each signs in under their own name.
            models.UniqueConstraint(
                fields=["record", "phone_hash", "name"], name="signin_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record} · {self.name}"
