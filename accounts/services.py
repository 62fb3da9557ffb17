"""Changes to accounts. Each validates, saves and writes its audit row in one transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import lockout, policy, totp
from accounts.models import AccountRequest, SecurityPolicy, User
from accounts.roles import ADMIN_ROLES, PLACE_KINDS, Role
from accounts.signals import credentials_changed
from areas.models import Place
from audit import services as audit
from shequ.errors import DomainError

EDITABLE = ["username", "name", "role", "place", "phone", "is_active"]


def check_assignment(role: str, place: Place | None, *, by: User | None) -> None:
    """A role sits at its own level of the tree, inside the manager's own place."""
    kinds = PLACE_KINDS[Role(role)]
    kind = Place.Kind(place.kind) if place is not None else None
    if kind not in kinds:
        allowed = "、".join(
            str(Place.Kind(k).label) if k else _("全系统") for k in sorted(kinds, key=str)
        )
        raise DomainError(
            _("%(role)s只能分配到：%(allowed)s") % {"role": Role(role).label, "allowed": allowed},
            field="place",
        )
    if place is not None and place.is_retired:
        raise DomainError(
            _("“%(place)s”已撤销，不能再分配账号") % {"place": place.name}, field="place"
        )
    if (
        by is not None
        and by.scope_path
        and (place is None or not place.path.startswith(by.scope_path))
    ):
        raise DomainError(_("只能把账号分配到本人管理的区划之内"), field="place")


def _check_password(password: str, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(
            "；".join(m.rstrip("。.") for m in exc.messages) + "。", field=field
        ) from None


def needs_approval(role: str) -> bool:
    """An account of this role is made, or given it, only on a second person's approval."""
    return Role(role) in ADMIN_ROLES


def change_needs_approval(user: User, *, role: str, place: Place | None) -> bool:
    """A change of role or place needs a second person's approval when the account has an
    administrative role before or after it: giving one, moving one, and taking one away."""
    changed = role != user.role or place != user.place
    return changed and (needs_approval(role) or needs_approval(user.role))


def _approval_needed() -> DomainError:
    return DomainError(
        _("管理类角色（区级管理员、审计员、安全管理员、系统管理员）须经安全管理员审批，请提交申请"),
        field="role",
    )


def _check_username_free(username: str, *, pending_requests: bool = True) -> None:
    """No account (nor, unless `pending_requests` is False, a pending request for one) has
    `username`, whatever its letter case."""
    taken = User.objects.filter(username__iexact=username).exists() or (
        pending_requests
        and AccountRequest.objects.filter(
            kind=AccountRequest.Kind.CREATE,
            state=AccountRequest.State.PENDING,
            username__iexact=username,
        ).exists()
    )
    if taken:
        raise DomainError(
            _("账号“%(username)s”已存在（不区分大小写）") % {"username": username}, field="username"
        )


@transaction.atomic
def create_user(
    *,
    username: str,
    name: str,
    role: str,
    place: Place | None,
    password: str,
    phone: str = "",
    by: User | None,
) -> User:
    """A new account; `by=None` is the system itself (the demo loader, set-up commands: the
    server's operator, who may make an administrative account directly). A person may not:
    that goes through `request_account`."""
    if by is not None and needs_approval(role):
        raise _approval_needed()
    _check_username_free(username)
    check_assignment(role, place, by=by)
    # A password an administrator chose is temporary; the system's own accounts (demo loader,
    # set-up commands) are the operator's, not someone else's.
    user = User(
        username=username,
        name=name,
        role=role,
        place=place,
        phone=phone,
        must_change_password=by is not None,
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(by, "user.create", user, changes=audit.created(user, EDITABLE))
    return user


@transaction.atomic
def update_user(
    user: User, *, name: str, role: str, place: Place | None, phone: str, by: User
) -> User:
    """Name and phone change at once; a role or place change of an account with an
    administrative role before or after it (`change_needs_approval`) becomes a request
    (`request_role_change`) and takes effect only once approved."""
    if user.pk == by.pk and (role != user.role or place != user.place):
        raise DomainError(_("不能修改自己的角色或所属区划，请由另一位管理员办理"), field="role")
    check_assignment(role, place, by=by)
    if change_needs_approval(user, role=role, place=place):
        request_role_change(user, role=role, place=place, by=by)
        role, place = user.role, user.place
    before = audit.snapshot(user, EDITABLE)
    user.name, user.role, user.place, user.phone = name, role, place, phone
    diff = audit.changes(before, user)
    if diff:
        user.save(update_fields=["name", "role", "place", "phone"])
        audit.record(by, "user.update", user, changes=diff)
        if "role" in diff or "place" in diff:
            _cut_off(user, reason="user.update", by=by)
    return user


def _cut_off(user: User, *, reason: str, by: User | None, sessions: bool = True) -> None:
    """The account's credentials or rights changed (`reason`: the audit action): its sessions
    end on every device (unless `sessions` is False: a new password ends them already, through
    the session hash) and its API tokens are revoked (`credentials_changed`), so what follows
    starts at a fresh login, with the second factor the account's role may need."""
    if sessions:
        end_sessions(user)
    credentials_changed.send(User, user=user, reason=reason, by=by)


@transaction.atomic
def request_account(
    *,
    username: str,
    name: str,
    role: str,
    place: Place | None,
    phone: str = "",
    by: User,
) -> AccountRequest:
    """Ask for a new account of an administrative role. Checked now as `create_user` would; the
    account is made only when a second person approves (`decide_request`). The requester
    chooses no password: the system makes a temporary one on approval, shown once to the
    approver."""
    if not needs_approval(role):
        raise DomainError(_("该角色无需审批，请直接新建账号"), field="role")
    _check_username_free(username)
    check_assignment(role, place, by=by)
    request = AccountRequest.objects.create(
        kind=AccountRequest.Kind.CREATE,
        username=username,
        name=name,
        role=role,
        place=place,
        place_path=place.path if place else "",
        phone=phone,
        requested_by=by,
    )
    audit.record(
        by, "account_request.create", request, data={"username": username, "new_role": role}
    )
    return request


@transaction.atomic
def request_role_change(user: User, *, role: str, place: Place | None, by: User) -> AccountRequest:
    """Ask for an existing account to be given an administrative role, moved as one, or to have
    one taken away (`change_needs_approval`)."""
    if user.pk == by.pk:
        raise DomainError(_("不能修改自己的角色或所属区划，请由另一位管理员办理"), field="role")
    if role == user.role and place == user.place:
        raise DomainError(_("角色和所属区划都没有变化"), field="role")
    if not change_needs_approval(user, role=role, place=place):
        raise DomainError(_("该角色无需审批，请直接修改"), field="role")
    check_assignment(role, place, by=by)
    if AccountRequest.objects.filter(account=user, state=AccountRequest.State.PENDING).exists():
        raise DomainError(_("该账号已有待审批的申请，请等审批后再提交"), field="role")
    request = AccountRequest.objects.create(
        kind=AccountRequest.Kind.CHANGE,
        account=user,
        username=user.username,
        name=user.name,
        role=role,
        place=place,
        place_path=place.path if place else "",
        old_role=user.role,
        old_place=user.place,
        requested_by=by,
    )
    audit.record(
        by,
        "account_request.create",
        request,
        data={"username": user.username, "new_role": role, "old_role": user.role},
    )
    return request


@dataclass(frozen=True)
class Decision:
    request: AccountRequest
    # The new account's first password, made by the system: for the approver's eyes once, on
    # the page that answers the approval; kept nowhere in clear, written in no audit row.
    temporary_password: str = ""


def temporary_password(length: int = 14) -> str:
    """A random password with all four character classes, no look-alike characters (0/O,
    1/l/I), for the approver to hand over; the account must change it at its first login."""
    classes = [
        "ABCDEFGHJKLMNPQRSTUVWXYZ",
        "abcdefghijkmnpqrstuvwxyz",
        "23456789",
        "#%*+-=?@",
    ]
    alphabet = "".join(classes)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in chars for c in password) for chars in classes):
            return password


@transaction.atomic
def decide_request(request: AccountRequest, *, approve: bool, note: str = "", by: User) -> Decision:
    """The second person approves (the account is made, or its role changed, now) or rejects
    (nothing changes). Never the requester, nor the account the request is about. The
    temporary password of a new account, or of one that has an administrative role after the
    change (`_fresh_credentials`), comes back in the Decision, once."""
    request = AccountRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != AccountRequest.State.PENDING:
        raise DomainError(_("该申请已处理过"))
    if by.pk == request.requested_by_id:
        raise DomainError(_("不能审批本人提交的申请，须由另一人审批"))
    if request.account_id is not None and by.pk == request.account_id:
        raise DomainError(_("不能审批与本人账号有关的申请"))
    password = _carry_out(request, by=by) if approve else ""
    request.state = AccountRequest.State.APPROVED if approve else AccountRequest.State.REJECTED
    request.decided_by, request.decided_at, request.note = by, timezone.now(), note.strip()[:200]
    request.save(update_fields=["state", "decided_by", "decided_at", "note", "account"])
    audit.record(
        by,
        "account_request.approve" if approve else "account_request.reject",
        request,
        data={"username": request.username, "new_role": request.role, "note": request.note},
    )
    return Decision(request, password)


def _carry_out(request: AccountRequest, *, by: User) -> str:
    """Make the change; for a new account, or one given an administrative role (or moved as
    one), return its temporary password (else "")."""
    check_assignment(request.role, request.place, by=by)
    if request.kind == AccountRequest.Kind.CREATE:
        _check_username_free(request.username, pending_requests=False)
        user = User(
            username=request.username,
            name=request.name,
            role=request.role,
            place=request.place,
            phone=request.phone,
            must_change_password=True,
        )
        password = temporary_password()
        _check_password(password, user)
        user.set_password(password)
        user.save()  # the password validators' `password_changed`: into the history
        request.account = user
        audit.record(
            by,
            "user.create",
            user,
            changes=audit.created(user, EDITABLE),
            data={"requested_by": request.requested_by.username},
        )
        return password
    user = User.objects.select_for_update().get(pk=request.account_id)
    if user.role != request.old_role or user.place_id != request.old_place_id:
        raise DomainError(_("申请提交后该账号的角色或区划已有变化，请驳回后重新申请"))
    before = audit.snapshot(user, EDITABLE)
    user.role, user.place = request.role, request.place
    user.save(update_fields=["role", "place"])
    audit.record(
        by,
        "user.update",
        user,
        changes=audit.changes(before, user),
        data={"requested_by": request.requested_by.username},
    )
    password = _fresh_credentials(user, by=by) if needs_approval(request.role) else ""
    _cut_off(user, reason="user.update", by=by)
    return password


def _fresh_credentials(user: User, *, by: User) -> str:
    """An account approved into an administrative role starts again as a new one does: a
    temporary password the system makes (for the approver to hand over), to be changed at the
    first login, and no second factor (set up again then). Whoever knew its password before,
    the requester included, knows nothing that still works."""
    password = temporary_password()
    _check_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    had_totp = user.has_totp
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = "", None, 0
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "totp_secret",
            "totp_confirmed_at",
            "totp_last_step",
        ]
    )
    audit.record(by, "user.password_reset", user)
    if had_totp:
        audit.record(by, "user.totp_reset", user)
    return password


def _refuse_on_an_administrative_account(user: User, by: User | None) -> None:
    """A page may not reset the credentials of an administrative account, nor re-enable one: a
    系统管理员 could otherwise take over a 审计员's or 安全管理员's account alone. The server's
    operator does it at the console (`shequ account`, by=None)."""
    if by is not None and needs_approval(user.role):
        raise DomainError(
            _(
                "管理类账号（区级管理员、审计员、安全管理员、系统管理员）的密码、双因素认证和"
                "启用不能在页面上办理，请由服务器管理员使用 shequ account 命令办理"
            )
        )


@transaction.atomic
def reset_password(user: User, *, password: str, by: User | None) -> User:
    """A password chosen by someone else (an account manager; None: the console), temporary
    until the account changes it."""
    _refuse_on_an_administrative_account(user, by)
    _check_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(by, "user.password_reset", user)
    _cut_off(user, reason="user.password_reset", by=by, sessions=False)
    return user


# Without an active one of these over a place, its requests for administrative accounts wait
# for nobody (安全管理员) or its audit log goes unread (审计员).
KEEP_ONE = (Role.SECURITY_OFFICER, Role.AUDITOR)


def _refuse_stopping_the_last_one(user: User, by: User | None) -> None:
    """A page may not deactivate the last active 安全管理员 or 审计员 over the account's place:
    another active one of the same role must cover all of it (the whole system, or the place or
    one above it). The rows of that role are locked first, so two stopped at once cannot each
    count on the other. With no acting user (by=None: the system) it may."""
    if by is None or user.role not in KEEP_ONE:
        return
    parts = user.scope_path.strip("/").split("/") if user.scope_path else []
    covering = {"/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)}
    locked = (
        User.objects.select_for_update()
        .filter(role=user.role, is_active=True)
        .exclude(pk=user.pk)
        .values_list("pk", flat=True)
    )
    others = User.objects.filter(pk__in=list(locked)).values_list("place__path", flat=True)
    if not any(path is None or path in covering for path in others):
        raise DomainError(
            _(
                "“%(name)s”是所辖范围内最后一位在用的%(role)s，停用后无人办理其职责。"
                "请先让另一位%(role)s接手，再停用该账号"
            )
            % {"name": user.name, "role": user.get_role_display()}
        )


@transaction.atomic
def set_active(user: User, *, active: bool, by: User | None) -> User:
    if by is not None and user.pk == by.pk:
        raise DomainError(_("不能停用自己的账号"))
    if user.is_active == active:
        return user
    if active:  # stopping one is allowed but for the last of its kind: it takes access away
        _refuse_on_an_administrative_account(user, by)
    else:
        _refuse_stopping_the_last_one(user, by)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _cut_off(user, reason="user.deactivate", by=by)
    audit.record(
        by,
        "user.activate" if active else "user.deactivate",
        user,
        changes={"is_active": [not active, active]},
    )
    return user


def _password_again(user: User, password: str, *, field: str, wrong: str) -> None:
    """The logged-in `user`'s own password, typed again before a step that changes their
    credentials: tried as a login is (`lockout.attempt`), so a wrong one is audited
    (`auth.reauth_failed`) and counts towards the lockout, and while the account or the address
    is locked even the right one is refused. Raised on `field`, with `wrong` when wrong; the
    failure rows are committed before the refusal is raised, so call it outside a transaction."""

    def password_right() -> bool:
        if user.check_password(password):
            return True
        audit.record(user, "auth.reauth_failed", user)
        lockout.record_failure(user.username)
        return False

    try:
        right = lockout.attempt(user.username, password_right)
    except DomainError as exc:
        raise DomainError(exc.message, field=field) from None
    if not right:
        raise DomainError(wrong, field=field)


def change_own_password(user: User, *, old_password: str, new_password: str) -> User:
    _password_again(user, old_password, field="old_password", wrong=_("原密码不正确"))
    return _set_own_password(user, new_password)


@transaction.atomic
def _set_own_password(user: User, new_password: str) -> User:
    _check_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(user, "auth.password_change", user)
    _cut_off(user, reason="auth.password_change", by=user, sessions=False)
    return user


def end_sessions(user: User) -> None:
    """End every session of `user`, on every device: the epoch is part of the session hash."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def totp_required(user: User) -> bool:
    return user.role in policy.current().totp_roles


def reauthenticate(user: User, *, password: str, code: str) -> None:
    """Before a sensitive step of a logged-in user (a new API token): the password again, and a
    fresh code from the phone app when the account has a second factor or its role needs one.
    A wrong one counts as a failed login towards the lockout; while locked, refused. Refused
    too while the password is still one someone else chose (`must_change_password`).

    The refusal, the check and the count run one at a time per account and address
    (`lockout.attempt`); the failure rows stay when the refusal is raised."""
    if user.must_change_password:
        raise DomainError(_("请先修改管理员设置的初始密码"), field="password")
    _password_again(user, password, field="password", wrong=_("密码不正确"))
    if user.has_totp or totp_required(user):
        if not user.has_totp:
            raise DomainError(_("请先启用双因素认证"), field="code")
        try:
            right = check_second_factor(user, code.strip())
        except DomainError as exc:
            raise DomainError(exc.message, field="code") from None
        if not right:
            raise DomainError(
                _("验证码不正确或已使用过，请输入手机应用中当前显示的6位数字"), field="code"
            )


def enable_totp(user: User, *, secret: str, password: str, code: str) -> User:
    """Set up (or replace) the second factor: the password again (`_password_again`: a wrong
    one counts towards the lockout), then a code from the app that shows `secret`, so a
    mistyped secret never locks anyone out."""
    _password_again(user, password, field="password", wrong=_("密码不正确"))
    return _enable_totp(user, secret=secret, code=code)


@transaction.atomic
def _enable_totp(user: User, *, secret: str, code: str) -> User:
    step = totp.matching_step(secret, code)
    if step is None:
        raise DomainError(_("验证码不正确，请输入手机应用中当前显示的6位数字"), field="code")
    replaced = user.has_totp
    user.totp_secret, user.totp_last_step = secret, step
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_secret", "totp_last_step", "totp_confirmed_at"])
    audit.record(user, "auth.totp_replace" if replaced else "auth.totp_enable", user)
    return user


def disable_totp(user: User, *, password: str) -> User:
    """Switch the second factor off, where the role allows it: the password again
    (`_password_again`: a wrong one counts towards the lockout)."""
    if totp_required(user):
        raise DomainError(
            _("%(role)s必须使用双因素认证，不能关闭") % {"role": user.get_role_display()}
        )
    if not user.has_totp:
        raise DomainError(_("尚未启用双因素认证"))
    _password_again(user, password, field="password", wrong=_("密码不正确"))
    return _disable_totp(user)


@transaction.atomic
def _disable_totp(user: User) -> User:
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = "", None, 0
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    audit.record(user, "auth.totp_disable", user)
    return user


@transaction.atomic
def reset_totp(user: User, *, by: User | None) -> User:
    """An administrator (None: the console) clears a lost phone's second factor; the account
    sets it up again at its next login, and its sessions end now."""
    _refuse_on_an_administrative_account(user, by)
    if not user.has_totp:
        raise DomainError(_("该账号尚未启用双因素认证"))
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = "", None, 0
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    audit.record(by, "user.totp_reset", user)
    _cut_off(user, reason="user.totp_reset", by=by)
    return user


def check_second_factor(user: User, code: str) -> bool:
    """Whether `code` is a good, unused code of `user`'s app. A wrong one counts as a failed
    login towards the lockout; while the account (or the address) is locked, the code is not
    tried: LockedOut (or AddressLockedOut) is raised (`lockout.attempt`)."""

    def code_right() -> bool:
        locked = User.objects.select_for_update().get(pk=user.pk)
        step = totp.matching_step(locked.totp_secret, code, after=locked.totp_last_step)
        if step is None:
            audit.record(locked, "auth.totp_failed", locked)
            lockout.record_failure(locked.username)
            return False
        User.objects.filter(pk=user.pk).update(totp_last_step=step)
        audit.record(locked, "auth.totp_verified", locked)
        return True

    return lockout.attempt(user.username, code_right)


@transaction.atomic
def set_policy(values: dict, *, by: User) -> SecurityPolicy:
    """The 安全管理员 sets the login and session rules: each within its bounds, and the roles
    that must use a second factor never fewer than the rules require."""
    for name, (low, high) in policy.LIMITS.items():
        value = values.get(name)
        label = SecurityPolicy._meta.get_field(name).verbose_name
        if not isinstance(value, int) or not low <= value <= high:
            raise DomainError(
                _("%(what)s应在%(low)s至%(high)s之间") % {"what": label, "low": low, "high": high},
                field=name,
            )
    roles = set(values.get("totp_roles") or ())
    if unknown := roles - set(Role.values):
        raise DomainError(_("没有这样的角色：%(r)s") % {"r": "、".join(sorted(unknown))})
    roles |= policy.ALWAYS_TOTP
    row = SecurityPolicy.objects.select_for_update().filter(pk=1).first()
    if row is None:
        now = policy.defaults()
        row = SecurityPolicy(
            pk=1,
            **{name: getattr(now, name) for name in policy.LIMITS},
            totp_roles=sorted(now.totp_roles),
        )
    fields = [*policy.LIMITS, "totp_roles"]
    before = audit.snapshot(row, fields)
    for name in policy.LIMITS:
        setattr(row, name, values[name])
    row.totp_roles = sorted(roles)
    row.updated_by = by
    row.save()
    if diff := audit.changes(before, row):
        audit.record(by, "security.policy", row, changes=diff)
    transaction.on_commit(policy.forget)
    policy.forget()
    return row
