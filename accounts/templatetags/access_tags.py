"""Whom a user asks for rights they lack: the account managers (系统管理员) of their district,
and, for 区级管理员, the 安全管理员 who must approve any change to it. The three separated duties
(系统管理员, 审计员, 安全管理员) ask no one: their rights are fixed by the separation."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.services import needs_approval

register = template.Library()

SEPARATED_DUTIES = frozenset({Role.SYSADMIN, Role.AUDITOR, Role.SECURITY_OFFICER})


@register.simple_tag
def whom_to_ask(user) -> str:
    """The sentence the 403 page ends with."""
    if not getattr(user, "is_authenticated", False):
        return _("如确需办理，请登录后再试。")
    if user.role in SEPARATED_DUTIES:
        return _(
            "按三权分立，%(role)s账号的权限是固定的，不能通过申请获得此项权限；"
            "此项工作请由相应岗位的工作人员办理。"
        ) % {"role": user.get_role_display()}
    ancestors = user.place.ancestors() if user.place_id else []
    district = (ancestors or [user.place])[0] if user.place_id else None
    managers = (
        _("%(district)s的系统管理员") % {"district": district.name}
        if district is not None
        else _("系统管理员")
    )
    if needs_approval(user.role):
        return _(
            "如确需办理，请联系%(managers)s提出申请；管理类角色的变更须经安全管理员批准后生效。"
        ) % {"managers": managers}
    return _("如确需办理，请联系%(managers)s调整您的角色或所属区划。") % {"managers": managers}
