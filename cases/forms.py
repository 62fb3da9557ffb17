"""Forms of cases. Each form only shapes what is typed; the rules live in cases/services.py."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import GRANTS, Perm
from areas.forms import GridChoiceField, registry_places
from areas.kinds import PlaceKind
from areas.models import Place
from cases import services
from cases.flows import ASSIGNEE, FLOWS, NOTE, RATING, RATINGS, REQUEST, Action, Flow
from cases.models import Case, Party, Payment, half_month_label
from shequ.widgets import DatePicker, FilesField, MultipleFiles

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def handlers(user: User, kind: str, case_path: str | None = None):
    """The accounts a case may be given to: active, able to edit (and, for supervision files,
    to read judicial data). For a case, those whose place covers it (the service's rule), from
    the user's community down; for a new case, anyone at the user's community or below it."""
    need = {Perm.EDIT_RECORDS} | ({Perm.VIEW_JUDICIAL} if FLOWS[kind].supervision else set())
    roles = [role for role, perms in GRANTS.items() if need <= perms]
    place = user.place
    if place is not None and place.kind == PlaceKind.GRID:
        place = place.parent  # a grid worker's colleagues sit at the community
    users = User.objects.filter(is_active=True, role__in=roles).select_related("place")
    if place is not None:
        users = users.filter(place__path__startswith=place.path)
    if case_path is not None:
        covering = [case_path[: i + 1] for i, c in enumerate(case_path) if c == "/" and i]
        users = users.filter(place__path__in=covering)
    return users.order_by("place__path", "name")


class HandlerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.name}（{obj.place.name if obj.place else ''}）"


class CaseForm(forms.Form):
    """A new case of one kind: the fields its flow uses."""

    title = forms.CharField(label=_("事由"), max_length=100)
    category = forms.ChoiceField(label=_("类别"))
    channel = forms.ChoiceField(label=_("来源渠道"))
    place = GridChoiceField(label=_("所属社区/网格"), queryset=None)
    received_at = forms.DateTimeField(label=_("受理时间"), widget=DATETIME)
    due = forms.DateField(label=_("办理期限"), required=False, widget=DatePicker())
    assignee = HandlerField(label=_("承办人"), queryset=None, required=False, empty_label="—")
    reporter_name = forms.CharField(label=_("反映人"), max_length=20, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=100, required=False)
    subject = forms.CharField(
        label=_("对象"),
        max_length=30,
        help_text=_("身份证号码，或本辖区唯一的姓名"),
    )
    starts_on = forms.DateField(label=_("起始日期"), widget=DatePicker())
    ends_on = forms.DateField(label=_("截止日期"), required=False, widget=DatePicker())
    guardian = forms.CharField(label=_("监护人/联系人"), max_length=40, required=False)
    guardian_phone = forms.CharField(label=_("监护人电话"), max_length=20, required=False)
    team = forms.CharField(label=_("矫正/帮教小组成员"), max_length=100, required=False)
    description = forms.CharField(
        label=_("内容"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, flow: Flow, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.flow = flow
        self.fields["category"].label = flow.category_label
        self.fields["category"].choices = [(c, c) for c in flow.categories]
        self.fields["place"].queryset = registry_places(user)
        self.fields["assignee"].queryset = handlers(user, flow.kind)
        if flow.due_days:
            self.fields["due"].help_text = _("不填则为受理后%(n)s天") % {"n": flow.due_days}
        if flow.channels:
            self.fields["channel"].choices = [(c, c) for c in flow.channels]
        else:
            del self.fields["channel"]
        if flow.supervision:
            self.fields["assignee"].label = _("责任人")
            self.fields["received_at"].label = _("建档时间")
            if flow.kind == Case.Kind.RELEASE:
                self.fields["starts_on"].label = _("帮教起始日期（刑满释放日期）")
                self.fields["ends_on"].label = _("帮教期满日期")
            else:
                self.fields["starts_on"].label = _("矫正起始日期")
                self.fields["ends_on"].label = _("矫正期满日期")
            self.fields["title"].required = False
            for name in ("due", "reporter_name", "reporter_phone", "address"):
                del self.fields[name]
        else:
            for name in ("subject", "starts_on", "ends_on", "guardian", "guardian_phone", "team"):
                del self.fields[name]


def case_initial(flow: Flow, user: User) -> dict:
    """What a new case of `flow` starts with, on the new-case page and for what an API body
    leaves out: received now, at the user's own community or grid, a supervision file
    starting today."""
    initial: dict = {"received_at": timezone.localtime().replace(second=0, microsecond=0)}
    if user.place_id and user.place.kind in (PlaceKind.COMMUNITY, PlaceKind.GRID):
        initial["place"] = user.place_id
    if flow.supervision:
        initial["starts_on"] = timezone.localdate()
    return initial


class CaseEditForm(CaseForm):
    """Correcting a case's facts: what was registered, less who it concerns and when it came
    in (a file's person and a case's receipt are not retyped); its handler changes by 派单."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("received_at", "assignee", "subject", "starts_on"):
            self.fields.pop(name, None)
        if "due" in self.fields:
            self.fields["due"].help_text = _("不填则保持原期限")


class ActionForm(forms.Form):
    """One action on a case: the note it asks for, and an assignee or a rating."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    assignee = HandlerField(label=_("承办人"), queryset=None)
    rating = forms.ChoiceField(
        label=_("评价"), choices=[(r, r) for r in RATINGS], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    at = forms.DateTimeField(
        label=_("发生时间"),
        required=False,
        widget=DATETIME,
        help_text=_("事后补登时改为实际发生的时间"),
    )
    files = FilesField(
        label=_("照片或附件"),
        required=False,
        help_text=_("照片，或 PDF、Word、Excel 文件"),
        widget=MultipleFiles(attrs={"accept": "image/*,.pdf,.docx,.xlsx"}),
    )

    def __init__(self, *args, action: Action, case: Case, user: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {"version": case.version, "at": timezone.localtime().replace(second=0, microsecond=0)},
        )
        kwargs.setdefault("prefix", action.code)
        super().__init__(*args, **kwargs)
        self.action = action
        if ASSIGNEE in action.asks:
            self.fields["assignee"].queryset = handlers(user, case.kind, case.place_path)
            if case.flow.supervision:
                self.fields["assignee"].label = _("责任人")
        else:
            del self.fields["assignee"]
        if RATING not in action.asks:
            del self.fields["rating"]
        if NOTE in action.asks:
            self.fields["note"].label = action.note_label
            self.fields["note"].required = action.needs_note
        else:
            del self.fields["note"]


class CaseFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False)
    state = forms.CharField(label=_("状态"), required=False, max_length=8)
    place = GridChoiceField(label=_("区划"), queryset=None, required=False, empty_label=_("全部"))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args, user: User, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部"))] + [(k, FLOWS[k].label) for k in kinds]
        self.fields["place"].queryset = registry_places(user)

    def clean_state(self) -> str:
        state = self.cleaned_data["state"]
        if state and not any(state in flow.states for flow in FLOWS.values()):
            raise forms.ValidationError(_("没有这种案件状态"))
        return state


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("身份"), choices=Party.Role.choices)
    target = forms.RegexField(regex=r"^[rhu]:\d+$", required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名/名称"), max_length=50, required=False)


class SurveyForm(forms.Form):
    question = forms.CharField(label=_("征询事项"), max_length=200)
    choices = forms.CharField(
        label=_("选项"), max_length=100, initial="同意,不同意", help_text=_("用逗号分隔")
    )


class AnswerForm(forms.Form):
    household = forms.CharField(label=_("户号"), max_length=30)
    answer = forms.CharField(label=_("意见"), max_length=20)
    note = forms.CharField(label=_("备注"), max_length=100, required=False)


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Payment.Kind.choices)
    who = forms.CharField(label=_("付款/垫付人"), max_length=50, required=False)
    household = forms.CharField(label=_("户号"), max_length=30, required=False)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=12, decimal_places=2)
    date = forms.DateField(label=_("日期"), widget=DatePicker())
    note = forms.CharField(label=_("备注"), max_length=100, required=False)


def recent_half_months(today: datetime.date, count: int = 6) -> list[datetime.date]:
    """The starts of the current half month and the `count - 1` before it, newest first."""
    starts = []
    day = today.replace(day=1 if today.day <= 15 else 16)
    for _i in range(count):
        starts.append(day)
        if day.day == 16:
            day = day.replace(day=1)
        else:
            day = (day - datetime.timedelta(days=1)).replace(day=16)
    return starts


class ScreeningForm(forms.Form):
    place = GridChoiceField(label=_("社区/网格"), queryset=None)
    period_start = forms.TypedChoiceField(
        label=_("排查期"), coerce=datetime.date.fromisoformat, choices=()
    )
    nothing_found = forms.BooleanField(label=_("零报告（本期未发现矛盾纠纷）"), required=False)
    found = forms.IntegerField(label=_("发现纠纷数"), min_value=0, max_value=1000, required=False)
    notes = forms.CharField(
        label=_("排查情况"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = registry_places(user)
        self.fields["period_start"].choices = [
            (d.isoformat(), half_month_label(d)) for d in recent_half_months(timezone.localdate())
        ]


# --- The public page (居民自助报事): residents file a request, look it up and rate it with its
# tracking code, without an account. ---

_TOO_LONG = _("不能超过%(limit_value)d个字（现有%(show_value)d个字）")


class CommunityChoice(forms.ModelChoiceField):
    """Communities by name with their sub-district: names repeat across a district."""

    def label_from_instance(self, obj: Place) -> str:
        return f"{obj.name}（{obj.parent.name}）" if obj.parent_id else obj.name


class PublicRequestForm(forms.Form):
    place = CommunityChoice(
        label=_("所在社区"),
        queryset=Place.objects.none(),
        empty_label=_("请选择社区"),
        error_messages={"required": _("请选择所在社区"), "invalid_choice": _("请选择所在社区")},
    )
    category = forms.ChoiceField(
        label=_("问题类别"),
        choices=[("", _("请选择类别")), *((c, c) for c in REQUEST.categories)],
        error_messages={"required": _("请选择问题类别"), "invalid_choice": _("请选择问题类别")},
    )
    name = forms.CharField(
        label=_("姓名"),
        max_length=services.PUBLIC_NAME_MAX,
        help_text=_("也可只写称呼，如“王女士”"),
        error_messages={"required": _("请填写姓名"), "max_length": _TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("仅用于社区工作人员联系您和您查询进度，不会公开"),
        error_messages={"required": _("请填写11位手机号码")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("地址"),
        max_length=services.PUBLIC_ADDRESS_MAX,
        required=False,
        help_text=_("报修请写明楼号、单元和门牌号"),
        error_messages={"max_length": _TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    description = forms.CharField(
        label=_("需要帮助的事情"),
        max_length=services.PUBLIC_DESCRIPTION_MAX,
        help_text=_("请写清楚发生了什么、在哪里、从什么时候开始"),
        error_messages={"required": _("请说明需要帮助的事情"), "max_length": _TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, community_code: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        communities = (
            Place.objects.filter(kind=PlaceKind.COMMUNITY)
            .active()
            .select_related("parent")
            .order_by("code")
        )
        self.fields["place"].queryset = communities
        if community_code and not self.is_bound:
            # ?c=<code> from the poster or QR code an office prints for its own residents.
            found = communities.filter(code=community_code).values_list("pk", flat=True)
            self.fields["place"].initial = found.first()

    def request_data(self) -> services.PublicRequest:
        return services.PublicRequest(**self.cleaned_data)


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        error_messages={"required": _("请填写查询码")},
        help_text=_("提交时得到的8位查询码，不区分大小写"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages={"required": _("请填写提交时留下的手机号码")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class RatingForm(forms.Form):
    """The rating of a finished request. The code and phone travel with it, hidden, and are
    checked again like a lookup; `version` is the case as the page showed it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    rating = forms.ChoiceField(
        label=_("您对办理结果是否满意？"),
        choices=[(r, r) for r in RATINGS],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择满意、基本满意或不满意"),
            "invalid_choice": _("请选择满意、基本满意或不满意"),
        },
    )
    comment = forms.CharField(
        label=_("意见建议（选填）"),
        max_length=services.PUBLIC_COMMENT_MAX,
        required=False,
        error_messages={"max_length": _TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
