"""Residents and households for tests, with valid ID numbers."""

from __future__ import annotations

import datetime
import itertools

from people import idnumber, services
from people.services import ResidentData

_sequence = itertools.count(1)


def id_for(birth: datetime.date, *, male: bool = True) -> str:
    return idnumber.make("110105", birth, next(_sequence) * 2, male=male)


def resident(place, name="张三", *, birth=datetime.date(1980, 5, 17), male=True, by=None, **extra):
    data = ResidentData(name=name, id_number=id_for(birth, male=male), place=place, **extra)
    return services.register_resident(data, by=by, confirm_similar=True)
