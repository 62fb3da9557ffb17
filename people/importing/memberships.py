"""Special-group memberships, with each category's own attribute columns."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from people import idnumber
from people.importing.base import CHUNK, Header, Kind, Plan
from people.models import GroupCategory, Household, Membership, Resident
from people.services import clean_attributes
from shequ.errors import DomainError

# --- Special-group memberships.


class MembershipsImport(Kind):
    code = "memberships"
    label = _("重点人群")
    notes = ["属性列按类别填写，与该类别无关的属性列留空。"]

    @property
    def headers(self):  # the attribute columns come from the categories
        return self.headers_for(None)

    def headers_for(self, user) -> list[Header]:
        """The columns for the categories `user` may see (all of them for None)."""
        categories = GroupCategory.objects.prefetch_related("attributes")
        if user is not None:
            categories = categories.visible_to(user)
        labels = []
        for category in categories:
            for attribute in category.attributes.all():
                if attribute.label not in labels:
                    labels.append(attribute.label)
        return [
            Header("类别", True, "、".join(c.name for c in categories)),
            Header("身份证号码", note="按人登记的类别填写", as_text=True),
            Header("户号", note="按户登记的类别（如低保）填写", as_text=True),
            Header("开始日期", True),
            Header("结束日期", note="仍在册的留空"),
            Header("备注"),
            *[Header(label) for label in labels],
        ]

    def example(self):
        row = [
            "党员",
            idnumber.make("110105", datetime.date(1980, 5, 17), 12, male=True),
            "",
            "2010-07-01",
            "",
            "",
        ]
        extra = {"所在支部": "第一党支部", "党员类别": "正式党员"}
        return [row + [extra.get(h.name, "") for h in self.headers[6:]]]

    def check(self, rows, ctx):
        plan = Plan()
        categories = (
            {
                c.name: c
                for c in GroupCategory.objects.visible_to(ctx.user).prefetch_related("attributes")
            }
            if ctx.user is not None
            else {c.name: c for c in GroupCategory.objects.prefetch_related("attributes")}
        )
        parsed = []
        for cells in rows:
            plan.total += 1
            row = cells.number
            try:
                parsed.append((row, self._values(cells, categories)))
            except DomainError as exc:
                plan.problem(row, exc.field or "", exc.message)
        ids = [v["id_number"] for _, v in parsed if v["id_number"]]
        residents = {}
        for start in range(0, len(ids), CHUNK):
            for r in Resident.objects.filter(id_number__in=ids[start : start + CHUNK]):
                residents[r.id_number] = r
        numbers = [v["number"] for _, v in parsed if v["number"]]
        households = {h.number: h for h in Household.objects.filter(number__in=numbers)}
        open_now = set(
            Membership.objects.filter(
                end__isnull=True, place_path__under=ctx.place.path
            ).values_list("category_id", "resident_id", "household_id")
        )
        history = set(
            Membership.objects.filter(place_path__under=ctx.place.path).values_list(
                "category_id", "resident_id", "household_id", "start"
            )
        )
        seen: dict[tuple, int] = {}
        for row, v in parsed:
            category = v["category"]
            if category.subject == GroupCategory.Subject.RESIDENT:
                subject = residents.get(v["id_number"])
                key = (category.pk, subject.pk if subject else None, None)
                column = "身份证号码"
            else:
                subject = households.get(v["number"])
                key = (category.pk, None, subject.pk if subject else None)
                column = "户号"
            if subject is None or not subject.place_path.startswith(ctx.place.path):
                plan.problem(row, column, _("本区划没有登记该%(c)s") % {"c": column})
                continue
            if (*key, v["start"]) in history:
                plan.unchanged += 1
                continue
            if key in seen:
                plan.problem(row, column, _("与第%(row)d行重复") % {"row": seen[key]})
                continue
            seen[key] = row
            if v["end"] is None and key in open_now:
                plan.problem(
                    row, column, _("已在%(g)s中且未结束，请先结束原登记") % {"g": category.name}
                )
                continue
            plan.create.append(
                Membership(
                    category=category,
                    resident=subject if key[1] else None,
                    household=subject if key[2] else None,
                    start=v["start"],
                    end=v["end"],
                    attributes=v["attributes"],
                    notes=v["notes"],
                    place_id=subject.place_id,
                    place_path=subject.place_path,
                )
            )
        ctx.progress(plan.total)
        return plan

    def _values(self, cells, categories) -> dict:
        get = cells.text

        category = categories.get(get("类别"))
        if category is None:
            raise DomainError(_("类别“%(c)s”不存在或无权登记") % {"c": get("类别")}, field="类别")
        try:
            start = cells.date("开始日期")
            end = cells.date("结束日期")
        except DomainError as exc:
            raise DomainError(exc.message, field="开始日期") from None
        if start is None:
            raise DomainError(_("请填写开始日期"), field="开始日期")
        if start > timezone.localdate():
            raise DomainError(_("开始日期不能晚于今天"), field="开始日期")
        if end is not None and end < start:
            raise DomainError(_("结束日期不能早于开始日期"), field="结束日期")
        raw = {}
        for attribute in category.attributes.all():
            if cells.text(attribute.label):
                value = cells.value(attribute.label)
                raw[attribute.key] = (
                    value.isoformat()
                    if isinstance(value, datetime.date)
                    else cells.text(attribute.label)
                )
        attributes = clean_attributes(category, raw)
        id_number = number = ""
        if category.subject == GroupCategory.Subject.RESIDENT:
            try:
                id_number = idnumber.parse(get("身份证号码")).number
            except DomainError as exc:
                raise DomainError(exc.message, field="身份证号码") from None
        else:
            number = get("户号")
            if not number:
                raise DomainError(
                    _("%(g)s按户登记，请填写户号") % {"g": category.name}, field="户号"
                )
        return {
            "category": category,
            "id_number": id_number,
            "number": number,
            "start": start,
            "end": end,
            "attributes": attributes,
            "notes": get("备注")[:200],
        }

    def commit(self, plan, ctx):
        Membership.objects.bulk_create(plan.create, batch_size=2000)
