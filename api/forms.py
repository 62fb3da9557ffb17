from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.widgets import DatePicker


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50, help_text=_("用途，如“区数据平台同步”"))
    expires_on = forms.DateField(
        label=_("有效期至"), required=False, widget=DatePicker(), help_text=_("留空为长期有效")
    )
