"""Cases (案件): anything with states and a timeline — service requests, petitions, disputes and
supervision files. One table for all kinds; cases/flows.py says what each kind may do."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, has_perm
from accounts.scope import ScopedQuerySet
from areas.models import LocalUnit, Placed
from cases.flows import FLOWS, RATINGS, SUPERVISION_KINDS, Flow
from people.models import Household, Membership, Resident
from shequ.crypto import EncryptedCharField


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """In the user's place; supervision files only for roles granted judicial data."""
        qs = super().visible_to(user)
        if not has_perm(user, Perm.VIEW_JUDICIAL):
            qs = qs.exclude(kind__in=SUPERVISION_KINDS)
        return qs

    def open(self) -> CaseQuerySet:
        return self.filter(closed_at__isnull=True)

    def overdue(self, day=None) -> CaseQuerySet:
        """Open, with the due date passed, and the handling not finished."""
        day = day or timezone.localdate()
        return self.filter(closed_at__isnull=True, done_at__isnull=True, due__lt=day)


class Case(Placed):
    """One request, petition, dispute or supervision file, with its timeline (`events`)."""

    class Kind(models.TextChoices):
        REQUEST = "诉求", _("居民诉求/报修")
        PETITION = "信访", _("信访")
        DISPUTE = "纠纷", _("矛盾纠纷")
        CORRECTION = "矫正", _("社区矫正")
        RELEASE = "帮教", _("安置帮教")

    kind = models.CharField(_("类型"), max_length=4, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=8)
    title = models.CharField(_("事由"), max_length=100)
    description = models.TextField(_("内容"), blank=True)
    category = models.CharField(_("类别"), max_length=12)
    channel = models.CharField(_("来源渠道"), max_length=8, blank=True)
    received_at = models.DateTimeField(_("受理时间"))
    due = models.DateField(_("办理期限"), null=True, blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    # Who brought it: a resident of the registry, or only a name and phone (the public page).
    reporter = models.ForeignKey(
        Resident,
        verbose_name=_("反映人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("反映人姓名"), max_length=20, blank=True)
    reporter_phone = EncryptedCharField(_("联系电话"), max_length=11, blank=True)
    address = models.CharField(_("地址"), max_length=100, blank=True)
    tracking_code = models.CharField(_("查询码"), max_length=10, unique=True, null=True, blank=True)
    rating = models.CharField(
        _("回访评价"), max_length=4, blank=True, choices=[(r, r) for r in RATINGS]
    )
    agreed = models.BooleanField(_("达成协议"), null=True, blank=True)
    # Supervision files (社区矫正, 安置帮教): the person, their group membership and term.
    subject = models.ForeignKey(
        Resident,
        verbose_name=_("对象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_files",
    )
    membership = models.ForeignKey(
        Membership,
        verbose_name=_("重点人群登记"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_on = models.DateField(_("起始日期"), null=True, blank=True)
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    guardian = models.CharField(_("监护人/联系人"), max_length=40, blank=True)
    guardian_phone = EncryptedCharField(_("监护人电话"), max_length=11, blank=True)
    team = models.CharField(_("矫正/帮教小组成员"), max_length=100, blank=True)
    # Raised by every change: a change made from an older page is refused, not lost.
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

    sensitive_fields = ("reporter_phone", "guardian_phone")
    objects = CaseQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["place_path", "kind", "received_at"], name="case_path_kind"),
            models.Index(fields=["assignee", "closed_at", "due"], name="case_assignee"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=list(FLOWS)), name="case_kind_valid"),
            # One open file per person and kind: "一人一档".
            models.UniqueConstraint(
                fields=["subject", "kind"],
                condition=Q(subject__isnull=False, closed_at__isnull=True),
                name="one_open_file_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def flow(self) -> Flow:
        return FLOWS[self.kind]

    @property
    def number(self) -> str:
        """The case number shown on screens and documents: 诉2026-000123."""
        return f"{self.kind[0]}{timezone.localtime(self.received_at):%Y}-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def is_overdue(self, day=None) -> bool:
        day = day or timezone.localdate()
        unfinished = self.closed_at is None and self.done_at is None
        return unfinished and self.due is not None and self.due < day

    @property
    def on_time(self) -> bool | None:
        """Finished by the due date; None while unfinished or without one."""
        if self.done_at is None or self.due is None:
            return None
        return timezone.localtime(self.done_at).date() <= self.due


class Event(models.Model):
    """One line of a case's timeline: who did what, when, and what they wrote."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by_name = models.CharField(_("经办人姓名"), max_length=50, blank=True)
    action = models.CharField(_("操作"), max_length=12)
    label = models.CharField(_("操作名称"), max_length=20)
    state = models.CharField(_("操作后状态"), max_length=8)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("其他"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.label}"


class EventFile(models.Model):
    """A photo or document attached to a timeline entry (a site photo, a signed agreement).
    Checked and re-encoded like a work record's files; served only through the case's scope."""

    event = models.ForeignKey(
        Event, verbose_name=_("办理记录"), on_delete=models.CASCADE, related_name="files"
    )
    kind = models.CharField(_("类别"), max_length=2, choices=[(k, k) for k in ("照片", "附件")])
    name = models.CharField(_("文件名"), max_length=100)
    stored_as = models.CharField(_("存储名"), max_length=64, unique=True)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理附件")
        verbose_name_plural = _("办理附件")
        ordering = ["event", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_photo(self) -> bool:
        return self.kind == "照片"


class Party(models.Model):
    """A resident, household or unit a case concerns, or a person not in the registry."""

    class Role(models.TextChoices):
        APPLICANT = "申请人", _("申请人/反映人")
        RESPONDENT = "被申请人", _("被申请人")
        PARTY = "当事人", _("当事人")
        AFFECTED = "涉及对象", _("涉及对象")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(_("身份"), max_length=4, choices=Role.choices)
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="case_parties",
    )  # fmt: skip
    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="case_parties",
    )  # fmt: skip
    unit = models.ForeignKey(
        LocalUnit, verbose_name=_("单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="case_parties",
    )  # fmt: skip
    name = models.CharField(_("姓名/名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(resident__isnull=False, household__isnull=True, unit__isnull=True)
                    | Q(resident__isnull=True, household__isnull=False, unit__isnull=True)
                    | Q(resident__isnull=True, household__isnull=True, unit__isnull=False)
                    | Q(resident__isnull=True, household__isnull=True, unit__isnull=True)
                    & ~Q(name="")
                ),
                name="party_is_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shown_name}（{self.role}）"

    @property
    def shown_name(self) -> str:
        if self.resident_id:
            return self.resident.name
        if self.household_id:
            return _("%(number)s户") % {"number": self.household.number}
        if self.unit_id:
            return self.unit.name
        return self.name


class Survey(models.Model):
    """A question put to the households a case affects (e.g. whether to replace a shared pipe)."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="surveys"
    )
    question = models.CharField(_("征询事项"), max_length=200)
    choices = models.CharField(_("选项"), max_length=100, default="同意,不同意")
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入户征询")
        verbose_name_plural = _("入户征询")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.question

    def choice_list(self) -> list[str]:
        text = self.choices.replace("，", ",").replace("、", ",")
        return [c.strip() for c in text.split(",") if c.strip()]


class Answer(models.Model):
    """One household's answer to a survey."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("征询事项"), on_delete=models.CASCADE, related_name="answers"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(_("意见"), max_length=20)
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("征询意见")
        verbose_name_plural = _("征询意见")
        ordering = ["survey", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "household"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.household.number}：{self.answer}"


class Payment(models.Model):
    """Money a case collects from those it concerns, advances, or spends."""

    class Kind(models.TextChoices):
        COLLECTED = "收取", _("收取")
        ADVANCED = "垫付", _("垫付")
        SPENT = "支出", _("支出")
        REPAID = "归还垫付", _("归还垫付")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="payments"
    )
    kind = models.CharField(_("类型"), max_length=4, choices=Kind.choices)
    who = models.CharField(_("付款/垫付人"), max_length=50)
    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    date = models.DateField(_("日期"))
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("收支")
        verbose_name_plural = _("收支")
        ordering = ["case", "date", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.who} {self.amount}"


class Screening(Placed):
    """The half-monthly dispute screening (矛盾纠纷排查) of a community or grid: how many
    disputes it found, or an explicit 零报告 when it found none."""

    period_start = models.DateField(_("排查期"))  # the 1st or the 16th of a month
    found = models.PositiveIntegerField(_("排查发现纠纷数"), default=0)
    nothing_found = models.BooleanField(_("零报告"), default=False)
    notes = models.TextField(_("排查情况"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排查人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("矛盾纠纷排查")
        verbose_name_plural = _("矛盾纠纷排查")
        ordering = ["-period_start", "place_path"]
        constraints = [
            models.UniqueConstraint(fields=["place", "period_start"], name="screening_once"),
            models.CheckConstraint(
                condition=~Q(nothing_found=True, found__gt=0), name="zero_report_finds_nothing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.period_label}"

    @property
    def period_label(self) -> str:
        return half_month_label(self.period_start)


def half_month_label(start: datetime.date) -> str:
    """2026-11-16 → "2026年11月下半月"."""
    half = _("上半月") if start.day == 1 else _("下半月")
    return f"{start:%Y年%m月}{half}"
