"""Households and who lives in them."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import Dwelling
from people import idnumber
from people.choices import Registration, Relation, ResidentStatus
from people.importing.base import CHUNK, Header, Kind, Plan
from people.models import Household, Residence, Resident
from shequ.errors import DomainError

# --- Households and their members.


class HouseholdsImport(Kind):
    code = "households"
    label = _("户及成员")
    headers = [
        Header("户号", True, "同一户的成员写同一户号，每户有且只有一行“户主”", as_text=True),
        Header("身份证号码", True, "成员须已登记为居民（可先导入居民）", as_text=True),
        Header(
            "与户主关系",
            True,
            "户主、配偶、子、女、父母、祖父母、孙子女、兄弟姐妹、儿媳/女婿、其他",
        ),
        Header("迁入日期", True),
        Header("房屋地址", note="须是已登记的房屋；可留空"),
        Header("户别", note="户籍、常住、流动；留空为户籍"),
    ]

    def example(self):
        return [
            [
                "4201060001",
                idnumber.make("110105", datetime.date(1980, 5, 17), 12, male=True),
                "户主",
                "2015-03-01",
                "",
                "户籍",
            ]
        ]

    def check(self, rows, ctx):
        plan = Plan()
        members: dict[str, list[tuple[int, dict]]] = {}
        seen_people: dict[str, int] = {}
        for cells in rows:
            plan.total += 1
            row = cells.number
            try:
                values = self._values(cells)
            except DomainError as exc:
                plan.problem(row, exc.field or "", exc.message)
                continue
            if values["id_number"] in seen_people:
                plan.problem(
                    row,
                    "身份证号码",
                    _("与第%(row)d行重复：一人只能在一户")
                    % {"row": seen_people[values["id_number"]]},
                )
                continue
            seen_people[values["id_number"]] = row
            members.setdefault(values["number"], []).append((row, values))
        residents = {}
        numbers = list(seen_people)
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            for r in Resident.objects.filter(id_number__in=chunk):
                residents[r.id_number] = r
        dwellings = {
            d.address: d for d in Dwelling.objects.filter(place_path__under=ctx.place.path)
        }
        existing = {
            h.number: h
            for h in Household.objects.filter(number__in=list(members)).select_related("place")
        }
        current = (
            {
                res.resident_id: res
                for res in Residence.objects.filter(
                    until__isnull=True, resident__id_number__in=numbers
                ).select_related("household")
            }
            if numbers
            else {}
        )
        for number, rows_ in members.items():
            heads = [row for row, v in rows_ if v["relation"] == Relation.HEAD]
            household = existing.get(number)
            if household is not None and not household.place_path.startswith(ctx.place.path):
                plan.problem(rows_[0][0], "户号", _("户号%(n)s已在其他辖区登记") % {"n": number})
                continue
            if household is None and len(heads) != 1:
                plan.problem(
                    rows_[0][0],
                    "与户主关系",
                    _("户号%(n)s应有且只有一名户主，现有%(k)d名") % {"n": number, "k": len(heads)},
                )
                continue
            group_ok = True
            prepared = []
            for row, values in rows_:
                resident = residents.get(values["id_number"])
                if resident is None or not resident.place_path.startswith(ctx.place.path):
                    plan.problem(
                        row, "身份证号码", _("本区划没有登记该身份证号码的居民，请先导入居民")
                    )
                    group_ok = False
                    continue
                if resident.status != ResidentStatus.PRESENT:
                    plan.problem(
                        row,
                        "身份证号码",
                        _("%(name)s的状态为%(s)s") % {"name": resident.name, "s": resident.status},
                    )
                    group_ok = False
                    continue
                address = values["address"]
                if address and address not in dwellings:
                    plan.problem(row, "房屋地址", _("没有登记地址为“%(a)s”的房屋") % {"a": address})
                    group_ok = False
                    continue
                living = current.get(resident.pk)
                if living is not None and living.household.number == number:
                    plan.unchanged += 1
                    continue
                if living is not None and values["since"] <= living.since:
                    plan.problem(
                        row,
                        "迁入日期",
                        _("迁入日期应晚于其在原户的迁入日期%(d)s") % {"d": living.since},
                    )
                    group_ok = False
                    continue
                prepared.append((resident, values, living))
            if group_ok and prepared:
                first = next((v for _, v, _ in prepared if v["address"]), None)
                plan.create.append(
                    {
                        "number": number,
                        "household": household,
                        "members": prepared,
                        "dwelling": dwellings.get(first["address"]) if first else None,
                        "registration": prepared[0][1]["registration"],
                    }
                )
        # Counted in rows (members), like the unchanged ones, not in households.
        plan.created = sum(len(item["members"]) for item in plan.create) - len(plan.create)
        ctx.progress(plan.total)
        return plan

    def _values(self, cells) -> dict:
        get = cells.text

        number = get("户号")
        if not number or len(number) > 30:
            raise DomainError(_("请填写户号（不超过30个字符）"), field="户号")
        try:
            id_number = idnumber.parse(get("身份证号码")).number
        except DomainError as exc:
            raise DomainError(exc.message, field="身份证号码") from None
        relation = get("与户主关系")
        if relation not in Relation.values:
            raise DomainError(
                _("与户主关系应为：%(c)s") % {"c": "、".join(Relation.values)}, field="与户主关系"
            )
        try:
            since = cells.date("迁入日期")
        except DomainError as exc:
            raise DomainError(exc.message, field="迁入日期") from None
        if since is None:
            raise DomainError(_("请填写迁入日期"), field="迁入日期")
        if since > timezone.localdate():
            raise DomainError(_("迁入日期不能晚于今天"), field="迁入日期")
        registration = get("户别") or Registration.LOCAL
        if registration not in Registration.values:
            raise DomainError(_("户别应为：户籍、常住、流动"), field="户别")
        return {
            "number": number,
            "id_number": id_number,
            "relation": relation,
            "since": since,
            "address": get("房屋地址"),
            "registration": registration,
        }

    def commit(self, plan, ctx):
        new_households = []
        for item in plan.create:
            if item["household"] is None:
                head = next(r for r, v, _ in item["members"] if v["relation"] == Relation.HEAD)
                place = item["dwelling"].place if item["dwelling"] else head.place
                item["household"] = Household(
                    number=item["number"],
                    dwelling=item["dwelling"],
                    registration=item["registration"],
                    head=head,
                    place=place,
                    place_path=place.path,
                )
                new_households.append(item["household"])
        Household.objects.bulk_create(new_households, batch_size=1000)
        ended, created, moved = [], [], []
        for item in plan.create:
            household = item["household"]
            for resident, values, living in item["members"]:
                if living is not None:
                    living.until = values["since"] - datetime.timedelta(days=1)
                    living.end_reason = Residence.EndReason.MOVED
                    ended.append(living)
                created.append(
                    Residence(
                        household=household,
                        resident=resident,
                        relation=values["relation"],
                        since=values["since"],
                    )
                )
                if resident.place_id != household.place_id:
                    resident.place, resident.place_path = household.place, household.place_path
                    moved.append(resident)
        Residence.objects.bulk_update(ended, ["until", "end_reason"], batch_size=1000)
        Residence.objects.bulk_create(created, batch_size=2000)
        Resident.objects.bulk_update(moved, ["place", "place_path"], batch_size=1000)
        plan.extra = {"households": len(new_households), "members": len(created)}
