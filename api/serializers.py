"""What the API answers, field by field. Sensitive fields (Resident.sensitive_fields,
Case.sensitive_fields) are always masked here, as in every UI list; the full value comes only
from the reveal call, to roles with VIEW_SENSITIVE, audited as the UI's reveal button is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.roles import Role
from areas.kinds import PlaceKind
from areas.models import LocalUnit
from audit.masking import mask
from cases.flows import FLOWS
from cases.models import Case
from ledger.models import WorkRecord
from people.choices import (
    ETHNICITY_CHOICES,
    Education,
    HukouType,
    MaritalStatus,
    PoliticalStatus,
    Registration,
    ResidentStatus,
    Sex,
)


class Masked(serializers.CharField):
    """A sensitive value, masked ("110***********4518")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return mask(value)


def Choice(choices, **kwargs) -> serializers.ChoiceField:
    """An enum field: the stored value, its allowed values listed in the schema."""
    return serializers.ChoiceField(choices=list(choices), read_only=True, **kwargs)


class Label(serializers.CharField):
    """The Chinese name of an enum's value, answered beside it as `<field>_label` wherever the
    enum's values are codes (`community`, `overdue`) or short forms of their names (户籍 for
    户籍户): the one rule in docs/api.md."""

    def __init__(self, choices, **kwargs):
        self.names = {str(value): label for value, label in choices}
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return str(self.names.get(str(value), value))


# A reference to another record is an object, {id, ...the fields that name it}, everywhere,
# under the same name: `place` {id, name}, `household` {id, number}, `unit` {id, name}…
class PlaceRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class NamedRef(serializers.Serializer):
    """A resident, local unit, account, campaign, checklist or supply item: {id, name}."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class UserRef(serializers.Serializer):
    """An account: {id, name} (its username when it has no name)."""

    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.name or user.username


class HouseholdRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("户号"))


class RecordRef(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = Choice(PlaceKind.choices, help_text=_("层级"))
    kind_label = Label(PlaceKind.choices, source="kind")
    name = serializers.CharField()
    code = serializers.CharField()
    parent = PlaceRef(allow_null=True)
    retired_on = serializers.DateField(allow_null=True)


class GroupSerializer(serializers.Serializer):
    """A current membership of a resident, as the resident list and page name it."""

    membership = serializers.IntegerField(source="pk", help_text=_("重点人群登记编号"))
    group = serializers.CharField(source="category.code", help_text=_("重点人群类别代码"))
    group_label = serializers.CharField(source="category.name")
    starts_on = serializers.DateField(source="start")
    ends_on = serializers.DateField(source="end", allow_null=True)


class ResidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = Masked(help_text=_("身份证号码（脱敏）"))
    phone = Masked(help_text=_("手机号码（脱敏）"))
    sex = Choice(Sex.choices)
    birth_date = serializers.DateField()
    status = Choice(ResidentStatus.choices)
    place = PlaceRef()
    groups = GroupSerializer(many=True, source="visible_groups", help_text=_("当前所属重点人群"))


class ResidentListSerializer(ResidentSerializer):
    address = serializers.CharField(allow_null=True)


class ResidentDetailSerializer(ResidentSerializer):
    ethnicity = Choice(ETHNICITY_CHOICES)
    education = Choice([("", ""), *Education.choices])
    political_status = Choice([("", ""), *PoliticalStatus.choices])
    marital_status = Choice([("", ""), *MaritalStatus.choices])
    hukou_type = Choice(HukouType.choices)
    work_unit = serializers.CharField()
    notes = serializers.CharField()


REVEALED = [("id_number", _("身份证号码")), ("phone", _("手机号码"))]


class RevealSerializer(serializers.Serializer):
    field = Choice(REVEALED)
    field_label = Label(REVEALED, source="field")
    value = serializers.CharField()


class HouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    registration = Choice(Registration.choices, help_text=_("户别"))
    registration_label = Label(Registration.choices, source="registration")
    address = serializers.CharField(source="dwelling.address", allow_null=True, default=None)
    head = NamedRef(allow_null=True, help_text=_("户主"))
    dissolved_on = serializers.DateField(allow_null=True)
    place = PlaceRef()


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    credit_code = serializers.CharField(help_text=_("统一社会信用代码"))
    kind = Choice(LocalUnit.Kind.choices)
    address = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = Masked(help_text=_("联系电话（脱敏）"))
    closed_on = serializers.DateField(allow_null=True)
    place = PlaceRef()


class RecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = Choice(WorkRecord.Kind.choices)
    title = serializers.CharField()
    date = serializers.DateField()
    start_time = serializers.TimeField(allow_null=True)
    end_time = serializers.TimeField(allow_null=True)
    venue = serializers.CharField()
    head_count = serializers.IntegerField(allow_null=True)
    topics = serializers.ListField(child=serializers.CharField(), source="topic_codes")
    quantities = serializers.DictField(
        child=serializers.CharField(), source="amounts", help_text=_("数量项目编号 → 数量")
    )
    place = PlaceRef()


class RecordDetailSerializer(RecordSerializer):
    organiser = NamedRef(allow_null=True, help_text=_("组织者（社区工作者）"))
    co_organisers = serializers.CharField()
    notes = serializers.CharField()
    participants = serializers.IntegerField(source="named", help_text=_("具名参与人数"))


CASE_STATES = [(s, s) for s in dict.fromkeys(s for f in FLOWS.values() for s in f.states)]


class EventSerializer(serializers.Serializer):
    """One line of a case's timeline, as the case page shows it."""

    at = serializers.DateTimeField()
    action = serializers.CharField(help_text=_("操作代码"))
    action_label = serializers.CharField(source="label")
    by = UserRef(allow_null=True, help_text=_("经办人账号；居民自己办理或系统导入时为 null"))
    by_name = serializers.CharField(source="actor_name", help_text=_("经办人姓名"))
    previous_state = Choice(CASE_STATES, allow_null=True, help_text=_("操作前状态"))
    state = Choice(CASE_STATES, help_text=_("操作后状态"))
    note = serializers.CharField()
    assignee_name = serializers.CharField(
        source="data.assignee", default="", help_text=_("派给谁（派单时）")
    )
    rating = serializers.CharField(source="data.rating", default="", help_text=_("回访评价"))
    files = serializers.IntegerField(source="file_count", help_text=_("附件数（在案件页面查看）"))


CASE_CATEGORIES = [(c, c) for c in dict.fromkeys(c for f in FLOWS.values() for c in f.categories)]
CASE_CHANNELS = [(c, c) for c in dict.fromkeys(c for f in FLOWS.values() for c in f.channels)]


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = Choice(Case.Kind.choices)
    kind_label = Label(Case.Kind.choices, source="kind")
    state = Choice(CASE_STATES, help_text=_("状态（各类型的状态见案件流程）"))
    title = serializers.CharField()
    category = Choice(CASE_CATEGORIES)
    received_at = serializers.DateTimeField()
    deadline = serializers.DateField(source="due", allow_null=True, help_text=_("办理期限"))
    done_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    place = PlaceRef()
    assignee = UserRef(allow_null=True, help_text=_("承办人（矫正、帮教为责任人）；未派单为 null"))


class CaseDetailSerializer(CaseSerializer):
    description = serializers.CharField()
    channel = Choice([("", ""), *CASE_CHANNELS])
    reporter = NamedRef(allow_null=True, help_text=_("反映人（登记在册的居民）；否则为 null"))
    reporter_name = serializers.CharField(help_text=_("反映人姓名（如其所报）"))
    reporter_phone = Masked()
    address = serializers.CharField()
    version = serializers.IntegerField(help_text=_("版本号：对案件做操作时带上"))
    timeline = EventSerializer(many=True, source="timeline_events", help_text=_("办理记录"))


class FigureSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    measure = serializers.CharField(help_text=_("计量单位"))
    section = serializers.CharField(help_text=_("统计页上的栏目"))
    value = serializers.CharField(help_text=_("数值（十进制字符串）"))
    records = serializers.URLField(help_text=_("此数字背后的记录（接口地址）"))


class RateSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    measure = serializers.CharField(help_text=_("计量单位"))
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    value = serializers.CharField(
        allow_null=True,
        help_text=_('比率，一位小数的数字字符串（与统计页相同），如 "83.3"；分母为 0 时为 null'),
    )


class IndicatorValuesSerializer(serializers.Serializer):
    place = PlaceRef()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    figures = FigureSerializer(many=True)
    rates = RateSerializer(many=True)


class BehindRowSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True)
    title = serializers.CharField()
    place_name = serializers.CharField(help_text=_("区划名称"))
    url = serializers.URLField(
        allow_null=True, help_text=_("此记录的接口地址；接口不提供此类记录时为 null")
    )
    page_url = serializers.URLField(allow_null=True, help_text=_("网页上的记录地址"))


class ChildValueSerializer(serializers.Serializer):
    place = PlaceRef(allow_null=True, help_text=_("下级区划；null 为直接记在本级的"))
    value = serializers.CharField()


class IndicatorDetailSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField()
    by_child = ChildValueSerializer(many=True)
    count = serializers.IntegerField(help_text=_("此数字背后的记录数"))
    rows = BehindRowSerializer(many=True, help_text=_("最新的记录（至多200条）"))


class TokenInfoSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username")
    role = Choice(Role.choices, source="user.role")
    role_label = Label(Role.choices, source="user.role")
    place = PlaceRef(source="user.place", allow_null=True)
    token = serializers.CharField(source="prefix")
    expires_at = serializers.DateTimeField(allow_null=True)
