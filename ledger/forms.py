from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.forms import GridChoiceField, registry_places
from areas.kinds import PlaceKind
from areas.models import Place
from ledger.models import (
    Attachment,
    Participant,
    QuantityKind,
    ServiceEntry,
    Topic,
    Visit,
    WorkRecord,
)
from people.models import GroupCategory, Staff
from shequ.locking import VersionField
from shequ.widgets import DatePicker, FilesField, MultipleFiles, photo_input

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RecordForm(forms.Form):
    """The quick-entry form: what, when, where, who organised it, how many came, and one
    number field per catalogue item ("宣传资料（份）")."""

    kind = forms.ChoiceField(label=_("类型"), choices=WorkRecord.Kind.choices)
    topics = forms.ModelMultipleChoiceField(
        label=_("工作领域"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
        error_messages={"required": _("请至少选择一个工作领域")},
    )
    title = forms.CharField(label=_("标题"), max_length=100)
    date = forms.DateField(label=_("日期"), widget=DatePicker())
    start_time = forms.TimeField(label=_("开始时间"), required=False, widget=TIME)
    end_time = forms.TimeField(label=_("结束时间"), required=False, widget=TIME)
    place = GridChoiceField(label=_("所属社区/网格"), queryset=None)
    venue = forms.CharField(label=_("地点"), max_length=100, required=False)
    organiser = forms.ModelChoiceField(
        label=_("组织者"), queryset=Staff.objects.none(), required=False, empty_label="—"
    )
    co_organisers = forms.CharField(label=_("协办单位"), max_length=200, required=False)
    head_count = forms.IntegerField(
        label=_("参与人次"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(
        label=_("内容摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = FilesField(label=_("照片"), required=False, widget=photo_input())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()
        # A record's own place stays offered after it was retired, as retired topics do.
        kept = self.initial.get("place")
        places = registry_places(user)
        if kept:
            places = places | Place.objects.visible_to(user).filter(pk=kept)
        self.fields["place"].queryset = places.order_by("code")
        # Catalogue entries retired since stay offered on a record that has them.
        had = [t.pk for t in self.initial.get("topics", [])]
        self.fields["topics"].queryset = Topic.objects.filter(Q(active=True) | Q(pk__in=had))
        today = timezone.localdate()
        staff = Staff.objects.visible_to(user)
        if user.place_id and user.place.kind == PlaceKind.GRID:
            # A grid worker's colleagues sit at the community.
            staff = Staff.objects.filter(place_path__under=user.place.parent.path)
        current = self.initial.get("organiser")  # kept on an old record, whoever it was
        self.fields["organiser"].queryset = staff.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today) | Q(pk=current)
        ).order_by("name")
        counted = [int(k[2:]) for k in self.initial if k.startswith("q_")]
        self.quantity_kinds = list(QuantityKind.objects.filter(Q(active=True) | Q(pk__in=counted)))
        for kind in self.quantity_kinds:
            self.fields[f"q_{kind.pk}"] = forms.DecimalField(
                label=str(kind),
                required=False,
                max_digits=12,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            )

    def quantity_fields(self):
        return [self[f"q_{kind.pk}"] for kind in self.quantity_kinds]

    def main_fields(self):
        return [
            f for f in self.visible_fields() if not f.name.startswith("q_") and f.name != "files"
        ]

    def quantities(self) -> dict:
        return {kind: self.cleaned_data.get(f"q_{kind.pk}") for kind in self.quantity_kinds}


class ParticipantForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("角色"), choices=Participant.Role.choices)
    hours = forms.DecimalField(
        label=_("服务时长（小时）"), required=False, max_digits=5, decimal_places=1
    )


class RecordFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *WorkRecord.Kind.choices]
    )
    topic = forms.ModelChoiceField(
        label=_("工作领域"),
        queryset=Topic.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("全部领域"),
    )
    month = forms.DateField(
        label=_("月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("月份应写作“年-月”，如 2026-11")},
    )
    day = forms.DateField(
        label=_("日期"),
        required=False,
        widget=DatePicker(),
        error_messages={"invalid": _("日期应写作“年-月-日”，如 2026-11-05")},
    )
    place = GridChoiceField(
        label=_("区划"), queryset=None, required=False, empty_label=_("全部区划")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)

    def clean_month(self):
        return _within_years(self.cleaned_data["month"], _("月份"))

    def clean_day(self):
        return _within_years(self.cleaned_data["day"], _("日期"))


class CalendarFilterForm(RecordFilterForm):
    """The record list's filters for a month calendar: the month is the page, not a filter,
    and a day is what the calendar shows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["day"]


# Records are refused before 2000 (ledger.services); the bound keeps every month and its
# neighbours within what a date can hold (9999-12 has no next month).
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _within_years(value, label):
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(
            _("%(label)s应在%(first)s年至%(last)s年之间"),
            params={"label": label, "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


class TopicForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=20)
    code = forms.SlugField(
        label=_("代码"), max_length=40, help_text=_("英文字母、数字或下划线，如 housing")
    )


class QuantityKindForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=20, help_text=_("如：宣传册"))
    unit = forms.CharField(label=_("单位"), max_length=10, help_text=_("如：本"))


class ServiceForm(forms.Form):
    """办事登记 at the desk: who (ID number from the card, or a unique name), what, the result."""

    who = forms.CharField(
        label=_("居民"),
        max_length=50,
        help_text=_("身份证号码，或本辖区内不重名的姓名"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    service = forms.ChoiceField(label=_("办理事项"), choices=ServiceEntry.Service.choices)
    outcome = forms.ChoiceField(label=_("办理结果"), choices=ServiceEntry.Outcome.choices)
    date = forms.DateField(label=_("办理日期"), widget=DatePicker())
    notes = forms.CharField(label=_("备注"), max_length=200, required=False)


class ServiceFilterForm(forms.Form):
    prefix = "f"  # beside the desk form on one page: ids apart

    service = forms.ChoiceField(
        label=_("办理事项"),
        required=False,
        choices=[("", _("全部事项")), *ServiceEntry.Service.choices],
    )
    month = forms.DateField(
        label=_("月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def clean_month(self):
        return _within_years(self.cleaned_data["month"], _("月份"))


class AttachmentForm(forms.Form):
    files = FilesField(label=_("选择文件"), required=False, widget=MultipleFiles())
    kind = forms.ChoiceField(
        label=_("类别"), choices=Attachment.Kind.choices, initial=Attachment.Kind.PHOTO
    )


class MinutesForm(forms.Form):
    chair = forms.CharField(label=_("主持人"), max_length=20, required=False)
    recorder = forms.CharField(label=_("记录人"), max_length=20, required=False)
    expected = forms.IntegerField(
        label=_("应到人数"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    present = forms.CharField(
        label=_("出席人员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("姓名之间用顿号或逗号隔开；参会人数按出席人数计"),
    )
    absent = forms.CharField(
        label=_("缺席人员及原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：张三（病假）、李四"),
    )
    agenda = forms.CharField(
        label=_("议题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一项"),
    )
    decisions = forms.CharField(
        label=_("决定事项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项"),
    )
    version = VersionField()  # of the minutes the page shows; 0 before any were written


class VisitForm(forms.Form):
    target = forms.RegexField(regex=r"^[hr]:\d+$", widget=forms.HiddenInput)
    purpose = forms.ChoiceField(label=_("走访目的"), choices=Visit.Purpose.choices)
    findings = forms.CharField(
        label=_("走访情况"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LinkForm(forms.Form):
    target = forms.RegexField(regex=r"^[hu]:\d+$", widget=forms.HiddenInput)


class SignInForm(forms.Form):
    """What a resident types on their own phone: nothing else is asked."""

    name = forms.CharField(
        label=_("姓名"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CoverageForm(forms.Form):
    category = forms.ModelChoiceField(label=_("人群"), queryset=GroupCategory.objects.none())
    place = forms.ModelChoiceField(label=_("区划"), queryset=Place.objects.none())
    start = forms.DateField(label=_("开始日期"), widget=DatePicker())
    end = forms.DateField(label=_("结束日期"), widget=DatePicker())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = GroupCategory.objects.visible_to(user).filter(
            active=True
        )
        self.fields["place"].queryset = Place.objects.visible_to(user).active().order_by("path")
