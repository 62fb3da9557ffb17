from __future__ import annotations

import datetime

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.kinds import PlaceKind
from areas.models import Place
from audit.masking import mask
from people.choices import Relation, ResidentStatus, Sex
from people.models import GroupAttribute, GroupCategory, Resident
from shequ.widgets import DatePicker

DATE = DatePicker()


def registry_places(user):
    """The communities and grids a user may register people in."""
    return (
        Place.objects.visible_to(user)
        .active()
        .filter(kind__in=[PlaceKind.COMMUNITY, PlaceKind.GRID])
        .order_by("code")
    )


class PlaceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return f"{'　' if obj.kind == PlaceKind.GRID else ''}{obj.name}"


RESIDENT_FORM_FIELDS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "place",
    "phone",
    "ethnicity",
    "education",
    "political_status",
    "marital_status",
    "hukou_type",
    "work_unit",
    "notes",
]


class ResidentForm(forms.Form):
    """Parses what the worker typed; the service checks the ID number and derives sex and birth
    date from it, so those two may stay empty."""

    def __init__(self, *args, user, current: Resident | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        self.fields.update(
            fields_for_model(
                Resident,
                fields=RESIDENT_FORM_FIELDS,
                widgets={"notes": forms.Textarea(attrs={"rows": 3})},
            )
        )
        self.fields["place"] = PlaceField(label=_("所属社区/网格"), queryset=registry_places(user))
        self.fields["sex"] = forms.ChoiceField(
            label=_("性别"), choices=[("", _("按身份证号码")), *Sex.choices], required=False
        )
        self.fields["birth_date"] = forms.DateField(
            label=_("出生日期"), required=False, widget=DATE, help_text=_("可留空，按身份证号码")
        )
        self.fields["id_number"].max_length = 20
        self.fields["id_number"].widget.attrs.update(autocomplete="off", maxlength=20)
        self.fields["phone"].max_length = 20
        self.fields["phone"].widget.attrs.update(inputmode="tel", maxlength=20)
        self.fields["confirm_similar"] = forms.BooleanField(
            label=_("确认不是同一人，仍然登记"), required=False
        )
        if current is not None:
            # Editing never shows the numbers in full: blank keeps them, typing replaces them.
            for name in ("id_number", "phone"):
                value = getattr(current, name)
                self.fields[name].required = False
                self.fields[name].help_text = (
                    _("当前：%(masked)s；留空则不变") % {"masked": mask(value)} if value else ""
                )
        self.order_fields(RESIDENT_FORM_FIELDS)

    def clean(self):
        data = super().clean()
        if self.current is not None:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data[name] = getattr(self.current, name)
        return data


class ResidentFilterForm(forms.Form):
    AGE_BANDS = [
        ("", _("全部年龄")),
        ("0-17", _("0–17岁")),
        ("18-59", _("18–59岁")),
        ("60-", _("60岁以上")),
        ("60-79", _("60–79岁")),
        ("80-", _("80岁以上")),
    ]
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音首字母、身份证号、手机、地址")}),
    )
    place = PlaceField(label=_("区划"), queryset=Place.objects.none(), required=False)
    group = forms.ModelChoiceField(
        label=_("重点人群"),
        queryset=GroupCategory.objects.none(),
        required=False,
        to_field_name="code",
    )
    age = forms.ChoiceField(label=_("年龄段"), choices=AGE_BANDS, required=False)
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", _("全部")), *Sex.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), *ResidentStatus.choices],
        required=False,
        initial=ResidentStatus.PRESENT,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (
            Place.objects.visible_to(user).active().exclude(kind=PlaceKind.DISTRICT)
        )
        self.fields["group"].queryset = GroupCategory.objects.visible_to(user).filter(
            active=True, subject=GroupCategory.Subject.RESIDENT
        )


class LeaveForm(forms.Form):
    what = forms.ChoiceField(
        label=_("事由"), choices=[("move_out", _("迁出本社区")), ("death", _("死亡"))]
    )
    on = forms.DateField(label=_("日期"), widget=DATE)


class DateForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DATE)


def attribute_field(attribute: GroupAttribute) -> forms.Field:
    label = f"{attribute.label}（{attribute.unit}）" if attribute.unit else attribute.label
    common = {"label": label, "required": attribute.required}
    kind = attribute.kind
    if kind == GroupAttribute.Kind.NUMBER:
        return forms.IntegerField(min_value=0, **common)
    if kind == GroupAttribute.Kind.DECIMAL:
        return forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, **common)
    if kind == GroupAttribute.Kind.DATE:
        return forms.DateField(widget=DATE, **common)
    if kind == GroupAttribute.Kind.BOOLEAN:
        return forms.ChoiceField(choices=[("", "—"), ("是", _("是")), ("否", _("否"))], **common)
    if kind == GroupAttribute.Kind.CHOICE:
        return forms.ChoiceField(
            choices=[("", "—"), *[(c, c) for c in attribute.choice_list()]], **common
        )
    return forms.CharField(max_length=200, **common)


class MembershipForm(forms.Form):
    """A start date, notes and one field per attribute of the category."""

    start = forms.DateField(label=_("开始日期"), widget=DATE)
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, category: GroupCategory, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        self.attribute_keys = []
        for attribute in category.attributes.all():
            name = f"attr_{attribute.key}"
            self.fields[name] = attribute_field(attribute)
            self.attribute_keys.append((name, attribute.key))
        if not self.is_bound:
            self.initial.setdefault("start", timezone.localdate())

    def attributes(self) -> dict:
        values = {}
        for name, key in self.attribute_keys:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            values[key] = value.isoformat() if isinstance(value, datetime.date) else value
        return values


class HouseholdForm(forms.Form):
    number = forms.CharField(label=_("户号"), max_length=30)
    place = PlaceField(label=_("所属社区/网格"), queryset=Place.objects.none())
    registration = forms.ChoiceField(
        label=_("户别"),
        choices=[("户籍", _("户籍户")), ("常住", _("常住户")), ("流动", _("流动户"))],
    )
    head_id_number = forms.CharField(
        label=_("户主身份证号码"), max_length=20, help_text=_("户主须已登记为居民")
    )
    since = forms.DateField(label=_("建户日期"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)


class MoveInForm(forms.Form):
    id_number = forms.CharField(
        label=_("居民身份证号码"), max_length=20, help_text=_("居民须已登记")
    )
    relation = forms.ChoiceField(
        label=_("与户主关系"), choices=[("", "---------"), *Relation.choices]
    )
    since = forms.DateField(label=_("迁入日期"), widget=DATE)
