"""Forms of cases. Each form only shapes what is typed; the rules live in cases/services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from areas.kinds import PlaceKind
from areas.models import Place
from cases import services
from cases.flows import RATINGS, REQUEST

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
