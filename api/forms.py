from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.widgets import DatePicker


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50, help_text=_("用途，如“区数据平台同步”"))
    expires_on = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=DatePicker(),
        help_text=_("留空为最长有效期"),
    )
    password = forms.CharField(
        label=_("当前密码"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=_("新建令牌前请再次输入密码"),
    )
    code = forms.CharField(
        label=_("验证码"),
        max_length=6,
        required=False,
        help_text=_("已启用双因素认证的账号：手机应用中当前显示的6位数字"),
    )
