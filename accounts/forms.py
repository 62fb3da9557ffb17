from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.lockout import AddressLockedOut, LockedOut
from accounts.roles import Role
from audit.masking import mask


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("账号或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("账号")

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username:
            return super().clean()
        try:
            # The lock check, the password check and the count of a failure, one try at a
            # time per account and address (accounts/lockout.py).
            return lockout.attempt(username, super().clean)
        except (LockedOut, AddressLockedOut) as exc:
            raise ValidationError(exc.message, code="locked") from None
        except ValidationError:
            # The failure just recorded may have been the one that locks the account or stops
            # the address.
            refused = lockout.refusal(username)
            if refused is not None:
                raise ValidationError(refused.message, code="locked") from None
            raise


def _place_choices(places):
    return [(p.pk, f"{'　' * p.depth}{p.name}（{p.get_kind_display()}）") for p in places]


class PlaceChoiceMixin:
    """A place select limited to the active places the manager may assign."""

    def setup_place(self, places, *, allow_system: bool) -> None:
        choices = [("", _("全系统（不限区划）"))] if allow_system else [("", "---------")]
        self.fields["place"] = forms.TypedChoiceField(
            label=_("所属区划"),
            choices=choices + _place_choices(places),
            coerce=int,
            empty_value=None,
            required=False,
        )
        self._places = {p.pk: p for p in places}

    def clean_place(self):
        pk = self.cleaned_data.get("place")
        if pk is None:
            return None
        return self._places[pk]


class UserCreateForm(PlaceChoiceMixin, forms.Form):
    username = forms.RegexField(
        label=_("登录账号"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("登录账号只能包含字母、数字和 @ . + - _")},
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": _("请输入11位手机号")},
    )
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput,
        strip=False,
        required=False,
        help_text=_(
            "管理类角色（区级管理员、审计员、安全管理员、系统管理员）不填：批准时由系统生成"
            "临时密码，只显示给批准的安全管理员"
        ),
    )

    def __init__(self, *args, places, allow_system: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_place(places, allow_system=allow_system)
        self.order_fields(["username", "name", "role", "place", "phone", "password"])

    def clean(self):
        from accounts.services import needs_approval

        data = super().clean()
        role, password = data.get("role"), data.get("password")
        if role and needs_approval(role):
            if password:
                self.add_error(
                    "password",
                    _("管理类账号的初始密码由系统在批准时生成，申请人不填写，请清空此项"),
                )
            data.pop("password", None)
        elif role and not password:
            self.add_error("password", _("请输入初始密码"))
        return data


class UserEditForm(PlaceChoiceMixin, forms.Form):
    """The phone number is sensitive: the form shows it masked, a blank field keeps it and only
    a new number or the clear box changes it."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": _("请输入11位手机号")},
    )
    clear_phone = forms.BooleanField(label=_("清除手机号"), required=False)

    def __init__(self, *args, places, allow_system: bool, current_phone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_place(places, allow_system=allow_system)
        self.current_phone = current_phone
        if current_phone:
            self.fields["phone"].help_text = _("当前：%(masked)s；留空则不变") % {
                "masked": mask(current_phone)
            }
        else:
            del self.fields["clear_phone"]
        self.order_fields(["name", "role", "place", "phone", "clear_phone"])

    def clean(self):
        data = super().clean()
        if data.pop("clear_phone", False):
            data["phone"] = ""
        elif not data.get("phone"):
            data["phone"] = self.current_phone
        return data


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)


class OwnPasswordForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput, strip=False)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("账号或姓名"), required=False)
    role = forms.ChoiceField(
        label=_("角色"), choices=[("", _("全部角色")), *Role.choices], required=False
    )
    active = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), ("1", _("在用")), ("0", _("已停用"))],
        required=False,
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
        help_text=_("手机验证器应用中显示的6位数字"),
    )


class TotpSetupForm(forms.Form):
    password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput)
    code = SecondFactorForm.base_fields["code"]


class TotpDisableForm(forms.Form):
    password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput)


class SecurityPolicyForm(forms.Form):
    lockout_failures = forms.IntegerField(label=_("连续登录失败几次锁定账号"))
    lockout_minutes = forms.IntegerField(label=_("锁定多少分钟"))
    idle_minutes = forms.IntegerField(label=_("无操作多少分钟自动退出"))
    session_max_hours = forms.IntegerField(label=_("登录后最长多少小时须重新登录"))
    totp_roles = forms.MultipleChoiceField(
        label=_("必须使用双因素认证的角色"),
        required=False,
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("区级管理员、系统管理员、审计员、安全管理员始终必须使用"),
    )

    def __init__(self, *args, **kwargs):
        from accounts.policy import LIMITS

        super().__init__(*args, **kwargs)
        for name, (low, high) in LIMITS.items():
            self.fields[name].help_text = _("可设%(low)s至%(high)s") % {"low": low, "high": high}


class AccountRequestDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"), choices=[("approve", _("批准")), ("reject", _("驳回"))]
    )
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)
