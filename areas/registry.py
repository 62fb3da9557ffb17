"""Changes to dwellings and local units (the registry's places and premises). Each validates,
saves and writes its audit row in one transaction."""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from areas.kinds import PlaceKind
from areas.models import Building, Dwelling, Estate, LocalUnit, Place
from audit import services as audit
from shequ import locking
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

DWELLING_FIELDS = ["address", "building", "unit", "room", "usage", "area", "place"]
UNIT_FIELDS = [
    "name",
    "credit_code",
    "kind",
    "address",
    "contact_name",
    "contact_phone",
    "legal_representative",
    "place",
    "closed_on",
]


def _check_place(place: Place) -> None:
    if place.kind not in (PlaceKind.COMMUNITY, PlaceKind.GRID):
        raise DomainError(_("请选择社区或网格"), field="place")
    if place.is_retired:
        raise DomainError(_("“%(p)s”已撤销") % {"p": place.name}, field="place")


def _building(place: Place, estate_name: str, building_name: str) -> Building | None:
    """The named building of the named estate in the community, made when missing."""
    estate_name, building_name = estate_name.strip(), building_name.strip()
    if not building_name:
        if estate_name:
            raise DomainError(_("填写了小区时请同时填写楼栋"), field="building_name")
        return None
    community_path = place.path if place.kind == PlaceKind.COMMUNITY else place.parent.path
    estate = None
    if estate_name:
        estate = Estate.objects.filter(place_path__under=community_path, name=estate_name).first()
        if estate is None:
            estate = Estate.objects.create(name=estate_name[:80], place=place)
    building = Building.objects.filter(
        place_path__under=community_path, estate=estate, name=building_name
    ).first()
    if building is None:
        building = Building.objects.create(estate=estate, name=building_name[:40], place=place)
    return building


@transaction.atomic
def save_dwelling(
    dwelling: Dwelling | None,
    *,
    place: Place,
    address: str,
    usage: str,
    estate_name: str = "",
    building_name: str = "",
    unit: str = "",
    room: str = "",
    area: decimal.Decimal | None = None,
    by: User,
    version: int | None = None,
) -> Dwelling:
    """Register a dwelling (`dwelling=None`) or change one; `version` is the one the edit page
    showed (a stale page raises StaleEdit and changes nothing)."""
    if dwelling is not None:
        dwelling = locking.lock_current(dwelling, version)
        locking.bump(dwelling)
    _check_place(place)
    address = address.strip()
    if not address:
        raise DomainError(_("请填写房屋地址"), field="address")
    clash = Dwelling.objects.filter(place_path=place.path, address=address)
    if dwelling is not None:
        clash = clash.exclude(pk=dwelling.pk)
    if clash.exists():
        raise DomainError(_("该网格已登记地址为“%(a)s”的房屋") % {"a": address}, field="address")
    if usage not in Dwelling.Usage.values:
        raise DomainError(_("请选择用途"), field="usage")
    if area is not None and area <= 0:
        raise DomainError(_("面积应为正数"), field="area")
    creating = dwelling is None
    dwelling = dwelling or Dwelling()
    before = None if creating else audit.snapshot(dwelling, DWELLING_FIELDS)
    dwelling.place, dwelling.address, dwelling.usage = place, address, usage
    dwelling.unit, dwelling.room, dwelling.area = unit.strip(), room.strip(), area
    dwelling.building = _building(place, estate_name, building_name)
    dwelling.save()
    audit.record_save(by, dwelling, kind="dwelling", fields=DWELLING_FIELDS, before=before)
    return dwelling


def clean_credit_code(raw: str) -> str:
    code = raw.strip().upper().replace(" ", "")
    if code and not uscc.is_valid(code):
        raise DomainError(
            _("统一社会信用代码“%(c)s”不正确（应为18位，校验位须正确）") % {"c": code},
            field="credit_code",
        )
    return code


@transaction.atomic
def save_unit(
    unit: LocalUnit | None, *, by: User, version: int | None = None, **values
) -> LocalUnit:
    """Register a local unit (`unit=None`) or change one; `version` is the one the edit page
    showed (a stale page raises StaleEdit and changes nothing)."""
    if unit is not None:
        unit = locking.lock_current(unit, version)
        locking.bump(unit)
    _check_place(values["place"])
    values["name"] = values["name"].strip()
    if not values["name"]:
        raise DomainError(_("请填写单位名称"), field="name")
    values["credit_code"] = clean_credit_code(values.get("credit_code", ""))
    if values["credit_code"]:
        clash = LocalUnit.objects.filter(credit_code=values["credit_code"])
        if unit is not None:
            clash = clash.exclude(pk=unit.pk)
        if clash.exists():
            raise DomainError(
                _("该信用代码已登记为“%(n)s”") % {"n": clash.first().name}, field="credit_code"
            )
    if values["kind"] not in LocalUnit.Kind.values:
        raise DomainError(_("请选择单位类型"), field="kind")
    creating = unit is None
    unit = unit or LocalUnit()
    before = None if creating else audit.snapshot(unit, UNIT_FIELDS)
    for key, value in values.items():
        setattr(unit, key, value.strip() if isinstance(value, str) else value)
    unit.save()
    audit.record_save(by, unit, kind="unit", fields=UNIT_FIELDS, before=before)
    return unit
