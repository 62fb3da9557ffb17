"""Forms of programs. Each form only shapes what is typed; the rules live in programs/services.py.
Amounts and quantities are taken as typed text, so the service's own messages ("金额不能为负数",
"最多保留两位小数") are the ones the worker reads."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.forms import GridChoiceField, registry_places
from areas.kinds import PlaceKind
from areas.models import Place
from ledger.models import WorkRecord
from people.models import GroupCategory, hidden_sensitivities
from programs.models import Assistance, Campaign, SupplyItem, SupplyMove
from programs.services import AID_GROUPS
from shequ.widgets import DatePicker

# --- Assistance, donations and supplies (programs/aid_views.py) --------------------------------

MONEY = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


def _number(label, **extra) -> forms.CharField:
    """A money amount or quantity, checked by the service."""
    return forms.CharField(label=label, max_length=20, required=False, widget=MONEY, **extra)


# A chosen household ("h:12"), resident ("r:5") or unit ("u:3"), from the search on the page.
TARGET = r"^[hru]:\d{1,10}$"


def _target() -> forms.RegexField:
    return forms.RegexField(regex=TARGET, required=False, widget=forms.HiddenInput)


def store_places(user):
    """Where supplies are kept and donation drives run: communities and sub-districts in the
    user's place."""
    return (
        Place.objects.visible_to(user)
        .active()
        .filter(kind__in=[PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY])
        .order_by("code")
    )


class StoreChoiceField(forms.ModelChoiceField):
    """Sub-districts and, indented under them, their communities."""

    def label_from_instance(self, obj: Place) -> str:
        return f"{'　' if obj.kind == PlaceKind.COMMUNITY else ''}{obj.name}"


def _own_place(user, places) -> int | None:
    """The user's own place when it is one of `places`' kinds (the usual choice)."""
    return user.place_id if user.place_id and places.filter(pk=user.place_id).exists() else None


class AssistanceFilterForm(forms.Form):
    start = forms.DateField(label=_("发放日期自"), required=False, widget=DatePicker())
    end = forms.DateField(label=_("至"), required=False, widget=DatePicker())
    kind = forms.ChoiceField(
        label=_("救助类型"), required=False, choices=[("", _("全部")), *Assistance.Kind.choices]
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *Assistance.Source.choices]
    )
    place = GridChoiceField(label=_("区划"), queryset=None, required=False, empty_label=_("全部"))
    q = forms.CharField(
        label=_("户号/姓名"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("户号，或户主、受助人姓名")}
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)


def aid_kinds(user) -> list[tuple[str, str]]:
    """The kinds of aid the user may give: not those tied to a group the user may not see
    (a grid worker does not see 残疾 memberships, so would not see the aid afterwards)."""
    hidden = hidden_sensitivities(user)
    if not hidden:
        return list(Assistance.Kind.choices)
    codes = GroupCategory.objects.filter(sensitivity__in=hidden).values_list("code", flat=True)
    closed = {kind for kind, code in AID_GROUPS.items() if code in set(codes)}
    return [(k, label) for k, label in Assistance.Kind.choices if k not in closed]


class AssistanceForm(forms.Form):
    target = _target()
    kind = forms.ChoiceField(label=_("救助类型"))
    source = forms.ChoiceField(
        label=_("资金/物资来源"), choices=[("", "—"), *Assistance.Source.choices]
    )
    amount = _number(_("金额（元）"), help_text=_("只发物资时可不填"))
    goods = forms.CharField(
        label=_("物资"),
        max_length=100,
        required=False,
        help_text=_("如：大米1袋、食用油1桶；只发钱时不填"),
    )
    date = forms.DateField(label=_("发放日期"), widget=DatePicker())
    period_start = forms.DateField(label=_("所属期间自"), required=False, widget=DatePicker())
    period_end = forms.DateField(
        label=_("所属期间至"),
        required=False,
        widget=DatePicker(),
        help_text=_("按月发放的（如低保金）填所属月份"),
    )
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *aid_kinds(user)]


class DriveForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=60, help_text=_("如：2026年慈善一日捐"))
    place = StoreChoiceField(label=_("组织单位"), queryset=None)
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=DatePicker())
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=DatePicker())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        places = store_places(user)
        self.fields["place"].queryset = places
        if not self.is_bound:
            self.fields["place"].initial = _own_place(user, places)


class DonationForm(forms.Form):
    """A gift into a drive or a handing-out from it: money and/or one item."""

    target = _target()
    party_name = forms.CharField(
        label=_("捐赠人"),
        max_length=100,
        required=False,
        help_text=_("在上方查找并选择本辖区的居民、户或单位；未登记的直接填写姓名或名称"),
    )
    date = forms.DateField(label=_("日期"), widget=DatePicker())
    money = _number(_("金额（元）"))
    item = forms.CharField(label=_("物品"), max_length=40, required=False)
    quantity = _number(_("数量"))
    item_unit = forms.CharField(
        label=_("单位"), max_length=8, required=False, help_text=_("如：袋、箱、件")
    )
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, out: bool, held: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        if out:
            self.fields["party_name"].label = _("受赠人")
            # Only what the drive holds can go out: the items with their balance.
            self.fields["item"] = forms.ChoiceField(
                label=_("物品"), required=False, choices=[("", "—"), *held]
            )
            del self.fields["item_unit"]


class ItemForm(forms.Form):
    name = forms.CharField(label=_("物资名称"), max_length=40)
    unit = forms.CharField(label=_("计量单位"), max_length=6, help_text=_("如：个、瓶、箱、千克"))


class _MoveForm(forms.Form):
    place = StoreChoiceField(label=_("库存所在"), queryset=None)
    item = forms.ModelChoiceField(
        label=_("物资"), queryset=SupplyItem.objects.none(), empty_label="—"
    )
    quantity = _number(_("数量"))
    date = forms.DateField(label=_("日期"), widget=DatePicker())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        places = store_places(user)
        self.fields["place"].queryset = places
        self.fields["item"].queryset = SupplyItem.objects.filter(active=True)
        self.fields["quantity"].required = True
        if not self.is_bound:
            self.fields["place"].initial = _own_place(user, places)
            self.fields["date"].initial = timezone.localdate()


class ReceiveForm(_MoveForm):
    kind = forms.ChoiceField(
        label=_("入库类型"),
        choices=[(k, label) for k, label in SupplyMove.Kind.choices if k != SupplyMove.Kind.ISSUED],
    )
    counterpart = forms.CharField(
        label=_("来源"), max_length=100, help_text=_("供货商、调拨单位或捐赠人")
    )
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    field_order = ["place", "item", "kind", "quantity", "date", "counterpart", "notes"]


class RecordChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: WorkRecord) -> str:
        return f"{obj.date:%Y-%m-%d} {obj.title}"


class IssueForm(_MoveForm):
    """An issue and where it went: a community or grid, a unit (chosen by the search on the
    page), a campaign, a work record — or only the text."""

    target = _target()
    to_place = GridChoiceField(
        label=_("发往社区/网格"), queryset=None, required=False, empty_label="—"
    )
    campaign = forms.ModelChoiceField(
        label=_("用于评选活动"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("近一年的评选活动"),
    )
    record = RecordChoiceField(
        label=_("用于活动/工作记录"),
        queryset=WorkRecord.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("近90天的工作记录"),
    )
    counterpart = forms.CharField(
        label=_("去向说明"),
        max_length=100,
        required=False,
        help_text=_("不选以上去向时必填，如：某某小区居民"),
    )
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, record_pk: int | None = None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["to_place"].queryset = registry_places(user)
        since = timezone.localdate() - datetime.timedelta(days=90)
        # No slices here: a choice field looks the chosen row up in its queryset.
        self.fields["campaign"].queryset = (
            Campaign.objects.visible_to(user)
            .filter(ends_on__gte=since - datetime.timedelta(days=275))
            .order_by("-starts_on", "-id")
        )
        records = WorkRecord.objects.visible_to(user)
        recent = records.filter(date__gte=since)
        if record_pk:
            recent = recent | records.filter(pk=record_pk)
        self.fields["record"].queryset = recent.order_by("-date", "-id")
        if record_pk and not self.is_bound:
            self.fields["record"].initial = record_pk


class MoveFilterForm(forms.Form):
    place = StoreChoiceField(
        label=_("库存所在"), queryset=None, required=False, empty_label=_("全部")
    )
    item = forms.ModelChoiceField(
        label=_("物资"), queryset=SupplyItem.objects.all(), required=False, empty_label=_("全部")
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *SupplyMove.Kind.choices]
    )
    start = forms.DateField(label=_("日期自"), required=False, widget=DatePicker())
    end = forms.DateField(label=_("至"), required=False, widget=DatePicker())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = store_places(user)


# --- end of assistance, donations and supplies -------------------------------------------------
