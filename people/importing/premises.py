"""Dwellings (with their estates and buildings) and local units."""

from __future__ import annotations

import decimal

from django.utils.translation import gettext as _
from stdnum.cn import uscc

from areas.models import Building, Dwelling, Estate, LocalUnit
from people.importing.base import CHUNK, Header, Kind, Plan
from shequ.errors import DomainError

# --- Dwellings.


class DwellingsImport(Kind):
    code = "dwellings"
    label = _("房屋")
    headers = [
        Header("房屋地址", True, "如：阳光花园3栋2单元502室；同一社区内不重复"),
        Header("所属网格", note="网格名称或代码；留空为导入时所选区划"),
        Header("小区"),
        Header("楼栋", note="如：3栋"),
        Header("单元", note="如：2单元"),
        Header("房号", note="如：502"),
        Header("用途", note="自住、出租、商铺、空置、其他；留空为自住"),
        Header("面积", note="平方米，可留空"),
    ]

    def example(self):
        return [["阳光花园3栋2单元502室", "", "阳光花园", "3栋", "2单元", "502", "自住", 89.5]]

    def check(self, rows, ctx):
        plan = Plan()
        seen: dict[tuple[int, str], int] = {}
        existing = {
            (d.place_id, d.address): d
            for d in Dwelling.objects.filter(place_path__under=ctx.place.path).select_related(
                "building__estate"
            )
        }
        for cells in rows:
            plan.total += 1
            row = cells.number
            try:
                values = self._values(cells, ctx)
            except DomainError as exc:
                plan.problem(row, exc.field or "", exc.message)
                continue
            key = (values["place"].pk, values["address"])
            if key in seen:
                plan.problem(row, "房屋地址", _("与第%(row)d行的房屋地址重复") % {"row": seen[key]})
                continue
            seen[key] = row
            current = existing.get(key)
            if current is None:
                plan.create.append(values)
            elif (current.usage, current.area, current.unit, current.room) != (
                values["usage"],
                values["area"],
                values["unit"],
                values["room"],
            ):
                plan.update.append((current, values))
            else:
                plan.unchanged += 1
            if plan.total % CHUNK == 0:
                ctx.progress(plan.total)
        ctx.progress(plan.total)
        return plan

    def _values(self, cells, ctx) -> dict:
        get = cells.text

        address = get("房屋地址")
        if not address:
            raise DomainError(_("请填写房屋地址"), field="房屋地址")
        if len(address) > 200:
            raise DomainError(_("房屋地址过长"), field="房屋地址")
        try:
            place = ctx.grid(cells.text("所属网格"))
        except DomainError as exc:
            raise DomainError(exc.message, field="所属网格") from None
        usage = get("用途") or Dwelling.Usage.OWNER
        if usage not in Dwelling.Usage.values:
            raise DomainError(
                _("用途应为：%(c)s") % {"c": "、".join(Dwelling.Usage.values)}, field="用途"
            )
        area = None
        if get("面积"):
            try:
                area = decimal.Decimal(get("面积")).quantize(decimal.Decimal("0.01"))
                if area <= 0 or area > 100000:
                    raise decimal.InvalidOperation
            except decimal.InvalidOperation:
                raise DomainError(_("面积应为正数（平方米）"), field="面积") from None
        return {
            "address": address,
            "place": place,
            "estate": get("小区")[:80],
            "building": get("楼栋")[:40],
            "unit": get("单元")[:20],
            "room": get("房号")[:40],
            "usage": usage,
            "area": area,
        }

    def commit(self, plan, ctx):
        estates: dict[tuple[int, str], Estate] = {
            (e.place_id, e.name): e for e in Estate.objects.filter(place_path__under=ctx.place.path)
        }
        buildings: dict[tuple[int, str], Building] = {
            (b.estate_id or 0, b.name): b
            for b in Building.objects.filter(place_path__under=ctx.place.path)
        }
        new = []
        for values in plan.create:
            place = values["place"]
            building = None
            if values["estate"] or values["building"]:
                estate = None
                if values["estate"]:
                    estate = estates.get((place.pk, values["estate"]))
                    if estate is None:
                        estate = Estate.objects.create(name=values["estate"], place=place)
                        estates[(place.pk, estate.name)] = estate
                if values["building"]:
                    key = (estate.pk if estate else 0, values["building"])
                    building = buildings.get(key)
                    if building is None:
                        building = Building.objects.create(
                            estate=estate, name=values["building"], place=place
                        )
                        buildings[key] = building
            new.append(
                Dwelling(
                    building=building,
                    unit=values["unit"],
                    room=values["room"],
                    address=values["address"],
                    usage=values["usage"],
                    area=values["area"],
                    place=place,
                    place_path=place.path,
                )
            )
        Dwelling.objects.bulk_create(new, batch_size=2000)
        changed = []
        for dwelling, values in plan.update:
            dwelling.usage, dwelling.area = values["usage"], values["area"]
            dwelling.unit, dwelling.room = values["unit"], values["room"]
            changed.append(dwelling)
        Dwelling.objects.bulk_update(changed, ["usage", "area", "unit", "room"], batch_size=1000)


# --- Local units.


class UnitsImport(Kind):
    code = "units"
    label = _("辖区单位")
    headers = [
        Header("单位名称", True),
        Header("统一社会信用代码", note="18位；可暂缺", as_text=True),
        Header(
            "单位类型", True, "商铺、企业、学校、医疗机构、农贸市场、机关事业单位、社会组织、其他"
        ),
        Header("地址"),
        Header("所属网格", note="网格名称或代码；留空为导入时所选区划"),
        Header("联系人"),
        Header("联系电话", as_text=True),
        Header("法定代表人"),
    ]

    def example(self):
        body = "92420106MA4K12345"
        return [
            [
                "好邻居便利店",
                body + uscc.calc_check_digit(body),
                "商铺",
                "建设路12号",
                "",
                "李明",
                "13912345678",
                "李明",
            ]
        ]

    def check(self, rows, ctx):
        plan = Plan()
        seen_codes: dict[str, int] = {}
        seen_names: dict[tuple[int, str], int] = {}
        in_scope = {
            (u.credit_code or f"{u.place_id}:{u.name}"): u
            for u in LocalUnit.objects.filter(place_path__under=ctx.place.path)
        }
        for cells in rows:
            plan.total += 1
            row = cells.number
            try:
                values = self._values(cells, ctx)
            except DomainError as exc:
                plan.problem(row, exc.field or "", exc.message)
                continue
            code = values["credit_code"]
            if code:
                if code in seen_codes:
                    plan.problem(
                        row,
                        "统一社会信用代码",
                        _("与第%(row)d行的代码重复") % {"row": seen_codes[code]},
                    )
                    continue
                seen_codes[code] = row
                key = code
                if code not in in_scope and LocalUnit.objects.filter(credit_code=code).exists():
                    plan.problem(row, "统一社会信用代码", _("该代码已被其他社区的单位登记"))
                    continue
            else:
                name_key = (values["place"].pk, values["name"])
                if name_key in seen_names:
                    plan.problem(
                        row,
                        "单位名称",
                        _("与第%(row)d行的单位重名且都无信用代码") % {"row": seen_names[name_key]},
                    )
                    continue
                seen_names[name_key] = row
                key = f"{values['place'].pk}:{values['name']}"
            current = in_scope.get(key)
            if current is None:
                plan.create.append(LocalUnit(**values, place_path=values["place"].path))
            else:
                fields = [
                    "name",
                    "kind",
                    "address",
                    "contact_name",
                    "contact_phone",
                    "legal_representative",
                    "place",
                ]
                if any(getattr(current, f) != values[f] for f in fields):
                    for f in fields:
                        setattr(current, f, values[f])
                    current.place_path = current.place.path
                    plan.update.append(current)
                else:
                    plan.unchanged += 1
        ctx.progress(plan.total)
        return plan

    def _values(self, cells, ctx) -> dict:
        get = cells.text

        name = get("单位名称")
        if not name:
            raise DomainError(_("请填写单位名称"), field="单位名称")
        code = get("统一社会信用代码").upper().replace(" ", "")
        if code and not uscc.is_valid(code):
            raise DomainError(
                _("统一社会信用代码“%(c)s”不正确（长度或校验位）") % {"c": code},
                field="统一社会信用代码",
            )
        kind = get("单位类型")
        if kind not in LocalUnit.Kind.values:
            raise DomainError(
                _("单位类型应为：%(c)s") % {"c": "、".join(LocalUnit.Kind.values)}, field="单位类型"
            )
        try:
            place = ctx.grid(cells.text("所属网格"))
        except DomainError as exc:
            raise DomainError(exc.message, field="所属网格") from None
        phone = get("联系电话")
        if len(phone) > 20:
            raise DomainError(_("联系电话过长"), field="联系电话")
        return {
            "name": name[:100],
            "credit_code": code,
            "kind": kind,
            "address": get("地址")[:200],
            "place": place,
            "contact_name": get("联系人")[:50],
            "contact_phone": phone,
            "legal_representative": get("法定代表人")[:50],
        }

    def commit(self, plan, ctx):
        LocalUnit.objects.bulk_create(plan.create, batch_size=2000)
        LocalUnit.objects.bulk_update(
            plan.update,
            [
                "name",
                "kind",
                "address",
                "contact_name",
                "contact_phone",
                "legal_representative",
                "place",
                "place_path",
            ],
            batch_size=1000,
        )
