from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import lockout, policy, second_factor, services, totp
from accounts.forms import (
    AccountRequestDecisionForm,
    LoginForm,
    OwnPasswordForm,
    PasswordResetForm,
    SecondFactorForm,
    SecurityPolicyForm,
    TotpDisableForm,
    TotpSetupForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from accounts.models import AccountRequest, User
from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.models import Place
from audit import services as audit
from shequ.errors import DomainError, add_to_form


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        rules = policy.current()
        return super().get_context_data(
            lockout_failures=rules.lockout_failures,
            lockout_minutes=rules.lockout_minutes,
            idle_minutes=rules.idle_minutes,
            **kwargs,
        )

    def form_valid(self, form):
        user = form.get_user()
        state = (
            second_factor.PENDING
            if user.has_totp
            else second_factor.ENROL
            if services.totp_required(user)
            else None
        )
        # The login receiver writes "auth.login" only once the whole login is done.
        self.request.second_factor = state
        response = super().form_valid(form)
        if state is None:
            return response
        self.request.session[second_factor.KEY] = state
        self.request.session[second_factor.NEXT] = self.get_success_url()
        return redirect(
            "accounts:second-factor" if state == second_factor.PENDING else "accounts:totp-setup"
        )


def _second_factor_done(request: HttpRequest) -> HttpResponse:
    request.session.pop(second_factor.KEY, None)
    request.session.cycle_key()
    audit.record(request.user, "auth.login", request.user)
    return redirect(second_factor.next_url(request))


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_view(request: HttpRequest) -> HttpResponse:
    """The code from the phone, after the password."""
    if request.session.get(second_factor.KEY) != second_factor.PENDING:
        return redirect("areas:home")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if services.check_second_factor(request.user, form.cleaned_data["code"]):
                return _second_factor_done(request)
            refused = lockout.refusal(request.user.username)
        except DomainError as exc:  # locked before this code was tried
            refused = exc
        if refused is not None:
            logout(request)
            messages.error(request, refused.message)
            return redirect("accounts:login")
        form.add_error("code", _("验证码不正确或已使用过，请输入手机应用中当前显示的6位数字"))
    return render(request, "accounts/second_factor.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Set up the second factor, or move it to a new phone: a new secret shown as a QR code,
    confirmed with the password and a code from the app."""
    enrolling = request.session.get(second_factor.KEY) == second_factor.ENROL
    if request.session.get(second_factor.KEY) == second_factor.PENDING:
        return redirect("accounts:second-factor")
    secret = request.session.get("totp_secret_new") or totp.new_secret()
    request.session["totp_secret_new"] = secret
    form = TotpSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enable_totp(
                request.user,
                secret=secret,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            del request.session["totp_secret_new"]
            messages.success(request, _("双因素认证已启用，以后登录时需输入手机应用中的验证码"))
            if enrolling:
                return _second_factor_done(request)
            return redirect("accounts:password-change")
    uri = totp.provisioning_uri(secret, request.user.username)
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "qr": totp.qr_svg(uri),
            "secret": totp.grouped(secret),
            "enrolling": enrolling,
            "required": services.totp_required(request.user),
        },
    )


@login_required
@require_POST
def totp_disable(request: HttpRequest) -> HttpResponse:
    form = TotpDisableForm(request.POST)
    if form.is_valid():
        try:
            services.disable_totp(request.user, password=form.cleaned_data["password"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("双因素认证已关闭"))
    else:
        messages.error(request, _("请输入当前密码"))
    return redirect("accounts:password-change")


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def _assignable_places(user: User):
    return Place.objects.visible_to(user).active().order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(
                request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改，其他设备上的登录已失效。"))
            return redirect("areas:home")
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "totp_required": services.totp_required(request.user),
            "disable_form": TotpDisableForm(),
        },
    )


@login_required
@require_http_methods(["GET"])
def user_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_ACCOUNTS)
    users = User.objects.visible_to(request.user).select_related("place")
    filters = UserFilterForm(request.GET)
    if filters.is_valid():
        if q := filters.cleaned_data["q"].strip():
            users = users.filter(Q(username__icontains=q) | Q(name__icontains=q))
        if role := filters.cleaned_data["role"]:
            users = users.filter(role=role)
        if active := filters.cleaned_data["active"]:
            users = users.filter(is_active=active == "1")
    page = Paginator(users.order_by("place__code", "username"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/user_list.html", {"page": page, "filters": filters})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MANAGE_ACCOUNTS)
    form = UserCreateForm(
        request.POST or None,
        places=_assignable_places(request.user),
        allow_system=request.user.scope_path == "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            if services.needs_approval(form.cleaned_data["role"]):
                services.request_account(**form.cleaned_data, by=request.user)
            else:
                user = services.create_user(**form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            if services.needs_approval(form.cleaned_data["role"]):
                messages.success(request, _("已提交申请，安全管理员批准后账号才会建立"))
                return redirect("accounts:request-list")
            messages.success(request, _("已新建账号 %(user)s") % {"user": user})
            return redirect("accounts:user-detail", pk=user.pk)
    return render(
        request,
        "_form_page.html",
        {"form": form, "title": _("新建账号"), "back": reverse("accounts:user-list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_user(User.objects.select_related("place"), request.user, pk=pk)
    initial = {"name": account.name, "role": account.role, "place": account.place_id}
    form = UserEditForm(
        request.POST or None,
        initial=initial,
        places=_assignable_places(request.user),
        allow_system=request.user.scope_path == "",
        current_phone=account.phone,
    )
    if request.method == "POST" and form.is_valid():
        wanted = (form.cleaned_data["role"], form.cleaned_data["place"])
        try:
            services.update_user(account, **form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            if wanted != (account.role, account.place):
                messages.success(request, _("已保存；角色变更已提交申请，安全管理员批准后生效"))
            else:
                messages.success(request, _("账号已保存"))
            return redirect("accounts:user-detail", pk=account.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "form": form,
            "password_form": PasswordResetForm(),
            # Reset and re-enable of an administrative account are the console's (services.
            # _refuse_on_an_administrative_account): the page offers no button that is refused.
            "console_only": services.needs_approval(account.role),
        },
    )


@login_required
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_user(User.objects, request.user, pk=pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.reset_password(
                account, password=form.cleaned_data["password"], by=request.user
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("密码已重置"))
    else:
        messages.error(request, _("请输入新密码"))
    return redirect("accounts:user-detail", pk=account.pk)


@login_required
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_user(User.objects, request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(account, active=active, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("账号已启用") if active else _("账号已停用"))
    return redirect("accounts:user-detail", pk=account.pk)


@login_required
@require_POST
def user_totp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MANAGE_ACCOUNTS)
    account = get_for_user(User.objects, request.user, pk=pk)
    try:
        services.reset_totp(account, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重置双因素认证，该账号下次登录时需重新设置"))
    return redirect("accounts:user-detail", pk=account.pk)


@login_required
@require_http_methods(["GET", "POST"])
def security_policy(request: HttpRequest) -> HttpResponse:
    """The 安全管理员's page: the login and session rules in force, changed in one step."""
    require(request.user, Perm.MANAGE_SECURITY)
    rules = policy.current()
    initial = {
        **{name: getattr(rules, name) for name in policy.LIMITS},
        "totp_roles": sorted(rules.totp_roles),
    }
    form = SecurityPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_policy(form.cleaned_data, by=request.user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("安全策略已保存，30秒内对所有登录生效"))
            return redirect("accounts:security-policy")
    limits = [form[name] for name in policy.LIMITS]
    return render(
        request,
        "accounts/security_policy.html",
        {"form": form, "limits": limits, "always": sorted(policy.ALWAYS_TOTP)},
    )


@login_required
@require_http_methods(["GET"])
def request_list(request: HttpRequest) -> HttpResponse:
    """The requests for administrative accounts within the user's place: the pending ones (the
    安全管理员 approves or rejects each here) and the latest decided."""
    if not (
        has_perm(request.user, Perm.MANAGE_ACCOUNTS)
        or has_perm(request.user, Perm.APPROVE_ACCOUNTS)
    ):
        raise PermissionDenied
    requests = AccountRequest.objects.visible_to(request.user).select_related(
        "place", "old_place", "requested_by", "decided_by", "account"
    )
    return render(
        request,
        "accounts/request_list.html",
        {
            "pending": requests.filter(state=AccountRequest.State.PENDING),
            "decided": requests.exclude(state=AccountRequest.State.PENDING)[:30],
            "may_decide": has_perm(request.user, Perm.APPROVE_ACCOUNTS),
            "decide_form": AccountRequestDecisionForm(),
        },
    )


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.APPROVE_ACCOUNTS)
    account_request = get_for_user(AccountRequest.objects, request.user, pk=pk)
    form = AccountRequestDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回"))
        return redirect("accounts:request-list")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decision = services.decide_request(
            account_request, approve=approve, note=form.cleaned_data["note"], by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:request-list")
    if decision.temporary_password:
        # Shown on this answer only: not in a message (kept in the session until read), not
        # cached by the browser; the approver hands it to the account's owner.
        response = render(
            request,
            "accounts/request_approved.html",
            {"decided": decision.request, "password": decision.temporary_password},
        )
        response["Cache-Control"] = "no-store"
        return response
    messages.success(request, _("已批准该申请") if approve else _("已驳回该申请，未作任何变更"))
    return redirect("accounts:request-list")
