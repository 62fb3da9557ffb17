from django import forms
from django.utils.translation import gettext_lazy as _

from areas.kinds import PlaceKind
from areas.models import Place
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
