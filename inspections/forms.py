"""Forms of inspections. Each form only shapes what is typed; the rules live in
inspections/services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections import services
from inspections.models import Checklist, ChecklistItem

# --- Checklists and responsibility agreements (checklist_views.py, agreement_views.py) -------


class ChecklistForm(forms.Form):
    """A checklist's name and settings; its items are edited in a draft version."""

    name = forms.CharField(label=_("检查表名称"), max_length=40)
    area = forms.ChoiceField(label=_("检查领域"), choices=Checklist.Area.choices)
    counts = forms.BooleanField(
        label=_("填写病媒生物监测数"),
        required=False,
        help_text=Checklist._meta.get_field("counts").help_text,
    )
    description = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    active = forms.BooleanField(
        label=_("启用"),
        required=False,
        help_text=_("停用后新的检查不能再选这张表，已做的检查不受影响"),
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["active"]


class ItemForm(forms.Form):
    """One question of a draft checklist."""

    label = forms.CharField(label=_("检查项目"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=ChecklistItem.Kind.choices)
    choices = forms.CharField(
        label=_("可选值"),
        max_length=200,
        required=False,
        help_text=_("类型为“选项”时填写，用顿号或逗号分隔，如：良好、一般、较差"),
    )
    failing = forms.CharField(
        label=_("不合格的回答"),
        max_length=200,
        required=False,
        help_text=_("是/否题填“是”或“否”；选项题填不合格的选项，用顿号分隔；数字、文字题不填"),
    )
    unit = forms.CharField(
        label=_("单位"),
        max_length=10,
        required=False,
        help_text=_("类型为“数字”时填写，如：具、人"),
    )
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)
    needs_rectification = forms.BooleanField(
        label=_("不合格须整改"),
        required=False,
        help_text=_("勾选后，检查中该项不合格时可下达整改通知"),
    )

    @classmethod
    def initial_for(cls, item: ChecklistItem) -> dict:
        return {name: getattr(item, name) for name in cls.base_fields}

    def item_data(self) -> services.ItemData:
        return services.ItemData(**self.cleaned_data)
