"""Forms of programs. Each form only shapes what is typed; the rules live in
programs/services.py. Each screen's forms sit in their own marked block."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place
from people.choices import Registration
from people.models import Staff
from programs import services
from programs.models import Application, Campaign, Honour
from shequ.widgets import DatePicker

# --- Campaigns and honours (programs/campaign_views.py) ----------------------------------------

DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


def campaign_places(user: User):
    """The places a campaign may be run over: the user's communities and sub-districts."""
    return (
        Place.objects.visible_to(user)
        .active()
        .filter(kind__in=[PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY])
        .order_by("code")
    )


class PlaceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return f"{'　' if obj.kind == PlaceKind.COMMUNITY else ''}{obj.name}"


def _year_choices() -> list[tuple[str, str]]:
    this = timezone.localdate().year
    return [("", _("全部"))] + [(str(y), f"{y}年") for y in range(this + 1, 2014, -1)]


class CampaignFilterForm(forms.Form):
    OPEN, CLOSED = "open", "closed"

    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), (OPEN, _("申报中")), (CLOSED, _("已结束"))],
    )
    place = PlaceChoice(label=_("区划"), queryset=None, required=False, empty_label=_("全部"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices()
        self.fields["place"].queryset = campaign_places(user)


class CampaignForm(forms.Form):
    """A campaign: what it is, over which place and population, what applicants report and
    how the first review screens them."""

    name = forms.CharField(label=_("评选名称"), max_length=60, help_text=_("如：节水型家庭"))
    subject = forms.ChoiceField(
        label=_("评选对象"),
        choices=Campaign.Subject.choices,
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    criteria = forms.CharField(
        label=_("评选标准"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_on = forms.DateField(label=_("申报开始"), widget=DatePicker())
    ends_on = forms.DateField(label=_("评选截止"), widget=DatePicker())
    place = PlaceChoice(
        label=_("评选范围"),
        queryset=None,
        help_text=_("本社区，或街道（覆盖其下所有社区）"),
    )
    registrations = forms.MultipleChoiceField(
        label=_("参评户别（家庭评选）"),
        choices=Registration.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
        help_text=_("不选为全部在册户"),
    )
    unit_kinds = forms.MultipleChoiceField(
        label=_("参评单位类型（单位评选）"),
        choices=LocalUnit.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
        help_text=_("不选为全部在营单位"),
    )
    fields = forms.CharField(
        label=_("申报数据项"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "water:全年用水量:吨"}),
        help_text=_("申报时填报的数字，每行一项，写法：代码:名称:单位，如 water:全年用水量:吨"),
    )
    rule = forms.ChoiceField(
        label=_("初审方式"),
        choices=Campaign.Rule.choices,
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    rule_field = forms.CharField(
        label=_("初审依据的数据项"),
        max_length=30,
        required=False,
        help_text=_("自动初审时填写：上面某一数据项的代码，如 water"),
    )
    rule_per_member = forms.BooleanField(label=_("按户内人数平均（人均）"), required=False)
    rule_op = forms.ChoiceField(
        label=_("比较"),
        required=False,
        choices=[("", "—"), ("<=", _("不高于")), (">=", _("不低于"))],
    )
    rule_value = forms.DecimalField(
        label=_("标准值"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs=DECIMAL),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = campaign_places(user)

    @staticmethod
    def initial_from(campaign: Campaign) -> dict:
        initial = {name: getattr(campaign, name) for name in services.CAMPAIGN_FIELDS}
        initial["place"] = campaign.place_id
        chosen = campaign.filter_values()
        key = "registrations" if campaign.subject == Campaign.Subject.HOUSEHOLD else "unit_kinds"
        initial[key] = chosen
        return initial

    def campaign_data(self) -> services.CampaignData:
        data = self.cleaned_data
        households = data["subject"] == Campaign.Subject.HOUSEHOLD
        chosen = data["registrations"] if households else data["unit_kinds"]
        return services.CampaignData(
            name=data["name"],
            subject=data["subject"],
            criteria=data["criteria"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            place=data["place"],
            eligible_filter="、".join(chosen),
            fields=data["fields"],
            rule=data["rule"],
            rule_field=data["rule_field"].strip(),
            rule_per_member=data["rule_per_member"],
            rule_op=data["rule_op"],
            rule_value=data["rule_value"],
        )


class ApplyForm(forms.Form):
    """申报: the applicant chosen on the page before, the day, and each data item asked for."""

    applicant = forms.IntegerField(widget=forms.HiddenInput)
    applied_on = forms.DateField(label=_("申报日期"), widget=DatePicker())

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = campaign.field_list()
        for key, label, unit in self.items:
            self.fields[f"v_{key}"] = forms.CharField(
                label=f"{label}（{unit}）" if unit else label,
                max_length=20,
                widget=forms.TextInput(attrs=DECIMAL),
            )

    def values(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"v_{key}"] for key, _label, _unit in self.items}


class _StepForm(forms.Form):
    """One stage action on one applicant, shown in that applicant's row."""

    day = forms.DateField(label=_("日期"), required=False, widget=DatePicker())

    def __init__(self, *args, application: Application, campaign: Campaign, **kwargs):
        kwargs.setdefault("auto_id", f"a{application.pk}_%s")
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.application = application
        self.campaign = campaign


class ReviewForm(_StepForm):
    url_name = "programs:application-review"
    label = _("初审")
    RULE = "rule"
    passed = forms.TypedChoiceField(
        label=_("初审结果"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        # None: the campaign's rule decides (and states the reason).
        coerce=lambda v: None if v == ReviewForm.RULE else v == "1",
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    reason = forms.CharField(
        label=_("理由"), max_length=200, required=False, help_text=_("人工评审须写明理由")
    )
    field_order = ["passed", "reason", "day"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campaign.rule == Campaign.Rule.THRESHOLD:
            self.fields["passed"].choices = [
                (self.RULE, _("按规则")),
                *self.fields["passed"].choices,
            ]
            self.initial.setdefault("passed", self.RULE)
            self.fields["reason"].help_text = _("按规则时自动填写；人工决定须写明理由")


class ShortlistForm(_StepForm):
    url_name = "programs:application-shortlist"
    label = _("入围评定")
    shortlisted = forms.TypedChoiceField(
        label=_("结果"),
        choices=[("1", _("入围")), ("0", _("未入围"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    reason = forms.CharField(
        label=_("评审意见"), max_length=200, required=False, help_text=_("未入围须写明理由")
    )
    field_order = ["shortlisted", "reason", "day"]


class AwardForm(_StepForm):
    url_name = "programs:application-award"
    label = _("授牌")
    certificate = forms.BooleanField(label=_("已发证书/牌匾"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].label = _("授牌日期")
        self.initial.setdefault("certificate", True)


STEP_FORMS = {
    Application.Stage.APPLIED: ReviewForm,
    Application.Stage.PASSED: ShortlistForm,
    Application.Stage.SHORTLISTED: AwardForm,
}


class HonourFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(label=_("级别"), required=False)
    recipient = forms.ChoiceField(label=_("获得者"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices()
        self.fields["level"].choices = [("", _("全部")), *Honour.Level.choices]
        self.fields["recipient"].choices = [("", _("全部")), *Honour.Recipient.choices]


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: LocalUnit) -> str:
        closed = _("（已注销）") if obj.closed_on else ""
        return f"{obj.name}（{obj.place.name}）{closed}"


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        left = _("，已离职") if obj.end_date else ""
        return f"{obj.name}（{obj.post}{left}）"


class HonourForm(forms.Form):
    title = forms.CharField(label=_("荣誉名称"), max_length=100)
    level = forms.ChoiceField(label=_("级别"), choices=[("", "—"), *Honour.Level.choices])
    issuer = forms.CharField(label=_("授予单位"), max_length=100)
    date = forms.DateField(label=_("授予日期"), widget=DatePicker())
    recipient = forms.ChoiceField(
        label=_("获得者"),
        choices=Honour.Recipient.choices,
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    place = PlaceChoice(
        label=_("获得荣誉的社区/街道"),
        queryset=None,
        required=False,
        empty_label="—",
        help_text=_("获得者为社区（集体）时选择"),
    )
    unit = UnitChoice(
        label=_("获得荣誉的单位"),
        queryset=None,
        required=False,
        empty_label="—",
        help_text=_("获得者为辖区单位时选择"),
    )
    staff = StaffChoice(
        label=_("获得荣誉的社区工作者"),
        queryset=None,
        required=False,
        empty_label="—",
        help_text=_("获得者为社区工作者时选择"),
    )
    notes = forms.CharField(
        label=_("备注"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scan = forms.FileField(
        label=_("证书/奖牌照片或扫描件"),
        required=False,
        help_text=_("照片，或 PDF 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf"}),
    )

    def __init__(self, *args, user: User, honour: Honour | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        kept_unit = honour.unit_id if honour else None
        self.fields["place"].queryset = campaign_places(user)
        self.fields["unit"].queryset = (
            LocalUnit.objects.visible_to(user)
            .filter(Q(closed_on__isnull=True) | Q(pk=kept_unit))
            .select_related("place")
            .order_by("name", "pk")
        )
        # Staff who have left stay offered: an honour is often entered years later.
        self.fields["staff"].queryset = Staff.objects.visible_to(user).order_by("name", "pk")
        if honour is not None and honour.scan_name:
            self.fields["scan"].help_text = _("已有：%(name)s；重新选择则替换，不选则保留") % {
                "name": honour.scan_name
            }

    def honour_data(self) -> services.HonourData:
        data = self.cleaned_data
        return services.HonourData(
            title=data["title"],
            level=data["level"],
            issuer=data["issuer"],
            date=data["date"],
            recipient=data["recipient"],
            place=data["place"],
            unit=data["unit"],
            staff=data["staff"],
            notes=data["notes"],
        )


# --- end of campaigns and honours --------------------------------------------------------------
