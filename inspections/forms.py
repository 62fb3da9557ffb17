"""Forms of inspections. Each form only shapes what is typed; the rules live in
inspections/services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from areas.forms import GridChoiceField
from areas.models import LocalUnit, Place
from inspections import services
from inspections.models import Agreement, Checklist, ChecklistItem
from people.models import Rental
from shequ.widgets import DatePicker

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


class PlaceField(GridChoiceField):
    """Any place in the user's scope, indented by level."""

    def label_from_instance(self, obj: Place) -> str:
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}"

    def option_pairs(self):
        if self.empty_label is not None:
            yield "", self.empty_label
        for pk, name, path in self.queryset.values_list("pk", "name", "path"):
            yield pk, f"{'　' * max(path.count('/') - 2, 0)}{name}"


def scope_places(user: User):
    return (
        Place.objects.visible_to(user).active().order_by("code").only("id", "kind", "name", "path")
    )


class AgreementFilterForm(forms.Form):
    STATES = [("", _("全部")), ("in_force", _("有效")), ("expired", _("已过期"))]

    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *Agreement.Kind.choices]
    )
    state = forms.ChoiceField(label=_("有效期"), required=False, choices=STATES)
    place = PlaceField(label=_("区划"), queryset=None, required=False, empty_label=_("全部"))
    q = forms.CharField(label=_("签订方或签字人"), required=False, max_length=50)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = scope_places(user)


class AgreementForm(forms.Form):
    """A signed 责任书/承诺书. The party (a local unit or a rental) is chosen on the page and
    travels as a hidden id, looked up again within the user's place."""

    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rental = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("类型"), choices=Agreement.Kind.choices)
    signed_on = forms.DateField(label=_("签订日期"), widget=DatePicker())
    starts_on = forms.DateField(
        label=_("有效期自"),
        required=False,
        widget=DatePicker(),
        help_text=_("不填则自签订日期起"),
    )
    ends_on = forms.DateField(
        label=_("有效期至"), required=False, widget=DatePicker(), help_text=_("长期有效的不填")
    )
    signer = forms.CharField(label=_("签字人"), max_length=50, required=False)
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    scan = forms.FileField(
        label=_("扫描件"),
        required=False,
        help_text=_("签字盖章页的照片或 PDF 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.party_unit: LocalUnit | None = None
        self.party_rental: Rental | None = None
        # The party shown on the page, also before the form is sent.
        source = self.data if self.is_bound else self.initial
        self._find_party(source.get("unit"), source.get("rental"))

    def _find_party(self, unit, rental) -> None:
        if unit and str(unit).isdigit():
            self.party_unit = (
                LocalUnit.objects.visible_to(self.user)
                .select_related("place")
                .filter(pk=int(unit))
                .first()
            )
        if rental and str(rental).isdigit():
            self.party_rental = (
                Rental.objects.visible_to(self.user)
                .select_related("dwelling", "place")
                .filter(pk=int(rental))
                .first()
            )

    def clean(self):
        data = super().clean()
        if data.get("unit") and self.party_unit is None:
            raise forms.ValidationError(_("本辖区没有该单位"))
        if data.get("rental") and self.party_rental is None:
            raise forms.ValidationError(_("本辖区没有该出租房屋登记"))
        return data

    def agreement_data(self) -> services.AgreementData:
        data = self.cleaned_data
        return services.AgreementData(
            kind=data["kind"],
            signed_on=data["signed_on"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            unit=self.party_unit,
            rental=self.party_rental,
            signer=data["signer"],
            notes=data["notes"],
        )


class CoverageForm(forms.Form):
    """签订情况: which kind of agreement, in which place."""

    kind = forms.ChoiceField(label=_("类型"), choices=Agreement.Kind.choices)
    place = PlaceField(label=_("区划"), queryset=None, empty_label=None)
    unit_kind = forms.ChoiceField(
        label=_("单位类型"),
        required=False,
        choices=[("", _("全部")), *LocalUnit.Kind.choices],
        help_text=_("出租房屋治安责任书按在租的出租房屋统计，不分单位类型"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = scope_places(user)
