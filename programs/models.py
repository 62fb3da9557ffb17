"""Programs: award campaigns (评选/创建) and the honours a community receives, assistance paid
to households and residents, donation drives, supplies in stock, and residents' voice — opinions
(社情民意), deliberation meetings (议事协商) and questionnaires."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet
from areas.models import LocalUnit, Place, Placed
from ledger.models import WorkRecord
from people.models import Household, Membership, Resident, Staff, hidden_sensitivities


def _user_fk(label, related_name="+"):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
    )


def _money(label, **extra):
    return models.DecimalField(label, max_digits=12, decimal_places=2, **extra)


class Voidable(models.Model):
    """A row that is never deleted but may be voided (作废/撤回): kept with who voided it,
    when and why, and left out of every total, balance, stock figure and indicator."""

    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = _user_fk(_("作废人"))
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


def _void_has_reason(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(voided_at__isnull=True, void_reason="")
        | (Q(voided_at__isnull=False) & ~Q(void_reason="")),
        name=name,
    )


class Correctable(Voidable):
    """A money or stock row that is put right (更正) by voiding it and entering the corrected
    row, which points to the one it replaces. `version` rises when the row changes, so a page
    that shows an older state is refused."""

    replaces = models.OneToOneField(
        "self", verbose_name=_("更正的原记录"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="replaced_by",
    )  # fmt: skip
    version = models.PositiveIntegerField(_("版本"), default=0)

    class Meta:
        abstract = True


class StoredFile(models.Model):
    """A scan or photo kept with a record (an honour's certificate, a signed list)."""

    scan_name = models.CharField(_("扫描件"), max_length=100, blank=True)
    scan_stored_as = models.CharField(_("扫描件存储名"), max_length=64, blank=True)
    scan_content_type = models.CharField(_("扫描件类型"), max_length=100, blank=True)

    class Meta:
        abstract = True


# --- Campaigns and awards ----------------------------------------------------------------------


class Campaign(Placed):
    """评选/创建: e.g. 平安家庭, 节水型家庭, 先进单位, run by a community or a sub-district over
    the households or units of its place. Applicants go 申报 → 初审 → 入围 → 评定/授牌."""

    class Subject(models.TextChoices):
        HOUSEHOLD = "household", _("家庭（户）")
        UNIT = "unit", _("辖区单位")

    class Rule(models.TextChoices):
        MANUAL = "manual", _("人工评审（写明理由）")
        THRESHOLD = "threshold", _("按申报数据自动初审")

    name = models.CharField(_("评选名称"), max_length=60)
    subject = models.CharField(_("评选对象"), max_length=10, choices=Subject.choices)
    criteria = models.TextField(_("评选标准"))
    starts_on = models.DateField(_("申报开始"))
    ends_on = models.DateField(_("评选截止"))
    # The eligible population: every household (or unit) of the place, optionally narrowed to
    # household registration types or unit kinds (comma-separated values of those choices).
    eligible_filter = models.CharField(
        _("参评范围"),
        max_length=100,
        blank=True,
        help_text=_("留空为全部；可填户籍类型或单位类型，用顿号分隔"),
    )
    # What each applicant reports (e.g. 用水量（吨）): "key:名称:单位" lines.
    fields = models.TextField(
        _("申报数据项"),
        blank=True,
        help_text=_("每行一项，写法：代码:名称:单位，如 water:全年用水量:吨"),
    )
    rule = models.CharField(_("初审方式"), max_length=10, choices=Rule.choices, default=Rule.MANUAL)
    rule_field = models.CharField(_("初审依据的数据项"), max_length=30, blank=True)
    rule_per_member = models.BooleanField(_("按户内人数平均"), default=False)
    rule_op = models.CharField(
        _("比较"), max_length=2, blank=True, choices=[("<=", "不高于"), (">=", "不低于")]
    )
    rule_value = models.DecimalField(
        _("标准值"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_by = _user_fk(_("发起人"))
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("评选活动")
        verbose_name_plural = _("评选活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_period")
        ]

    def __str__(self) -> str:
        return self.name

    def field_list(self) -> list[tuple[str, str, str]]:
        """The reported data items as (key, label, unit)."""
        result = []
        for line in self.fields.splitlines():
            parts = [p.strip() for p in line.replace("：", ":").split(":")]
            if parts and parts[0]:
                key = parts[0]
                label = parts[1] if len(parts) > 1 and parts[1] else key
                result.append((key, label, parts[2] if len(parts) > 2 else ""))
        return result

    def live_applications(self) -> models.QuerySet:
        """The applications not withdrawn: the ones that count."""
        return self.applications.filter(voided_at__isnull=True)

    def filter_values(self) -> list[str]:
        text = self.eligible_filter.replace("，", ",").replace("、", ",")
        return [v.strip() for v in text.split(",") if v.strip()]


class Application(Voidable):
    """One household's or unit's application to a campaign, and how far it got. A withdrawn
    (撤回) application is voided: kept, but counted nowhere, and the applicant may apply again."""

    class Stage(models.TextChoices):
        APPLIED = "申报", _("已申报")
        PASSED = "初审通过", _("初审通过")
        FAILED = "初审未通过", _("初审未通过")
        SHORTLISTED = "入围", _("入围")
        NOT_SHORTLISTED = "未入围", _("未入围")
        AWARDED = "授牌", _("评定/授牌")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("评选活动"), on_delete=models.CASCADE, related_name="applications"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("申报家庭"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="applications",
    )  # fmt: skip
    unit = models.ForeignKey(
        LocalUnit, verbose_name=_("申报单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="applications",
    )  # fmt: skip
    applicant_name = models.CharField(_("申报对象"), max_length=100)
    applied_on = models.DateField(_("申报日期"))
    values = models.JSONField(_("申报数据"), default=dict, blank=True)
    members = models.PositiveSmallIntegerField(_("户内人数"), null=True, blank=True)
    stage = models.CharField(_("阶段"), max_length=6, choices=Stage.choices, default=Stage.APPLIED)
    # 初审 and 入围 are two decisions, often by different people on different days: each
    # keeps its own reason, decider and date, so the shortlist never overwrites the review.
    reason = models.CharField(_("初审意见"), max_length=200, blank=True)
    reviewed_by = _user_fk(_("初审人"))
    reviewed_on = models.DateField(_("初审日期"), null=True, blank=True)
    shortlist_reason = models.CharField(_("入围评审意见"), max_length=200, blank=True)
    shortlisted_by = _user_fk(_("入围评审人"))
    shortlisted_on = models.DateField(_("入围评审日期"), null=True, blank=True)
    awarded_on = models.DateField(_("授牌日期"), null=True, blank=True)
    certificate = models.BooleanField(_("已发证书/牌匾"), default=False)

    class Meta:
        verbose_name = _("申报")
        verbose_name_plural = _("申报")
        ordering = ["campaign", "applied_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, unit__isnull=True)
                | Q(household__isnull=True, unit__isnull=False),
                name="application_one_applicant",
            ),
            models.UniqueConstraint(
                fields=["campaign", "household"],
                condition=Q(household__isnull=False, voided_at__isnull=True),
                name="application_once_per_household",
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                condition=Q(unit__isnull=False, voided_at__isnull=True),
                name="application_once_per_unit",
            ),
            _void_has_reason("application_void_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.name} · {self.applicant_name}"


class Honour(Placed, StoredFile):
    """荣誉: a title the community, one of its units or one of its staff received."""

    class Level(models.TextChoices):
        NATIONAL = "国家级", _("国家级")
        PROVINCE = "省级", _("省级")
        CITY = "市级", _("市级")
        DISTRICT = "区级", _("区级")
        SUBDISTRICT = "街道级", _("街道级")

    class Recipient(models.TextChoices):
        PLACE = "社区", _("社区（集体）")
        UNIT = "单位", _("辖区单位")
        STAFF = "个人", _("社区工作者")

    title = models.CharField(_("荣誉名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=4, choices=Level.choices)
    issuer = models.CharField(_("授予单位"), max_length=100)
    date = models.DateField(_("授予日期"))
    recipient = models.CharField(_("获得者类型"), max_length=4, choices=Recipient.choices)
    unit = models.ForeignKey(
        LocalUnit, verbose_name=_("获得单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="honours",
    )  # fmt: skip
    staff = models.ForeignKey(
        Staff, verbose_name=_("获得者"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="honours",
    )  # fmt: skip
    notes = models.TextField(_("备注"), blank=True)
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("荣誉")
        verbose_name_plural = _("荣誉")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient="社区", unit__isnull=True, staff__isnull=True)
                | Q(recipient="单位", unit__isnull=False, staff__isnull=True)
                | Q(recipient="个人", unit__isnull=True, staff__isnull=False),
                name="honour_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- Assistance ---------------------------------------------------------------------------------


class AssistanceQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> AssistanceQuerySet:
        """In the user's place; aid that depends on a health or judicial group only for the
        roles that may see that group."""
        hidden = hidden_sensitivities(user)
        qs = super().visible_to(user)
        return qs.exclude(membership__category__sensitivity__in=hidden) if hidden else qs


class Assistance(Placed, Correctable):
    """救助/慰问: money or goods given to a household or a resident, from one source."""

    class Kind(models.TextChoices):
        SUBSISTENCE = "低保金", _("低保金")
        TEMPORARY = "临时救助", _("临时救助")
        CONDOLENCE = "慰问金", _("慰问金")
        ELDERLY = "高龄补贴", _("高龄补贴")
        PARTY = "困难党员补助", _("困难党员补助")
        EMPLOYMENT = "就业补贴", _("就业补贴")
        DISABILITY = "残疾人补贴", _("残疾人补贴")
        GOODS = "慰问物资", _("慰问物资")
        OTHER = "其他", _("其他")

    class Source(models.TextChoices):
        CIVIL = "民政", _("民政")
        PARTNER = "共建单位", _("共建单位")
        DONATION = "社会捐助", _("社会捐助")
        UNION = "工会/残联/妇联", _("工会/残联/妇联")
        SUBDISTRICT = "街道", _("街道")
        COMMUNITY = "社区", _("社区自筹")
        OTHER = "其他", _("其他")

    kind = models.CharField(_("救助类型"), max_length=8, choices=Kind.choices)
    source = models.CharField(_("资金/物资来源"), max_length=8, choices=Source.choices)
    household = models.ForeignKey(
        Household, verbose_name=_("受助户"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="assistance",
    )  # fmt: skip
    resident = models.ForeignKey(
        Resident, verbose_name=_("受助人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="assistance",
    )  # fmt: skip
    membership = models.ForeignKey(
        Membership, verbose_name=_("依据的重点人群登记"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="assistance",
    )  # fmt: skip
    amount = _money(_("金额（元）"), default=Decimal("0"))
    goods = models.CharField(_("物资"), max_length=100, blank=True)
    period_start = models.DateField(_("所属期间自"), null=True, blank=True)
    period_end = models.DateField(_("所属期间至"), null=True, blank=True)
    date = models.DateField(_("发放日期"))
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = AssistanceQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("救助")
        verbose_name_plural = _("救助")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["place_path", "date"], name="assistance_path_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False) | Q(resident__isnull=False),
                name="assistance_recipient",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="assistance_amount"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | ~Q(goods=""), name="assistance_something"
            ),
            _void_has_reason("assistance_void_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


# --- Donations ----------------------------------------------------------------------------------


class DonationDrive(Placed):
    """募捐活动: what came in and what went out, with the balance."""

    name = models.CharField(_("活动名称"), max_length=60)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("募捐活动")
        verbose_name_plural = _("募捐活动")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name

    def live_entries(self) -> models.QuerySet:
        """The entries not voided: the ones the balance is made of."""
        return self.entries.filter(voided_at__isnull=True)


class Donation(Correctable):
    """One gift into a drive (money and/or items) or one handing-out from it."""

    class Direction(models.TextChoices):
        IN = "in", _("捐入")
        OUT = "out", _("发放")

    drive = models.ForeignKey(
        DonationDrive, verbose_name=_("募捐活动"), on_delete=models.CASCADE, related_name="entries"
    )
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    date = models.DateField(_("日期"))
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="donations",
    )  # fmt: skip
    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="donations",
    )  # fmt: skip
    unit = models.ForeignKey(
        LocalUnit, verbose_name=_("单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="donations",
    )  # fmt: skip
    party_name = models.CharField(_("捐赠人/受赠人"), max_length=100)
    money = _money(_("金额（元）"), default=Decimal("0"))
    item = models.CharField(_("物品"), max_length=40, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2, default=0)
    item_unit = models.CharField(_("单位"), max_length=8, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("捐赠收支")
        verbose_name_plural = _("捐赠收支")
        ordering = ["drive", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(money__gte=0, quantity__gte=0), name="donation_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(money__gt=0) | (Q(quantity__gt=0) & ~Q(item="")),
                name="donation_something",
            ),
            _void_has_reason("donation_void_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.party_name}"


# --- Supplies -----------------------------------------------------------------------------------


class SupplyItem(models.Model):
    """An item of the supplies catalogue (口罩, 消毒液…) and the unit it is counted in."""

    name = models.CharField(_("物资名称"), max_length=40, unique=True)
    unit = models.CharField(_("计量单位"), max_length=6)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("物资品目")
        verbose_name_plural = _("物资品目")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Stock(Placed):
    """What a community holds of one item. Kept in step with every movement, in the same
    transaction; an issue takes stock with one conditional UPDATE, so two issues at once can
    never take more than there is."""

    item = models.ForeignKey(
        SupplyItem, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="stocks"
    )
    on_hand = models.DecimalField(_("库存"), max_digits=12, decimal_places=2, default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        ordering = ["place_path", "item__name"]
        constraints = [
            models.UniqueConstraint(fields=["place", "item"], name="stock_once_per_place"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} {self.on_hand}"


class SupplyMove(Placed, Correctable):
    """物资出入库: a receipt (purchased or allocated) or an issue (to a community, a unit, a
    campaign or an event)."""

    class Kind(models.TextChoices):
        PURCHASED = "采购入库", _("采购入库")
        ALLOCATED = "调拨入库", _("上级调拨入库")
        DONATED = "捐赠入库", _("捐赠入库")
        ISSUED = "发放出库", _("发放出库")

    item = models.ForeignKey(
        SupplyItem, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="moves"
    )
    kind = models.CharField(_("类型"), max_length=4, choices=Kind.choices)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    date = models.DateField(_("日期"))
    counterpart = models.CharField(_("来源/去向"), max_length=100)
    to_place = models.ForeignKey(
        Place, verbose_name=_("发往区划"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    to_unit = models.ForeignKey(
        LocalUnit, verbose_name=_("发往单位"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("用于评选活动"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    record = models.ForeignKey(
        WorkRecord, verbose_name=_("用于活动"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    balance = models.DecimalField(_("结存"), max_digits=12, decimal_places=2)
    # A receipt made by an issue to a community's or sub-district's store: the other side of
    # that issue, so the stock moves between stores instead of vanishing.
    issue = models.OneToOneField(
        "self", verbose_name=_("对应出库"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="receipt",
    )  # fmt: skip
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = _user_fk(_("经手人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("物资出入库")
        verbose_name_plural = _("物资出入库")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_move_positive"),
            _void_has_reason("supply_move_void_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item.name} {self.quantity}"

    @property
    def is_issue(self) -> bool:
        return self.kind == self.Kind.ISSUED


# --- Residents' voice ---------------------------------------------------------------------------


class Deliberation(Placed):
    """议事协商: a meeting where residents' representatives settled a matter, with its decision
    and when it was made public (公示)."""

    topic = models.CharField(_("议题"), max_length=100)
    date = models.DateField(_("协商日期"))
    record = models.ForeignKey(
        WorkRecord, verbose_name=_("会议记录"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="deliberations",
    )  # fmt: skip
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    decision = models.TextField(_("协商结果"), blank=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("议事协商")
        verbose_name_plural = _("议事协商")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.topic


class Opinion(Placed):
    """社情民意: what a resident said, where it was heard, and what became of it."""

    class Source(models.TextChoices):
        VISIT = "走访", _("入户走访")
        FORUM = "座谈会", _("座谈会")
        HOTLINE = "热线", _("热线电话")
        BOX = "意见箱", _("意见箱")
        ONLINE = "网络", _("微信群/网络")
        GRID = "网格员", _("网格员收集")
        OTHER = "其他", _("其他")

    class Category(models.TextChoices):
        ENVIRONMENT = "环境卫生", _("环境卫生")
        SECURITY = "治安安全", _("治安安全")
        TRAFFIC = "交通停车", _("交通停车")
        PROPERTY = "物业管理", _("物业管理")
        SERVICES = "公共服务", _("公共服务")
        FACILITIES = "设施建设", _("设施建设")
        WELFARE = "民生保障", _("民生保障")
        OTHER = "其他", _("其他")

    class Outcome(models.TextChoices):
        OPEN = "待处理", _("待处理")
        DELIBERATION = "提交议事", _("提交议事协商")
        ANSWERED = "已答复", _("已答复/已办理")
        REFERRED = "已上报", _("已上报上级")

    date = models.DateField(_("收集日期"))
    source = models.CharField(_("来源"), max_length=4, choices=Source.choices)
    category = models.CharField(_("类别"), max_length=4, choices=Category.choices)
    content = models.TextField(_("内容"))
    resident = models.ForeignKey(
        Resident, verbose_name=_("反映人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="opinions",
    )  # fmt: skip
    from_name = models.CharField(_("反映人姓名"), max_length=50, blank=True)
    outcome = models.CharField(
        _("处理情况"), max_length=4, choices=Outcome.choices, default=Outcome.OPEN
    )
    deliberation = models.ForeignKey(
        Deliberation, verbose_name=_("议事协商"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="opinions",
    )  # fmt: skip
    reply = models.TextField(_("答复/办理结果"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("社情民意")
        verbose_name_plural = _("社情民意")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="提交议事", deliberation__isnull=False)
                | (~Q(outcome="提交议事") & Q(deliberation__isnull=True)),
                name="opinion_deliberation",
            )
        ]

    def __str__(self) -> str:
        return self.content[:30]


class Questionnaire(Placed):
    """问卷调查: questions put to households or residents over a period."""

    title = models.CharField(_("问卷名称"), max_length=60)
    intro = models.TextField(_("说明"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    by_household = models.BooleanField(_("按户填写"), default=False)
    created_by = _user_fk(_("发起人"))
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="questionnaire_period"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.starts_on <= day <= self.ends_on


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选")
        MULTIPLE = "multiple", _("多选")
        TEXT = "text", _("文字")

    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("问卷"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    text = models.CharField(_("问题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    choices = models.CharField(_("选项"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["questionnaire", "order", "id"]

    def __str__(self) -> str:
        return self.text

    def choice_list(self) -> list[str]:
        text = self.choices.replace("，", ",").replace("、", ",")
        return [c.strip() for c in text.split(",") if c.strip()]


class Response(models.Model):
    """One household's or resident's answers to a questionnaire."""

    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("问卷"), on_delete=models.CASCADE, related_name="responses"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="questionnaire_responses",
    )  # fmt: skip
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="questionnaire_responses",
    )  # fmt: skip
    date = models.DateField(_("填写日期"))
    created_by = _user_fk(_("录入人"))

    class Meta:
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        ordering = ["questionnaire", "date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "household"],
                condition=Q(household__isnull=False),
                name="response_once_per_household",
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "resident"],
                condition=Q(resident__isnull=False),
                name="response_once_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.title} {self.date}"


class ResponseAnswer(models.Model):
    """One answer; a multiple-choice question has one row per option ticked."""

    response = models.ForeignKey(
        Response, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="answers"
    )
    value = models.CharField(_("回答"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        ordering = ["response", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "value"], name="response_answer_once"
            )
        ]

    def __str__(self) -> str:
        return self.value
