"""Forms of programs. Each form only shapes what is typed; the rules live in programs/services.py.
Each area keeps its forms in its own block below."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from areas.forms import GridChoiceField, registry_places
from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place
from ledger.models import WorkRecord
from ledger.services import MEETING_KINDS
from people.choices import Registration
from people.models import GroupCategory, Household, Resident, Staff, hidden_sensitivities
from programs import services
from programs.models import (
    Application,
    Assistance,
    Campaign,
    Deliberation,
    Honour,
    Opinion,
    Question,
    Questionnaire,
    SupplyItem,
    SupplyMove,
)
from programs.services import AID_GROUPS, RECORD_NEAR_DAYS, QuestionData
from shequ.locking import VersionField
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
    # Read by the service like every amount: a plain decimal number, so "1e3" is refused.
    rule_value = forms.CharField(
        label=_("标准值"), required=False, max_length=20, widget=forms.TextInput(attrs=DECIMAL)
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = campaign_places(user)
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()

    @staticmethod
    def initial_from(campaign: Campaign) -> dict:
        initial = {name: getattr(campaign, name) for name in services.CAMPAIGN_FIELDS}
        initial["place"], initial["version"] = campaign.place_id, campaign.version
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
        # Today, or the campaign's last day once it is over (an application recorded late).
        self.fields["applied_on"].initial = min(timezone.localdate(), campaign.ends_on)
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
        if honour is not None:
            self.fields["version"] = VersionField()  # the version this page shows
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


# --- Residents' voice: opinions, deliberations, questionnaires (programs/voice_views.py) -------


def _places(user: User, kept: int | None = None):
    """The communities and grids a record may be placed in; a record's own place stays
    offered after it was retired."""
    places = registry_places(user)
    if kept:
        places = places | Place.objects.visible_to(user).filter(pk=kept)
    return places.order_by("code")


class DeliberationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Deliberation) -> str:
        return f"{obj.date:%Y-%m-%d} {obj.topic}（{obj.place.name}）"


def deliberations_for(user: User, opinion: Opinion | None = None):
    """The deliberations an opinion may be taken to: those of its community (or of the user's
    place, for several opinions at once), newest first, not before the opinion was heard."""
    found = Deliberation.objects.visible_to(user).select_related("place")
    if opinion is not None:
        found = found.filter(date__gte=opinion.date).filter(
            Q(place_path__under=opinion.place_path) | Q(place_path__in=_above(opinion.place_path))
        )
    return found.order_by("-date", "-pk")


def _above(path: str) -> list[str]:
    """The paths of the places above `path` and itself ("/1/4/12/" → "/1/", "/1/4/", …)."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class OpinionFilterForm(forms.Form):
    start = forms.DateField(label=_("收集日期自"), required=False, widget=DatePicker())
    end = forms.DateField(label=_("至"), required=False, widget=DatePicker())
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部来源")), *Opinion.Source.choices]
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *Opinion.Category.choices]
    )
    outcome = forms.ChoiceField(
        label=_("处理情况"),
        required=False,
        choices=[("", _("全部")), *Opinion.Outcome.choices],
    )
    place = GridChoiceField(
        label=_("区划"), queryset=None, required=False, empty_label=_("全部区划")
    )
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("内容或反映人")}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)


class OpinionForm(forms.Form):
    """A new opinion. Who said it: a registered resident picked from a search (`resident`,
    rendered by the page as the search's results) or only a name."""

    date = forms.DateField(label=_("收集日期"), widget=DatePicker())
    source = forms.ChoiceField(label=_("来源"), choices=Opinion.Source.choices)
    category = forms.ChoiceField(label=_("类别"), choices=Opinion.Category.choices)
    content = forms.CharField(
        label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    resident = forms.ModelChoiceField(
        label=_("反映人（登记居民）"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.HiddenInput,  # the page renders the search results as radio buttons
        error_messages={"invalid_choice": _("所选居民不在本辖区，请重新查找")},
    )
    from_name = forms.CharField(
        label=_("反映人姓名"),
        max_length=50,
        required=False,
        help_text=_("未登记的居民或匿名反映时填写，如“王女士”"),
    )
    place = GridChoiceField(
        label=_("所属社区/网格"),
        queryset=None,
        required=False,
        help_text=_("选择了登记居民时按其所在网格，可不选"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.visible_to(user).present()
        self.fields["place"].queryset = _places(user)


class SettleForm(forms.Form):
    """处理: what became of an opinion."""

    outcome = forms.ChoiceField(
        label=_("处理情况"),
        choices=[c for c in Opinion.Outcome.choices if c[0] != Opinion.Outcome.OPEN],
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    deliberation = DeliberationChoice(
        label=_("提交的议事协商"),
        queryset=Deliberation.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("处理情况为“提交议事协商”时选择"),
    )
    reply = forms.CharField(
        label=_("答复/办理结果"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("“已答复”时必填；上报的可写明上报给谁"),
    )
    version = VersionField()  # the version of the opinion this page shows

    def __init__(self, *args, user: User, opinion: Opinion, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deliberation"].queryset = deliberations_for(user, opinion)


class MeetingRecordChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: WorkRecord) -> str:
        return f"{obj.date:%Y-%m-%d} {obj.kind} · {obj.title}（{obj.place.name}）"


class DeliberationForm(forms.Form):
    topic = forms.CharField(label=_("议题"), max_length=100)
    date = forms.DateField(label=_("协商日期"), widget=DatePicker())
    place = GridChoiceField(label=_("所属社区/网格"), queryset=None)
    participants = forms.IntegerField(
        label=_("参加人数"),
        min_value=0,
        max_value=100000,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    record = MeetingRecordChoice(
        label=_("会议记录"),
        queryset=WorkRecord.objects.none(),
        required=False,
        empty_label=_("（不关联）"),
    )
    decision = forms.CharField(
        label=_("协商结果"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    published_on = forms.DateField(
        label=_("公示日期"),
        required=False,
        widget=DatePicker(),
        help_text=_("协商结果公示后填写"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = _places(user, self.initial.get("place"))
        self.fields["record"].queryset = self._meetings(user)
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()
        self.fields["record"].help_text = _(
            "协商日期前后%(n)d天内本社区的会议、居民会议/议事记录；改了日期或区划后点“查找会议记录”"
        ) % {"n": RECORD_NEAR_DAYS}

    def _typed(self, name: str):
        """What the page holds for `name` (posted, or the initial value), read as the field
        reads it; None when it cannot be read."""
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        try:
            return self.fields[name].clean(getattr(value, "pk", value))
        except forms.ValidationError:
            return None

    def _meetings(self, user: User):
        day = self._typed("date") or timezone.localdate()
        near = datetime.timedelta(days=RECORD_NEAR_DAYS)
        offered = Q(date__range=(day - near, day + near))
        if (place := self._typed("place")) is not None:
            offered &= Q(place_path__under=place.path) | Q(place_path__in=_above(place.path))
        # The record already chosen stays valid here; the service says whether it fits.
        chosen = self.data.get(self.add_prefix("record")) if self.is_bound else None
        chosen = chosen or self.initial.get("record")
        chosen = getattr(chosen, "pk", chosen)
        if str(chosen or "").isdigit():
            offered |= Q(pk=int(chosen))
        return (
            WorkRecord.objects.visible_to(user)
            .filter(kind__in=MEETING_KINDS)
            .filter(offered)
            .select_related("place")
            .order_by("-date", "-pk")
        )


class DeliberationFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    place = GridChoiceField(
        label=_("区划"), queryset=None, required=False, empty_label=_("全部区划")
    )
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("议题或协商结果")}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)


# One question per block, blocks apart by an empty line: the question on the first line with
# its kind in brackets when it is not single choice, then its options, one per line.
QUESTIONS_HELP = _(
    "每题一段，题与题之间空一行。每段第一行写题目，多选题在题目后加“[多选]”，文字题加“[文字]”"
    "（不加则为单选题）；下面每行写一个选项。文字题不写选项。"
)
QUESTIONS_EXAMPLE = (
    "您对社区环境卫生是否满意？\n满意\n基本满意\n不满意\n\n"
    "您希望社区多开展哪些活动？[多选]\n文体活动\n健康讲座\n志愿服务\n\n"
    "您对社区工作还有什么意见建议？[文字]"
)
_KINDS = {
    "单选": Question.Kind.SINGLE,
    "多选": Question.Kind.MULTIPLE,
    "文字": Question.Kind.TEXT,
    "填空": Question.Kind.TEXT,
    "问答": Question.Kind.TEXT,
}
_MARK = re.compile(r"[\[【（(]\s*(单选|多选|文字|填空|问答)(题)?\s*[\]】）)]\s*$")
_NUMBER = re.compile(r"^(\d{1,3}|[一二三四五六七八九十]{1,3})\s*[.、．)）]\s*")
_LETTER = re.compile(r"^([A-Za-z][.、．)）]|[□○☐])\s*")


def parse_questions(text: str) -> list[QuestionData]:
    """The questions typed in the block format above. Numbers in front of questions ("1.")
    and letters or boxes in front of options ("A.", "□") as pasted from a paper form are
    dropped."""
    blocks = re.split(r"\n[ \t\u3000]*\n", text.replace("\r\n", "\n").strip())
    questions = []
    for number, block in enumerate(blocks, start=1):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        first, options = lines[0], [_LETTER.sub("", line) for line in lines[1:]]
        mark = _MARK.search(first)
        first = _NUMBER.sub("", _MARK.sub("", first)).strip()
        if mark:
            kind = _KINDS[mark.group(1)]
        else:
            kind = Question.Kind.SINGLE if options else Question.Kind.TEXT
        if kind == Question.Kind.TEXT and options:
            raise forms.ValidationError(
                _("第%(n)d题是文字题，不需要选项；如是选择题，请去掉“[文字]”"),
                params={"n": number},
            )
        questions.append(QuestionData(text=first, kind=kind, choices="、".join(options)))
    return questions


class QuestionnaireForm(forms.Form):
    title = forms.CharField(label=_("问卷名称"), max_length=60)
    intro = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("印在问卷开头的话，如调查目的"),
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=DatePicker())
    ends_on = forms.DateField(label=_("结束日期"), widget=DatePicker())
    place = GridChoiceField(label=_("调查范围（社区/网格）"), queryset=None)
    by_household = forms.TypedChoiceField(
        label=_("填写对象"),
        choices=[("0", _("按人填写（每位居民一份）")), ("1", _("按户填写（每户一份）"))],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect(attrs={"class": "chips"}),
    )
    questions = forms.CharField(
        label=_("题目"),
        widget=forms.Textarea(attrs={"rows": 14, "placeholder": QUESTIONS_EXAMPLE}),
        help_text=QUESTIONS_HELP,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = _places(user)

    def clean_questions(self) -> list[QuestionData]:
        return parse_questions(self.cleaned_data["questions"])


class QuestionnaireFilterForm(forms.Form):
    place = GridChoiceField(
        label=_("区划"), queryset=None, required=False, empty_label=_("全部区划")
    )
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("问卷名称")}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)


class ResponseForm(forms.Form):
    """One filled-in questionnaire: who (picked from a search, rendered by the page) and one
    field per question (`q_<id>`)."""

    date = forms.DateField(label=_("填写日期"), widget=DatePicker())
    respondent = forms.ModelChoiceField(
        label=_("填写对象"),
        queryset=Resident.objects.none(),
        widget=forms.HiddenInput,  # the page renders the search results as radio buttons
    )

    def __init__(self, *args, user: User, questionnaire: Questionnaire, questions, **kwargs):
        super().__init__(*args, **kwargs)
        model = Household if questionnaire.by_household else Resident
        who = model.objects.visible_to(user).filter(place_path__under=questionnaire.place_path)
        field = self.fields["respondent"]
        field.queryset = who
        missing = (
            _("请查找并选择填写的户") if questionnaire.by_household else _("请查找并选择填写的居民")
        )
        field.error_messages = {"required": missing, "invalid_choice": missing}
        self.questions = list(questions)
        for question in self.questions:
            name = f"q_{question.pk}"
            label = f"{question.order}. {question.text}"
            options = [(o, o) for o in question.choice_list()]
            if question.kind == Question.Kind.SINGLE:
                self.fields[name] = forms.ChoiceField(
                    label=label, choices=options, required=False, widget=forms.RadioSelect
                )
            elif question.kind == Question.Kind.MULTIPLE:
                self.fields[name] = forms.MultipleChoiceField(
                    label=label,
                    choices=options,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("可多选"),
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label,
                    max_length=300,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def question_fields(self):
        return [self[f"q_{q.pk}"] for q in self.questions]

    def answers(self) -> dict[int, object]:
        return {q.pk: self.cleaned_data.get(f"q_{q.pk}") for q in self.questions}


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
    back_payment = forms.BooleanField(
        label=_("确认为补发"),
        required=False,
        help_text=_("同一户同一月份已发过低保金时，确属补发（如调标补差）才勾选"),
    )
    not_repeat = forms.BooleanField(
        label=_("确认不是重复登记"),
        required=False,
        help_text=_("同一对象同一天已登记过同类、同金额的发放时，确是另一笔才勾选"),
    )

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


# --- Voids and corrections (programs/correction_views.py) --------------------------------------


def _reason_field(label) -> forms.CharField:
    """Checked by the service, which refuses an empty reason with its own message."""
    return forms.CharField(
        label=label,
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("写明哪里录错了，如：金额多录一个0"),
    )


class VoidForm(forms.Form):
    """作废 (or 撤回): the reason, and the version of the row the page showed."""

    reason = _reason_field(_("作废原因"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class WithdrawForm(forms.Form):
    reason = _reason_field(_("撤回原因"))
    stage = forms.CharField(widget=forms.HiddenInput, max_length=6)


class _Correction(forms.Form):
    reason = _reason_field(_("更正原因"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class AssistanceCorrectionForm(AssistanceForm, _Correction):
    """The payment as it should have been, prefilled with the one being corrected."""

    field_order = ["reason"]


class DonationCorrectionForm(DonationForm, _Correction):
    """The entry as it should have been. The item is typed, even for a handing-out: what the
    drive holds now already has this entry taken out."""

    field_order = ["reason"]

    def __init__(self, *args, out: bool, **kwargs):
        super().__init__(*args, out=False, held=[], **kwargs)
        if out:
            self.fields["party_name"].label = _("受赠人")


class ReceiptCorrectionForm(ReceiveForm, _Correction):
    """A receipt as it should have been, at the same store and of the same item."""

    field_order = ["reason", "kind", "quantity", "date", "counterpart", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["place"], self.fields["item"]


class IssueCorrectionForm(IssueForm, _Correction):
    """An issue as it should have been, from the same store and of the same item."""

    field_order = ["reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["place"], self.fields["item"]
