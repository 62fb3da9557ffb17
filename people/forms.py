from __future__ import annotations

import datetime
import re

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, has_perm
from areas.forms import GridChoiceField as PlaceField
from areas.forms import registry_places
from areas.kinds import PlaceKind
from areas.models import Place
from audit.masking import mask
from people.choices import Relation, ResidentStatus, Sex
from people.models import (
    GroupAttribute,
    GroupCategory,
    Organisation,
    OrganisationMember,
    Rental,
    Resident,
    Staff,
)
from shequ.locking import VersionField
from shequ.widgets import DatePicker

DATE = DatePicker()


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
        if current is None:  # only a new registration is checked for a possible duplicate
            self.fields["confirm_similar"] = forms.BooleanField(
                label=_("确认不是同一人，仍然登记"), required=False
            )
        else:
            self.fields["version"] = VersionField()  # the version this page shows
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


def reveals_hidden_digits(q: str) -> bool:
    """More than the last four characters of a number, short of the whole of it: the digits a
    masked number hides ("110105********002X", "138****1234"), which searches could reveal one
    by one. Whole numbers and last fours are what a masked list shows or the worker holds."""
    compact = re.sub(r"\s", "", q).upper()
    if not re.fullmatch(r"\d+X?", compact) or len(compact) <= 4 or len(compact) == 18:
        return False
    return not re.fullmatch(r"1\d{10}", compact)


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
    place = PlaceField(
        label=_("区划"), queryset=Place.objects.none(), required=False, empty_label=_("全部区划")
    )
    group = forms.ModelChoiceField(
        label=_("重点人群"),
        queryset=GroupCategory.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("全部人群"),
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
        self.full_numbers = has_perm(user, Perm.VIEW_SENSITIVE)
        self.fields["place"].queryset = (
            Place.objects.visible_to(user).active().exclude(kind=PlaceKind.DISTRICT)
        )
        self.fields["group"].queryset = GroupCategory.objects.visible_to(user).filter(
            active=True, subject=GroupCategory.Subject.RESIDENT
        )

    def clean_q(self) -> str:
        q = self.cleaned_data["q"].strip()
        if not self.full_numbers and reveals_hidden_digits(q):
            raise forms.ValidationError(
                _("按号码查找时，请输入完整的身份证号码或手机号码，或只输入最后4位")
            )
        return q


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
    version = VersionField()  # the household's, as the page showed it


def communities(user):
    return Place.objects.visible_to(user).active().filter(kind=PlaceKind.COMMUNITY).order_by("code")


STAFF_FORM_FIELDS = ["name", "sex", "birth_date", "phone", "post", "education",
                     "political_status", "start_date", "end_date"]  # fmt: skip
ORGANISATION_FORM_FIELDS = ["kind", "name", "established", "term_start", "term_end",
                            "dissolved_on", "notes"]  # fmt: skip


def _model_form_fields(form, model, names) -> None:
    dates = {f.name for f in model._meta.get_fields() if f.get_internal_type() == "DateField"}
    form.fields.update(
        fields_for_model(
            model,
            fields=names,
            widgets={
                **{name: DatePicker() for name in names if name in dates},
                "notes": forms.Textarea(attrs={"rows": 2}),
            },
        )
    )


class StaffForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"] = PlaceField(label=_("所在社区"), queryset=communities(user))
        _model_form_fields(self, Staff, STAFF_FORM_FIELDS)
        self.order_fields(["place", *STAFF_FORM_FIELDS])
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()


class OrganisationForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"] = PlaceField(label=_("所在社区"), queryset=communities(user))
        _model_form_fields(self, Organisation, ORGANISATION_FORM_FIELDS)
        self.order_fields(["place", *ORGANISATION_FORM_FIELDS])


class OrganisationMemberForm(forms.Form):
    id_number = forms.CharField(
        label=_("居民身份证号码"), max_length=20, required=False, help_text=_("成员是居民时填写")
    )
    staff = forms.ModelChoiceField(
        label=_("或：社区工作者"), queryset=Staff.objects.none(), required=False
    )
    role = forms.CharField(label=_("职务"), max_length=20, initial="成员")
    since = forms.DateField(label=_("加入日期"), widget=DatePicker())

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(
            place_path__under=organisation.place_path, end_date__isnull=True
        )


class RenewTermForm(forms.Form):
    """换届: the new term's dates and which current members serve on."""

    start = forms.DateField(label=_("新一届开始日期"), widget=DatePicker())
    end = forms.DateField(label=_("届满日期"), widget=DatePicker(), required=False)
    keep = forms.ModelMultipleChoiceField(
        label=_("留任成员"),
        queryset=OrganisationMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("默认全部留任；取消勾选的成员于新一届开始前一日退出"),
    )
    version = VersionField()  # the organisation's, as the page showed it

    def __init__(self, *args, organisation, **kwargs):
        current = organisation.members.filter(until__isnull=True).select_related(
            "resident", "staff"
        )
        kwargs.setdefault("initial", {"keep": list(current), "version": organisation.version})
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = current
        self.fields["keep"].label_from_instance = lambda m: f"{m.resident or m.staff}（{m.role}）"


class RentalForm(forms.Form):
    address = forms.CharField(
        label=_("出租房屋地址"), max_length=200, help_text=_("须是已登记的房屋")
    )
    landlord_name = forms.CharField(label=_("房东姓名"), max_length=50)
    landlord_phone = forms.CharField(label=_("房东手机"), max_length=20, required=False)
    tenant_name = forms.CharField(label=_("承租人"), max_length=50, required=False)
    tenant_household = forms.CharField(
        label=_("承租户户号"), max_length=30, required=False, help_text=_("承租户已登记时填写")
    )
    tenants = forms.IntegerField(label=_("居住人数"), min_value=0, max_value=500, required=False)
    purpose = forms.ChoiceField(label=_("用途"), choices=Rental.Purpose.choices)
    start = forms.DateField(label=_("租赁开始"), widget=DatePicker())
    end = forms.DateField(label=_("租赁结束"), widget=DatePicker(), required=False)


class RentalEditForm(RentalForm):
    """A rental's terms, landlord and tenant; the dwelling is fixed. The landlord's phone is
    never shown in full: blank keeps it, typing replaces it."""

    def __init__(self, *args, rental, **kwargs):
        self.rental = rental
        initial = {
            "landlord_name": rental.landlord_name,
            "tenant_name": rental.tenant_name,
            "tenant_household": rental.tenant_household.number if rental.tenant_household else "",
            "tenants": rental.tenants,
            "purpose": rental.purpose,
            "start": rental.start,
            "end": rental.end,
            "version": rental.version,
        }
        super().__init__(*args, initial=initial, **kwargs)
        del self.fields["address"]
        self.fields["version"] = VersionField()  # the version this page shows
        if rental.landlord_phone:
            self.fields["landlord_phone"].help_text = _("当前：%(masked)s；留空则不变") % {
                "masked": mask(rental.landlord_phone)
            }

    def clean(self):
        data = super().clean()
        if not data.get("landlord_phone"):
            data["landlord_phone"] = self.rental.landlord_phone
        return data


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=40)
    code = forms.SlugField(
        label=_("代码"), max_length=40, help_text=_("英文字母、数字或下划线，如 orphan")
    )
    subject = forms.ChoiceField(label=_("对象"), choices=GroupCategory.Subject.choices)
    sensitivity = forms.ChoiceField(label=_("敏感级别"), choices=GroupCategory.Sensitivity.choices)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttributeForm(forms.Form):
    label = forms.CharField(label=_("属性名称"), max_length=40)
    key = forms.SlugField(label=_("代码"), max_length=40)
    kind = forms.ChoiceField(label=_("类型"), choices=GroupAttribute.Kind.choices)
    choices = forms.CharField(
        label=_("可选值"),
        max_length=300,
        required=False,
        help_text=_("类型为“选项”时填写，用顿号或逗号分隔"),
    )
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)
    required = forms.BooleanField(label=_("必填"), required=False)


class SplitForm(forms.Form):
    number = forms.CharField(label=_("新户户号"), max_length=30)
    members = forms.ModelMultipleChoiceField(
        label=_("分出的成员"), queryset=Resident.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    head = forms.ModelChoiceField(label=_("新户户主"), queryset=Resident.objects.none())
    on = forms.DateField(label=_("分户日期"), widget=DatePicker())
    version = VersionField()

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        current = Resident.objects.filter(
            residences__household=household, residences__until__isnull=True
        )
        self.fields["members"].queryset = current
        self.fields["head"].queryset = current


class MergeForm(forms.Form):
    into = forms.CharField(label=_("并入户的户号"), max_length=30)
    on = forms.DateField(label=_("合户日期"), widget=DatePicker())
    version = VersionField()

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)


class HeadForm(forms.Form):
    head = forms.ModelChoiceField(label=_("新户主"), queryset=Resident.objects.none())
    version = VersionField()

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = Resident.objects.filter(
            residences__household=household, residences__until__isnull=True
        )
