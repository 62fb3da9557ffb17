import datetime

from django import template

from audit.masking import mask

register = template.Library()


@register.filter
def masked(value: str) -> str:
    return mask(value)


@register.simple_tag
def age(resident, today: datetime.date) -> int:
    return resident.age_on(today)
