from django import template

from audit import presentation
from audit.actions import action_label as _action_label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return _action_label(action)


@register.filter
def role_label(role: str) -> str:
    return presentation.role_label(role)
