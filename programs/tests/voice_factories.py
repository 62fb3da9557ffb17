"""Opinions, deliberations and questionnaires for the residents' voice tests and the access
matrix."""

from __future__ import annotations

import datetime

from django.utils import timezone

from programs import services
from programs.models import Deliberation, Opinion, Questionnaire

DAY = datetime.timedelta(days=1)


def opinion(place, *, content="小区停车难", category="交通停车", days_ago=1, **extra) -> Opinion:
    data = services.OpinionData(
        date=timezone.localdate() - days_ago * DAY,
        source=extra.pop("source", "走访"),
        category=category,
        content=content,
        place=place,
        **extra,
    )
    return services.collect_opinion(data, by=None)


def deliberation(place, *, topic="停车位划线", **extra) -> Deliberation:
    data = services.DeliberationData(
        topic=topic, date=extra.pop("date", timezone.localdate()), place=place, **extra
    )
    return services.record_deliberation(data, by=None)


def questionnaire(place, *, by_household=False, title="居民满意度调查") -> Questionnaire:
    today = timezone.localdate()
    return services.create_questionnaire(
        title=title,
        place=place,
        starts_on=today - 10 * DAY,
        ends_on=today + 10 * DAY,
        by_household=by_household,
        questions=[
            services.QuestionData("总体满意度", "single", "满意、基本满意、不满意"),
            services.QuestionData("希望增加的活动", "multiple", "文体、讲座、志愿"),
            services.QuestionData("意见建议", "text"),
        ],
        by=None,
    )


def _once(world, name: str, make):
    if not hasattr(world, name):
        setattr(world, name, make())
    return getattr(world, name)


# The access matrix's objects: one of each in the home grid, made once per world.


def matrix_opinion(world) -> Opinion:
    return _once(world, "voice_opinion", lambda: opinion(world.grid))


def matrix_deliberation(world) -> Deliberation:
    return _once(world, "voice_deliberation", lambda: deliberation(world.grid))


def matrix_questionnaire(world) -> Questionnaire:
    return _once(world, "voice_questionnaire", lambda: questionnaire(world.grid))
