"""What the lookups answer (api/lookup_views.py): the catalogues and accounts whose ids and
codes the creating calls take. None of them holds a sensitive field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api import serializers as s


class MeSerializer(s.TokenInfoSerializer):
    id = serializers.IntegerField(source="user.id", help_text=_("账号编号"))


class ChecklistItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("检查项目编号：answers、answer_notes 的键"))
    order = serializers.IntegerField(help_text=_("序号"))
    label = serializers.CharField(help_text=_("检查项目"))
    kind = serializers.CharField(
        help_text=_("类型：yesno 是/否、number 数字、choice 选项、text 文字")
    )
    choices = serializers.ListField(
        child=serializers.CharField(), source="choice_list", help_text=_("可选的回答")
    )
    failing = serializers.ListField(
        child=serializers.CharField(), source="failing_list", help_text=_("算作不合格的回答")
    )
    unit = serializers.CharField()
    required = serializers.BooleanField(help_text=_("必答"))
    needs_rectification = serializers.BooleanField(help_text=_("不合格须整改"))


class ChecklistVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("版本编号：checklist_version 的值"))
    number = serializers.IntegerField(help_text=_("版本号"))
    published_at = serializers.DateTimeField()


class ChecklistSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("检查表编号：checklist 的值"))
    name = serializers.CharField()
    area = serializers.CharField(help_text=_("检查领域"))
    counts = serializers.BooleanField(help_text=_("须填写病媒生物监测数（counts）"))
    description = serializers.CharField()
    version = ChecklistVersionSerializer(source="current_version", help_text=_("最新发布的版本"))
    items = ChecklistItemSerializer(many=True, source="item_list")


class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=_("代码：工作记录 topics 的值"))
    name = serializers.CharField()
    active = serializers.BooleanField(help_text=_("启用（新记录只能用启用的）"))


class QuantityItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("数量项目编号：工作记录 quantities 的键"))
    name = serializers.CharField()
    unit = serializers.CharField()
    active = serializers.BooleanField(help_text=_("启用（新记录只能用启用的）"))


class GroupAttributeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("属性代码：attributes 的键"))
    label = serializers.CharField()
    kind = serializers.CharField(
        help_text=_(
            "类型：text 文字、number 整数、decimal 金额/小数、date 日期、choice 选项、boolean 是/否"
        )
    )
    choices = serializers.ListField(
        child=serializers.CharField(), source="choice_list", help_text=_("选项题的可选值")
    )
    unit = serializers.CharField()
    required = serializers.BooleanField(help_text=_("必填"))


class GroupCategorySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("类别代码：重点人群登记 group 的值"))
    name = serializers.CharField()
    subject = serializers.CharField(help_text=_("对象：resident 居民、household 户"))
    sensitivity = serializers.CharField(
        help_text=_("敏感级别：normal 一般、personal 个人敏感、health 健康、judicial 司法")
    )
    description = serializers.CharField()
    active = serializers.BooleanField()
    attributes = GroupAttributeSerializer(many=True, source="attributes.all")


class CampaignItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("申报数据项代码：申报 values 的键"))
    label = serializers.CharField()
    unit = serializers.CharField()


class CampaignItemsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="id")
    name = serializers.CharField()
    subject = serializers.CharField(help_text=_("评选对象：household 户、unit 辖区单位"))
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
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    place = s.PlaceRef(allow_null=True)
