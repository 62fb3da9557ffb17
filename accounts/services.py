"""Changes to accounts. Each validates, saves and writes its audit row in one transaction."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import PLACE_KINDS, Role
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
    """A new account; `by=None` is the system itself (the demo loader, set-up commands)."""
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(
            _("账号“%(username)s”已存在（不区分大小写）") % {"username": username}, field="username"
        )
    check_assignment(role, place, by=by)
    user = User(username=username, name=name, role=role, place=place, phone=phone)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(by, "user.create", user, changes=audit.created(user, EDITABLE))
    return user


@transaction.atomic
def update_user(
    user: User, *, name: str, role: str, place: Place | None, phone: str, by: User
) -> User:
    if user.pk == by.pk and (role != user.role or place != user.place):
        raise DomainError(_("不能修改自己的角色或所属区划，请由另一位管理员办理"), field="role")
    check_assignment(role, place, by=by)
    before = audit.snapshot(user, EDITABLE)
    user.name, user.role, user.place, user.phone = name, role, place, phone
    diff = audit.changes(before, user)
    if diff:
        user.save(update_fields=["name", "role", "place", "phone"])
        audit.record(by, "user.update", user, changes=diff)
    return user


@transaction.atomic
def reset_password(user: User, *, password: str, by: User) -> User:
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(by, "user.password_reset", user)
    return user


@transaction.atomic
def set_active(user: User, *, active: bool, by: User) -> User:
    if user.pk == by.pk:
        raise DomainError(_("不能停用自己的账号"))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        by,
        "user.activate" if active else "user.deactivate",
        user,
        changes={"is_active": [not active, active]},
    )
    return user


@transaction.atomic
def change_own_password(user: User, *, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise DomainError(_("原密码不正确"), field="old_password")
    _check_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(user, "auth.password_change", user)
    return user
