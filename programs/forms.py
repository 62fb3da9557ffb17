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
from areas.models import Place
from ledger.models import WorkRecord
from ledger.services import MEETING_KINDS
from people.models import Household, Resident
from programs.models import Deliberation, Opinion, Question, Questionnaire
from programs.services import RECORD_NEAR_DAYS, QuestionData
from shequ.widgets import DatePicker

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
