from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from areas.kinds import PlaceKind
from areas.models import Dwelling, LocalUnit, Place
from audit.masking import mask
from shequ.locking import VersionField
from shequ.widgets import DatePicker


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    code = forms.CharField(
        label=_("区划代码"),
        max_length=15,
        required=False,
        help_text=_("12位统计用区划代码；网格可留空，自动编号"),
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()
        if kind != PlaceKind.GRID:
            self.fields["code"].required = True
            self.fields["code"].help_text = _("12位统计用区划代码")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code and not (code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("区划代码只能由数字组成"))
        return code


class MoveGridForm(forms.Form):
    to = forms.ModelChoiceField(label=_("调入社区"), queryset=Place.objects.none())

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = communities


class RetireForm(forms.Form):
    on = forms.DateField(label=_("撤销日期"), widget=DatePicker())


def registry_places(user):
    """Communities and grids in the user's place, for registering premises."""
    return (
        Place.objects.visible_to(user)
        .active()
        .filter(kind__in=[PlaceKind.COMMUNITY, PlaceKind.GRID])
        .order_by("code")
    )


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return self.label_for(obj.kind, obj.name)

    @staticmethod
    def label_for(kind: str, name: str) -> str:
        return f"{'　' if kind == PlaceKind.GRID else ''}{name}"

    def option_pairs(self):
        """(value, label) of each option from one values query (see `quick_select`)."""
        if self.empty_label is not None:
            yield "", self.empty_label
        for pk, kind, name in self.queryset.values_list("pk", "kind", "name"):
            yield pk, self.label_for(kind, name)


class DwellingForm(forms.Form):
    place = GridChoiceField(label=_("所属网格"), queryset=Place.objects.none())
    address = forms.CharField(
        label=_("房屋地址"), max_length=200, help_text=_("如：阳光花园3栋2单元502室")
    )
    estate_name = forms.CharField(label=_("小区"), max_length=80, required=False)
    building_name = forms.CharField(label=_("楼栋"), max_length=40, required=False)
    unit = forms.CharField(label=_("单元"), max_length=20, required=False)
    room = forms.CharField(label=_("门牌/房号"), max_length=40, required=False)
    usage = forms.ChoiceField(label=_("用途"), choices=Dwelling.Usage.choices)
    area = forms.DecimalField(
        label=_("面积（平方米）"), required=False, min_value=0, max_digits=8, decimal_places=2
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()


UNIT_FORM_FIELDS = [
    "name",
    "credit_code",
    "kind",
    "place",
    "address",
    "contact_name",
    "contact_phone",
    "legal_representative",
    "closed_on",
    "notes",
]


class LocalUnitForm(forms.Form):
    """Parses the unit's fields (built from the model); save_unit() checks and saves."""

    def __init__(self, *args, user, current: LocalUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        self.fields.update(
            fields_for_model(
                LocalUnit,
                fields=UNIT_FORM_FIELDS,
                widgets={"closed_on": DatePicker(), "notes": forms.Textarea(attrs={"rows": 2})},
            )
        )
        self.fields["place"] = GridChoiceField(label=_("所属网格"), queryset=registry_places(user))
        self.fields["credit_code"].max_length = 30
        if current is not None:
            self.fields["version"] = VersionField()  # the version this page shows
        if current is not None and current.contact_phone:
            self.fields["contact_phone"].help_text = _("当前：%(m)s；留空则不变") % {
                "m": mask(current.contact_phone)
            }
        self.order_fields(UNIT_FORM_FIELDS)

    def clean(self):
        data = super().clean()
        if self.current is not None and not data.get("contact_phone"):
            data["contact_phone"] = self.current.contact_phone
        return data
