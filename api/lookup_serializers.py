"""What the lookups answer (api/lookup_views.py): the catalogues and accounts whose ids and
codes the creating calls take. None of them holds a sensitive field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.roles import Role
from api import serializers as s
from inspections.models import Checklist, ChecklistItem
from people.models import GroupAttribute, GroupCategory
from programs.models import Campaign


class MeSerializer(s.TokenInfoSerializer):
    id = serializers.IntegerField(source="user.id", help_text=_("账号编号"))


class ChecklistItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("检查项目编号：answers、answer_notes 的键"))
    order = serializers.IntegerField(help_text=_("序号"))
    label = serializers.CharField(help_text=_("检查项目"))
    kind = s.Choice(ChecklistItem.Kind.choices, help_text=_("类型"))
    kind_label = s.Label(ChecklistItem.Kind.choices, source="kind")
    choices = serializers.ListField(
        child=serializers.CharField(), source="choice_list", help_text=_("可选的回答")
    )
    failing = serializers.ListField(
        child=serializers.CharField(), source="failing_list", help_text=_("算作不合格的回答")
    )
    item_unit = serializers.CharField(source="unit", help_text=_("计量单位"))
    required = serializers.BooleanField(help_text=_("必答"))
    needs_rectification = serializers.BooleanField(help_text=_("不合格须整改"))


class ChecklistVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("版本编号：checklist_version 的值"))
    version_number = serializers.IntegerField(source="number", help_text=_("版本号"))
    published_at = serializers.DateTimeField()


class ChecklistSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("检查表编号：checklist 的值"))
    name = serializers.CharField()
    area = s.Choice(Checklist.Area.choices, help_text=_("检查领域"))
    area_label = s.Label(Checklist.Area.choices, source="area")
    counts = serializers.BooleanField(help_text=_("须填写病媒生物监测数（counts）"))
    description = serializers.CharField()
    current_version = ChecklistVersionSerializer(help_text=_("最新发布的版本"))
    items = ChecklistItemSerializer(many=True, source="item_list")


class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=_("代码：工作记录 topics 的值"))
    name = serializers.CharField()
    active = serializers.BooleanField(help_text=_("启用（新记录只能用启用的）"))


class QuantityItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("数量项目编号：工作记录 quantities 的键"))
    name = serializers.CharField()
    item_unit = serializers.CharField(source="unit", help_text=_("计量单位"))
    active = serializers.BooleanField(help_text=_("启用（新记录只能用启用的）"))


class GroupAttributeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("属性代码：attributes 的键"))
    label = serializers.CharField()
    kind = s.Choice(GroupAttribute.Kind.choices, help_text=_("类型"))
    kind_label = s.Label(GroupAttribute.Kind.choices, source="kind")
    choices = serializers.ListField(
        child=serializers.CharField(), source="choice_list", help_text=_("选项题的可选值")
    )
    item_unit = serializers.CharField(source="unit", help_text=_("计量单位"))
    required = serializers.BooleanField(help_text=_("必填"))


class GroupCategorySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("类别代码：重点人群登记 group 的值"))
    name = serializers.CharField()
    subject = s.Choice(GroupCategory.Subject.choices, help_text=_("对象"))
    subject_label = s.Label(GroupCategory.Subject.choices, source="subject")
    sensitivity = s.Choice(GroupCategory.Sensitivity.choices, help_text=_("敏感级别"))
    sensitivity_label = s.Label(GroupCategory.Sensitivity.choices, source="sensitivity")
    description = serializers.CharField()
    active = serializers.BooleanField()
    attribute_fields = GroupAttributeSerializer(
        many=True, source="attributes.all", help_text=_("登记时 attributes 可填的属性")
    )


class CampaignItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("申报数据项代码：申报 values 的键"))
    label = serializers.CharField()
    item_unit = serializers.CharField(source="unit", help_text=_("计量单位"))


class CampaignItemsSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("评选活动编号"))
    name = serializers.CharField()
    subject = s.Choice(Campaign.Subject.choices, help_text=_("评选对象"))
    subject_label = s.Label(Campaign.Subject.choices, source="subject")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    items = CampaignItemSerializer(
        many=True, source="item_list", help_text=_("每项必填，值为数字（十进制字符串）")
    )


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text=_("账号编号：承办人 assignee、检查人员 inspectors 的值")
    )
    name = serializers.CharField(source="shown_name")
    role = s.Choice(Role.choices)
    role_label = s.Label(Role.choices, source="role")
    place = s.PlaceRef(allow_null=True)
