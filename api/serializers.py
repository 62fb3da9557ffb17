"""What the API answers, field by field. Sensitive fields (Resident.sensitive_fields,
Case.sensitive_fields) are always masked here, as in every UI list; the full value comes only
from the reveal call, to roles with VIEW_SENSITIVE, audited as the UI's reveal button is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from audit.masking import mask


class Masked(serializers.CharField):
    """A sensitive value, masked ("110***********4518")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return mask(value)


class PlaceRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("层级"))
    name = serializers.CharField()
    code = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    retired_on = serializers.DateField(allow_null=True)


class GroupSerializer(serializers.Serializer):
    category = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)


class ResidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = Masked(help_text=_("身份证号码（脱敏）"))
    phone = Masked(help_text=_("手机号码（脱敏）"))
    sex = serializers.CharField()
    birth_date = serializers.DateField()
    status = serializers.CharField()
    place = PlaceRef()


class ResidentListSerializer(ResidentSerializer):
    address = serializers.CharField(allow_null=True)
    groups = serializers.ListField(
        child=serializers.CharField(), source="group_names", help_text=_("当前所属重点人群")
    )


class ResidentDetailSerializer(ResidentSerializer):
    ethnicity = serializers.CharField()
    education = serializers.CharField()
    political_status = serializers.CharField()
    marital_status = serializers.CharField()
    hukou_type = serializers.CharField()
    work_unit = serializers.CharField()
    notes = serializers.CharField()
    groups = GroupSerializer(many=True, source="visible_groups")


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    value = serializers.CharField()


class HouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    registration = serializers.CharField()
    address = serializers.CharField(source="dwelling.address", allow_null=True, default=None)
    head = serializers.IntegerField(source="head_id", allow_null=True)
    dissolved_on = serializers.DateField(allow_null=True)
    place = PlaceRef()


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    credit_code = serializers.CharField(help_text=_("统一社会信用代码"))
    kind = serializers.CharField()
    address = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = Masked(help_text=_("联系电话（脱敏）"))
    closed_on = serializers.DateField(allow_null=True)
    place = PlaceRef()


class RecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
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
    organiser = serializers.IntegerField(source="organiser_id", allow_null=True)
    co_organisers = serializers.CharField()
    notes = serializers.CharField()
    participants = serializers.IntegerField(source="named", help_text=_("具名参与人数"))


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    received_at = serializers.DateTimeField()
    due = serializers.DateField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    place = PlaceRef()
    assignee = UserRef(allow_null=True, help_text=_("承办人（矫正、帮教为责任人）；未派单为 null"))


class CaseDetailSerializer(CaseSerializer):
    description = serializers.CharField()
    channel = serializers.CharField()
    reporter = serializers.IntegerField(source="reporter_id", allow_null=True)
    reporter_name = serializers.CharField()
    reporter_phone = Masked()
    address = serializers.CharField()
    version = serializers.IntegerField(help_text=_("版本号：对案件做操作时带上"))


class FigureSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    area = serializers.CharField()
    value = serializers.CharField(help_text=_("数值（十进制字符串）"))
    records = serializers.URLField(help_text=_("此数字背后的记录（接口地址）"))


class RateSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    value = serializers.CharField(
        allow_null=True,
        help_text=_('比率，一位小数的数字字符串（与统计页相同），如 "83.3"；分母为 0 时为 null'),
    )


class IndicatorValuesSerializer(serializers.Serializer):
    place = PlaceRef()
    start = serializers.DateField()
    end = serializers.DateField()
    figures = FigureSerializer(many=True)
    rates = RateSerializer(many=True)


class BehindRowSerializer(serializers.Serializer):
    day = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    place = serializers.CharField()
    url = serializers.CharField(help_text=_("网页上的记录地址"))


class IndicatorDetailSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField()
    by_child = serializers.ListField(child=serializers.DictField())
    count = serializers.IntegerField(help_text=_("此数字背后的记录数"))
    rows = BehindRowSerializer(many=True, help_text=_("最新的记录（至多200条）"))


class TokenInfoSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username")
    role = serializers.CharField(source="user.role")
    place = PlaceRef(source="user.place", allow_null=True)
    token = serializers.CharField(source="prefix")
    expires_at = serializers.DateTimeField(allow_null=True)
