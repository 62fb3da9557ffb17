from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, has_perm
from accounts.scope import ScopedQuerySet
from areas.models import Dwelling, Placed
from people.choices import (
    ETHNICITY_CHOICES,
    Education,
    HukouType,
    MaritalStatus,
    PoliticalStatus,
    Registration,
    Relation,
    ResidentStatus,
    Sex,
)
from people.pinyin import initials
from shequ.crypto import (
    EncryptedCharField,
    EncryptedModelMixin,
    EncryptedQuerySetMixin,
    KeyedHashField,
    TailField,
)


class ResidentQuerySet(EncryptedQuerySetMixin, ScopedQuerySet):
    def present(self) -> ResidentQuerySet:
        return self.filter(status=ResidentStatus.PRESENT)


class Resident(EncryptedModelMixin, Placed):
    """居民: one person, known by their ID number. `place` is the grid (or community) where
    they live now; where they lived before is in their residences."""

    name = models.CharField(_("姓名"), max_length=50)
    # Search keys (people.pinyin): the surname read as a surname, and the everyday reading
    # when it differs ("" otherwise); both searched by prefix on an index.
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=120, editable=False)
    name_initials_alt = models.CharField(
        _("姓名拼音首字母（姓氏常用读音）"), max_length=60, editable=False, blank=True, default=""
    )
    # ID number and phone are encrypted at rest (shequ/crypto.py); Python reads plaintext.
    # Beside each: its keyed hash, which answers filter(id_number=…) and keeps ID numbers
    # unique, and its last four characters (what a masked number shows anyway), so that "the
    # number ending in 002X" is an index lookup. All are filled on every ORM write.
    id_number = EncryptedCharField(_("身份证号码"), max_length=18, hash_field="id_hash")
    id_hash = KeyedHashField(source="id_number")
    id_tail = TailField(source="id_number")
    phone_hash = KeyedHashField(source="phone")
    phone_tail = TailField(source="phone")
    sex = models.CharField(_("性别"), max_length=2, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(
        _("民族"), max_length=10, choices=ETHNICITY_CHOICES, default="汉族"
    )
    education = models.CharField(
        _("文化程度"), max_length=10, choices=Education.choices, blank=True
    )
    political_status = models.CharField(
        _("政治面貌"),
        max_length=10,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    marital_status = models.CharField(
        _("婚姻状况"), max_length=4, choices=MaritalStatus.choices, blank=True
    )
    phone = EncryptedCharField(_("手机号码"), max_length=11, blank=True, hash_field="phone_hash")
    hukou_type = models.CharField(
        _("户籍类型"), max_length=4, choices=HukouType.choices, default=HukouType.LOCAL
    )
    status = models.CharField(
        _("状态"), max_length=4, choices=ResidentStatus.choices, default=ResidentStatus.PRESENT
    )
    status_date = models.DateField(_("迁出/死亡日期"), null=True, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Raised by every edit through the page: a page showing an older one is refused.
    version = models.PositiveIntegerField(_("版本"), default=0)

    sensitive_fields = ("id_number", "phone")
    objects = ResidentQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["place_path", "id"]
        # Plain indexes declared here rather than unique=True / db_index=True on the fields,
        # which would add a second (pattern-ops) index each on PostgreSQL that no query uses.
        indexes = [
            # Lists run in (place, id) order: the first page of 100,000 residents reads 51
            # index entries. This index also serves every place_path filter.
            models.Index(fields=["place_path", "id"], name="resident_path_id"),
            models.Index(fields=["name"], name="resident_name", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["name_initials"],
                name="resident_initials",
                opclasses=["varchar_pattern_ops"],
            ),
            # Most names have no second reading: only those that do are indexed.
            models.Index(
                fields=["name_initials_alt"],
                name="resident_initials_alt",
                opclasses=["varchar_pattern_ops"],
                condition=Q(name_initials_alt__gt=""),
            ),
            models.Index(fields=["id_tail"], name="resident_id_tail"),
            models.Index(fields=["phone_tail"], name="resident_phone_tail"),
        ]
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="resident_id_unique")]

    def __str__(self) -> str:
        return self.name

    def set_initials(self) -> None:
        self.name_initials, self.name_initials_alt = initials(self.name)

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class Household(Placed):
    """户: a household, living in a dwelling; members come and go through residences."""

    number = models.CharField(_("户号"), max_length=30, unique=True)
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("住址"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
    )
    registration = models.CharField(
        _("户别"), max_length=4, choices=Registration.choices, default=Registration.LOCAL
    )
    head = models.ForeignKey(
        Resident,
        verbose_name=_("户主"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    dissolved_on = models.DateField(_("注销日期"), null=True, blank=True)
    # Rises with every household change, so a household page opened before one is refused.
    version = models.PositiveIntegerField(_("版本"), default=0)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["place_path", "number"]
        indexes = [models.Index(fields=["place_path", "id"], name="household_path_id")]

    def __str__(self) -> str:
        return self.number


class ResidenceQuerySet(ScopedQuerySet):
    scope_path_field = "household__place_path"

    def on(self, day: datetime.date) -> ResidenceQuerySet:
        """The residences in force on `day`."""
        return self.filter(Q(until__isnull=True) | Q(until__gte=day), since__lte=day)

    def current(self) -> ResidenceQuerySet:
        return self.filter(until__isnull=True)


class Residence(models.Model):
    """Who lived in which household, as what, from when until when (inclusive)."""

    class EndReason(models.TextChoices):
        MOVED_OUT = "迁出", _("迁出")
        DECEASED = "死亡", _("死亡")
        SPLIT = "分户", _("分户")
        MERGED = "合户", _("合户")
        MOVED = "户内变动", _("户内变动")

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="residences"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="residences"
    )
    relation = models.CharField(_("与户主关系"), max_length=8, choices=Relation.choices)
    since = models.DateField(_("迁入日期"))
    until = models.DateField(_("迁出日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("迁出原因"), max_length=8, choices=EndReason.choices, blank=True
    )

    objects = ResidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("户成员")
        verbose_name_plural = _("户成员")
        ordering = ["household", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(until__isnull=True),
                name="one_current_residence_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="residence_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.resident} · {self.relation}"


class Rental(Placed):
    """出租房屋: a dwelling let to a tenant household, with the landlord and the lease."""

    class Purpose(models.TextChoices):
        HOME = "居住", _("居住")
        BUSINESS = "经营", _("经营")
        MIXED = "居住兼经营", _("居住兼经营")

    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("出租房屋"), on_delete=models.PROTECT, related_name="rentals"
    )
    landlord = models.ForeignKey(
        Resident,
        verbose_name=_("房东（本社区居民）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rentals_let",
    )
    landlord_name = models.CharField(_("房东姓名"), max_length=50)
    landlord_phone = EncryptedCharField(_("房东电话"), max_length=20, blank=True)
    tenant_household = models.ForeignKey(
        Household,
        verbose_name=_("承租户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rentals",
    )
    tenant_name = models.CharField(_("承租人"), max_length=50, blank=True)
    tenants = models.PositiveSmallIntegerField(_("居住人数"), null=True, blank=True)
    purpose = models.CharField(
        _("用途"), max_length=8, choices=Purpose.choices, default=Purpose.HOME
    )
    start = models.DateField(_("租赁开始"))
    end = models.DateField(_("租赁结束"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    sensitive_fields = ("landlord_phone",)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("出租房屋")
        verbose_name_plural = _("出租房屋")
        ordering = ["place_path", "-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="rental_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} · {self.landlord_name}"


def hidden_sensitivities(user) -> set[str]:
    """The group sensitivity levels this user may not see at all."""
    hidden = set()
    if not has_perm(user, Perm.VIEW_HEALTH):
        hidden.add(GroupCategory.Sensitivity.HEALTH)
    if not has_perm(user, Perm.VIEW_JUDICIAL):
        hidden.add(GroupCategory.Sensitivity.JUDICIAL)
    return hidden


class GroupCategoryQuerySet(models.QuerySet):
    def visible_to(self, user) -> GroupCategoryQuerySet:
        return self.exclude(sensitivity__in=hidden_sensitivities(user))


class GroupCategory(models.Model):
    """A kind of special group (重点人群), with the attributes its members carry. Admins add
    categories and attributes without code; the built-in ones come with migration 0002."""

    class Subject(models.TextChoices):
        RESIDENT = "resident", _("居民")
        HOUSEHOLD = "household", _("户")

    class Sensitivity(models.TextChoices):
        NORMAL = "normal", _("一般")
        PERSONAL = "personal", _("个人敏感（如低保）")
        HEALTH = "health", _("健康")
        JUDICIAL = "judicial", _("司法")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    subject = models.CharField(
        _("对象"), max_length=10, choices=Subject.choices, default=Subject.RESIDENT
    )
    sensitivity = models.CharField(
        _("敏感级别"), max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    objects = GroupCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点人群类别")
        verbose_name_plural = _("重点人群类别")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class GroupAttribute(models.Model):
    """One typed attribute of a group's members: 低保's monthly amount, 残疾's grade…"""

    class Kind(models.TextChoices):
        TEXT = "text", _("文字")
        NUMBER = "number", _("整数")
        DECIMAL = "decimal", _("金额/小数")
        DATE = "date", _("日期")
        CHOICE = "choice", _("选项")
        BOOLEAN = "boolean", _("是/否")

    category = models.ForeignKey(
        GroupCategory, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="attributes"
    )
    key = models.SlugField(_("代码"), max_length=40)
    label = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.CharField(
        _("可选值"), max_length=300, blank=True, help_text=_("类型为“选项”时填写，用顿号或逗号分隔")
    )
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("人群属性")
        verbose_name_plural = _("人群属性")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "key"], name="group_attribute_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category.name} · {self.label}"

    def choice_list(self) -> list[str]:
        text = self.choices.replace("，", ",").replace("、", ",")
        return [c.strip() for c in text.split(",") if c.strip()]


class MembershipQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        """In the user's place, and only of the groups their role may see."""
        return (
            super().visible_to(user).exclude(category__sensitivity__in=hidden_sensitivities(user))
        )

    def on(self, day: datetime.date) -> MembershipQuerySet:
        return self.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)

    def current(self) -> MembershipQuerySet:
        return self.filter(end__isnull=True)


class Membership(Placed):
    """A resident's (or a household's) membership of a special group, from start to end
    (inclusive), with the category's attributes. Ended memberships stay as history."""

    category = models.ForeignKey(
        GroupCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="memberships"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("居民"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("重点人群登记")
        verbose_name_plural = _("重点人群登记")
        ordering = ["place_path", "category", "-start"]
        indexes = [
            *Placed.Meta.indexes,
            models.Index(fields=["category", "place_path"], name="membership_cat_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False, household__isnull=True)
                | Q(resident__isnull=True, household__isnull=False),
                name="membership_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} · {self.resident or self.household}"

    def attribute_items(self) -> list[tuple[str, str]]:
        """(label, value as shown) in the category's order; prefetch category__attributes."""
        items = []
        for attribute in self.category.attributes.all():
            value = self.attributes.get(attribute.key)
            if value in (None, ""):
                continue
            if isinstance(value, bool):
                value = _("是") if value else _("否")
            items.append((attribute.label, f"{value}{attribute.unit}"))
        return items


class Staff(Placed):
    """社区工作者: the community's own staff, for staff statistics and organisations."""

    class Post(models.TextChoices):
        SECRETARY = "书记", _("书记")
        DIRECTOR = "主任", _("主任")
        DEPUTY_SECRETARY = "副书记", _("副书记")
        DEPUTY_DIRECTOR = "副主任", _("副主任")
        MEMBER = "委员", _("委员")
        WORKER = "社区专职工作者", _("社区专职工作者")
        GRID = "网格员", _("网格员")
        OTHER = "其他", _("其他")

    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=2, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = EncryptedCharField(_("手机号码"), max_length=11, blank=True)
    post = models.CharField(_("职务"), max_length=10, choices=Post.choices)
    education = models.CharField(_("文化程度"), max_length=10, choices=Education.choices)
    political_status = models.CharField(
        _("政治面貌"),
        max_length=10,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    start_date = models.DateField(_("入职日期"))
    end_date = models.DateField(_("离职日期"), null=True, blank=True)
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("系统账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
    )

    sensitive_fields = ("phone",)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("社区工作者")
        verbose_name_plural = _("社区工作者")
        ordering = ["place_path", "start_date", "id"]

    def __str__(self) -> str:
        return self.name


class Organisation(Placed):
    """组织体系: one of the community's own bodies, with its members and terms."""

    class Kind(models.TextChoices):
        PARTY_BRANCH = "党支部", _("党支部")
        PARTY_GROUP = "党小组", _("党小组")
        COMMITTEE = "居委会", _("居委会")
        SECURITY = "治保会", _("治保会")
        MEDIATION = "人民调解委员会", _("人民调解委员会")
        PATROL = "巡逻队", _("巡逻队")
        VOLUNTEERS = "志愿服务队", _("志愿服务队")
        ELDERLY = "老年协会", _("老年协会")
        WOMEN = "妇联", _("妇联")
        YOUTH = "团支部", _("团支部")
        LEADING_GROUP = "领导小组", _("领导小组")
        OTHER = "其他", _("其他")

    # Bodies whose members are elected for a term (换届); teams such as a patrol are not.
    ELECTED = frozenset({
        Kind.PARTY_BRANCH, Kind.PARTY_GROUP, Kind.COMMITTEE, Kind.SECURITY, Kind.MEDIATION,
        Kind.ELDERLY, Kind.WOMEN, Kind.YOUTH,
    })  # fmt: skip

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=80)
    established = models.DateField(_("成立日期"), null=True, blank=True)
    term_start = models.DateField(_("本届开始"), null=True, blank=True)
    term_end = models.DateField(_("本届届满"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["place_path", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_elected(self) -> bool:
        return self.kind in self.ELECTED


class OrganisationMember(models.Model):
    """A resident or staff member in an organisation, with a role, from since until until."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="members"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("居民"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisation_roles",
    )
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("社区工作者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisation_roles",
    )
    role = models.CharField(_("职务"), max_length=20, default="成员")
    since = models.DateField(_("加入日期"))
    until = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        ordering = ["organisation", "since", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False, staff__isnull=True)
                | Q(resident__isnull=True, staff__isnull=False),
                name="organisation_member_one_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.resident or self.staff} · {self.role}"


class ImportJob(Placed):
    """One uploaded spreadsheet: checked whole first (a dry run), then committed whole or not at
    all. Large files are checked and committed in the background; `done` / `total` drive the
    progress bar."""

    class State(models.TextChoices):
        CHECKING = "checking", _("正在检查")
        CHECKED = "checked", _("检查通过，待确认")
        INVALID = "invalid", _("有错误，未导入")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")

    kind = models.CharField(_("导入内容"), max_length=20)
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_as = models.CharField(_("存储文件"), max_length=100, editable=False)
    sha256 = models.CharField(_("文件校验值"), max_length=64, editable=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.CHECKING
    )
    total = models.PositiveIntegerField(_("数据行数"), default=0)
    done = models.PositiveIntegerField(_("已处理行数"), default=0)
    counts = models.JSONField(_("结果"), default=dict, blank=True)
    errors = models.JSONField(_("错误（前200条）"), default=list, blank=True)
    warnings = models.JSONField(_("提示（前200条）"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("导入")
        verbose_name_plural = _("导入")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in (
            self.State.CHECKED,
            self.State.INVALID,
            self.State.DONE,
            self.State.FAILED,
        )
