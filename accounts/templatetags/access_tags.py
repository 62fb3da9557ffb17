"""Whom a user asks for rights they lack: the account managers (系统管理员) of their district,
and, for an administrative role, the 安全管理员 who must approve any change to it."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from accounts.services import needs_approval

register = template.Library()


@register.simple_tag
def whom_to_ask(user) -> str:
    """The sentence the 403 page ends with."""
    if not getattr(user, "is_authenticated", False):
        return _("如确需办理，请登录后再试。")
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
