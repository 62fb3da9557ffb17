"""Importing the spreadsheets a community already keeps: residents, households (with their
members), dwellings, local units and special-group memberships.

A file is checked whole before anything is written: every row, every column, duplicates inside
the file and against the database, place references within the importing user's scope. Only a
file without a single error is committed, in one transaction, with one audit row. Importing the
same file again changes nothing: rows are matched by ID number, credit code, household number or
address, and unchanged rows are left alone. The same code serves the web page and
`shequ import`."""

from __future__ import annotations

import datetime
import decimal
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from areas.models import Building, Dwelling, Estate, LocalUnit, Place
from audit import services as audit
from audit.context import Origin, current_origin
from people import idnumber
from people.choices import Registration, Relation, ResidentStatus
from people.models import GroupCategory, Household, Membership, Residence, Resident
from people.pinyin import initials
from people.services import ResidentData, clean_attributes, clean_resident
from shequ import xlsx
from shequ.bulk import RowSink
from shequ.errors import DomainError
from shequ.streaming import ProcessWriter, WriterError, can_stream

MAX_ERRORS_KEPT = 200
CHUNK = 1000


@dataclass(frozen=True)
class Header:
    name: str
    required: bool = False
    note: str = ""
    as_text: bool = False


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Context:
    """Where the rows go, and who is importing."""

    place: Place  # a community or a grid
    user: Any  # the importing User, or None for the command line without --user
    progress: Callable[[int], None] = lambda n: None

    def __post_init__(self) -> None:
        self.today = timezone.localdate()
        grids = Place.objects.filter(path__under=self.place.path, retired_on__isnull=True)
        self._places = {}
        for grid in grids:
            self._places[grid.name] = grid
            self._places[grid.code] = grid

    def grid(self, key: str) -> Place:
        """The place a row names in its 所属网格 column, within the import's place."""
        if not key:
            return self.place
        place = self._places.get(key)
        if place is None:
            raise DomainError(
                _("“%(key)s”不是%(place)s下的网格（可填网格名称或代码）")
                % {"key": key, "place": self.place.name}
            )
        return place


@dataclass
class Plan:
    """The outcome of checking a file: what would be written, and every problem found."""

    total: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    create: list[Any] = field(default_factory=list)
    update: list[Any] = field(default_factory=list)
    unchanged: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    sink: Any = None  # a ProcessWriter taking checked rows while the rest is checked
    created: int = 0  # rows handed to the sink
    writer_peak_mb: float = 0.0  # the writer process's peak memory, when there was one

    def problem(self, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_ERRORS_KEPT:
            self.problems.append(Problem(row, column, message))

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.total,
            "created": len(self.create) + self.created,
            "updated": len(self.update),
            "unchanged": self.unchanged,
        }


class Kind:
    code = ""
    label = ""
    headers: list[Header] = []
    notes: list[str] = []

    def header_names(self) -> list[str]:
        return [h.name for h in self.headers]

    def required(self) -> list[str]:
        return [h.name for h in self.headers if h.required]

    def check(self, rows: Iterator[xlsx.Row], ctx: Context) -> Plan:
        raise NotImplementedError

    def commit(self, plan: Plan, ctx: Context) -> None:
        raise NotImplementedError

    def example(self) -> list[list[Any]]:
        return []


# --- Residents.

RESIDENT_COLUMNS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "sex": "性别",
    "birth_date": "出生日期",
    "place": "所属网格",
    "phone": "手机号码",
    "ethnicity": "民族",
    "education": "文化程度",
    "political_status": "政治面貌",
    "marital_status": "婚姻状况",
    "hukou_type": "户籍类型",
    "work_unit": "工作单位",
    "notes": "备注",
}


class ResidentsImport(Kind):
    code = "residents"
    label = _("居民")
    headers = [
        Header("姓名", True),
        Header("身份证号码", True, "18位，以文本格式填写；旧15位号码自动转换", as_text=True),
        Header("性别", note="可留空，按身份证号码"),
        Header("出生日期", note="可留空，按身份证号码"),
        Header("所属网格", note="网格名称或代码；留空为导入时所选区划"),
        Header("手机号码", as_text=True),
        Header("民族", note="如：汉族；留空为汉族"),
        Header(
            "文化程度",
            note="研究生、大学本科、大学专科、高中/中专、初中、小学、文盲或半文盲、学龄前",
        ),
        Header("政治面貌", note="中共党员、中共预备党员、共青团员、民主党派、群众；留空为群众"),
        Header("婚姻状况", note="未婚、已婚、离婚、丧偶"),
        Header("户籍类型", note="户籍、流动、境外；留空为户籍"),
        Header("工作单位"),
        Header("备注"),
    ]

    def example(self):
        return [
            [
                "张三",
                idnumber.make("110105", datetime.date(1980, 5, 17), 12, male=True),
                "",
                "",
                "",
                "13812345678",
                "汉族",
                "大学本科",
                "群众",
                "已婚",
                "户籍",
                "",
                "",
            ]
        ]

    def check(self, rows, ctx, plan: Plan | None = None):
        plan = plan or Plan()
        seen: dict[str, int] = {}
        pending: list[tuple[int, dict]] = []
        for cells in rows:
            plan.total += 1
            row = cells.number
            try:
                values = self._values(cells, ctx)
            except DomainError as exc:
                column = RESIDENT_COLUMNS.get(exc.field or "", "")
                plan.problem(row, column, exc.message)
                continue
            number = values["id_number"]
            if number in seen:
                plan.problem(
                    row, "身份证号码", _("与第%(row)d行的身份证号码重复") % {"row": seen[number]}
                )
                continue
            seen[number] = row
            pending.append((row, values))
            if len(pending) >= CHUNK:
                self._match(pending, plan, ctx)
                pending = []
                ctx.progress(plan.total)
        self._match(pending, plan, ctx)
        self._flush(plan)
        ctx.progress(plan.total)
        return plan

    def _flush(self, plan: Plan) -> None:
        """Hand the checked new rows to the writer, while the file is still clean."""
        if plan.sink is not None and plan.create:
            if plan.ok:
                plan.sink.put(plan.create)
            plan.created += len(plan.create)
            plan.create = []

    def _values(self, cells, ctx) -> dict:
        texts = cells.texts()
        get = texts.get

        raw_id = cells.value("身份证号码")
        if isinstance(raw_id, float):
            raise DomainError(
                _("身份证号码被存成了数字，后几位已丢失；请把该列设为文本格式后重新填写"),
                field="id_number",
            )
        try:
            birth = cells.date("出生日期")
        except DomainError as exc:
            raise DomainError(exc.message, field="birth_date") from None
        try:
            place = ctx.grid(cells.text("所属网格"))
        except DomainError as exc:
            raise DomainError(exc.message, field="place") from None
        data = ResidentData(
            name=get("姓名", ""),
            id_number=get("身份证号码", ""),
            place=place,
            sex=get("性别", ""),
            birth_date=birth,
            phone=get("手机号码", ""),
            ethnicity=get("民族") or "汉族",
            education=get("文化程度", ""),
            political_status=get("政治面貌") or "群众",
            marital_status=get("婚姻状况", ""),
            hukou_type=get("户籍类型") or "户籍",
            work_unit=get("工作单位", ""),
            notes=get("备注", ""),
        )
        return clean_resident(data, today=ctx.today)

    def _match(self, pending, plan: Plan, ctx: Context) -> None:
        if not pending:
            return
        numbers = [values["id_number"] for _, values in pending]
        known = registered_id_numbers(numbers)
        existing = (
            {
                r.id_number: r
                for r in Resident.objects.filter(id_number__in=known).select_related("place")
            }
            if known
            else {}
        )
        now = timezone.now()
        for row, values in pending:
            current = existing.get(values["id_number"])
            if current is None:
                values["place_path"] = values["place"].path
                values["place"] = values["place"].pk
                values.update(status=ResidentStatus.PRESENT, created_at=now, updated_at=now)
                plan.create.append(_resident_row(values))
                continue
            if not current.place_path.startswith(ctx.place.path):
                plan.problem(
                    row, "身份证号码", _("该身份证号码已在其他辖区登记，不在本次导入的区划内")
                )
                continue
            fixed = ("id_number", "sex", "birth_date")
            changed = {
                k: v for k, v in values.items() if k not in fixed and getattr(current, k) != v
            }
            if changed:
                for key, value in changed.items():
                    setattr(current, key, value)
                current.name_initials = initials(current.name)
                current.place_path = current.place.path
                plan.update.append(current)
            else:
                plan.unchanged += 1
        self._flush(plan)

    write_path = "people.importing.resident_sink"
    finish_path = "people.importing.finish_import"

    def commit(self, plan, ctx):
        write_residents(plan.create)
        Resident.objects.bulk_update(
            plan.update,
            [*RESIDENT_COLUMNS_UPDATABLE, "name_initials", "place_path"],
            batch_size=1000,
        )


RESIDENT_SENT = [
    "name", "id_number", "sex", "birth_date", "ethnicity", "education",
    "political_status", "marital_status", "phone", "hukou_type", "status", "work_unit",
    "notes", "place", "place_path", "created_at", "updated_at",
]  # fmt: skip
RESIDENT_INSERT = ["name_initials", *RESIDENT_SENT]
_resident_row = operator.itemgetter(*RESIDENT_SENT)


def registered_id_numbers(numbers: list[str]) -> list[str]:
    """Which of `numbers` are registered already, anywhere: one query per chunk of an import."""
    if connection.vendor == "postgresql":
        # An array parameter: PostgreSQL plans it once, where IN (…) with a thousand
        # placeholders costs more to parse than to run.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id_number FROM people_resident WHERE id_number = ANY(%s)", [numbers]
            )
            return [row[0] for row in cursor.fetchall()]
    return list(Resident.objects.filter(id_number__in=numbers).values_list("id_number", flat=True))


class ResidentSink:
    """Inserts checked residents, working out their pinyin initials on the way (in the writer
    process when the import streams)."""

    def __init__(self) -> None:
        self._sink = RowSink(Resident, RESIDENT_INSERT)

    def write(self, rows: list[tuple]) -> None:
        self._sink.write((initials(row[0]), *row) for row in rows)

    def close(self) -> None:
        self._sink.close()

    def abort(self) -> None:
        self._sink.abort()


def resident_sink() -> ResidentSink:
    return ResidentSink()


def write_residents(rows: list[tuple]) -> None:
    sink = ResidentSink()
    sink.write(rows)
    sink.close()


RESIDENT_COLUMNS_UPDATABLE = [
    "name",
    "phone",
    "ethnicity",
    "education",
    "political_status",
    "marital_status",
    "hukou_type",
    "work_unit",
    "notes",
    "place",
]


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


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        ResidentsImport(),
        HouseholdsImport(),
        DwellingsImport(),
        UnitsImport(),
        MembershipsImport(),
    )
}


# --- Running a file.


def check_file(kind: Kind, data, ctx: Context) -> Plan:
    """Read and check the whole file; raise SpreadsheetError when it cannot be read at all."""
    rows = xlsx.read_rows(data, headers=kind.header_names(), required=kind.required())
    return kind.check(rows, ctx)


def import_file(kind: Kind, data, ctx: Context, *, file_name: str, sha256: str) -> Plan:
    """Check the file and, if it is free of errors, write it all in one transaction with one
    audit row. Returns the plan; `plan.ok` says whether anything was written.

    A large file of a kind that can stream is written while it is being checked, by a second
    process in its own transaction that commits only if the whole file was clean."""
    audit_data = {"kind": kind.code, "file": file_name, "sha256": sha256}
    stream = (
        hasattr(kind, "write_path")
        and can_stream()
        and xlsx.estimate_rows(data) >= settings.IMPORT_STREAM_ROWS
    )
    if not stream:
        plan = check_file(kind, data, ctx)
        if not plan.ok:
            return plan
        try:
            with transaction.atomic():
                kind.commit(plan, ctx)
                audit.record(
                    ctx.user,
                    "import.commit",
                    ctx.place,
                    data={**audit_data, **plan.counts(), **plan.extra},
                )
        except IntegrityError:
            plan.problem(0, "", _("检查后数据库中的数据已被其他人修改，请重新导入"))
        return plan

    writer = ProcessWriter(kind.write_path, kind.finish_path)
    if connection.vendor == "sqlite":
        # The writer holds SQLite's one write lock until it ends: progress can't be saved.
        ctx.progress = lambda n: None
    plan = Plan(sink=writer)
    try:
        rows = xlsx.read_rows(data, headers=kind.header_names(), required=kind.required())
        plan = kind.check(rows, ctx, plan)
    except BaseException:
        writer.end(commit=False)
        raise
    origin = current_origin.get() or Origin()
    payload = {
        "user": ctx.user.pk if ctx.user is not None else None,
        "place": ctx.place.pk,
        "origin": (origin.ip, origin.user_agent),
        "updates": [(kind.code, plan.update)],
        "data": {**audit_data, **plan.counts(), **plan.extra},
    }
    try:
        writer.end(commit=plan.ok, payload=payload)
        plan.writer_peak_mb = writer.peak_mb
    except WriterError as exc:
        if not exc.integrity:
            raise
        plan.problem(0, "", _("检查后数据库中的数据已被其他人修改，请重新导入"))
    return plan


def finish_import(payload: dict) -> None:
    """The last step of a streamed import, in the writer's transaction: changed rows and the
    audit row."""
    from accounts.models import User

    for code, updates in payload["updates"]:
        if code == "residents" and updates:
            Resident.objects.bulk_update(
                updates,
                [*RESIDENT_COLUMNS_UPDATABLE, "name_initials", "place_path"],
                batch_size=1000,
            )
    user = User.objects.filter(pk=payload["user"]).first() if payload["user"] else None
    token = current_origin.set(Origin(*payload["origin"]))
    try:
        audit.record(
            user, "import.commit", Place.objects.get(pk=payload["place"]), data=payload["data"]
        )
    finally:
        current_origin.reset(token)


def error_report(kind: Kind, plan: Plan, file_name: str) -> bytes:
    """The problems as a workbook the worker can download and work through."""
    return xlsx.write_table(
        _("导入错误报告"),
        _("文件：%(f)s　内容：%(k)s　共%(n)d处错误（列出前%(m)d处）")
        % {"f": file_name, "k": kind.label, "n": plan.problem_count, "m": len(plan.problems)},
        [xlsx.Column("行号", 8), xlsx.Column("列", 16), xlsx.Column("错误说明", 70)],
        [[p.row or "", p.column, p.message] for p in plan.problems],
        sheet_name="错误",
    )


def template(kind: Kind, user=None) -> bytes:
    """An empty sheet with the kind's headers on row 1, and a sheet of notes and an example.
    With `user`, only the columns that user may fill (special groups they may see)."""
    import io

    import xlsxwriter as xw

    buffer = io.BytesIO()
    book = xw.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(str(kind.label))
    notes = book.add_worksheet("填写说明")
    head = book.add_format({"bold": True, "bg_color": "#E8F1F2", "border": 1})
    need = book.add_format({"bold": True, "bg_color": "#FDE8E8", "border": 1})
    text_format = book.add_format({"num_format": "@"})
    headers = kind.headers_for(user) if hasattr(kind, "headers_for") else kind.headers
    for index, header in enumerate(headers):
        sheet.write_string(0, index, header.name, need if header.required else head)
        sheet.set_column(
            index, index, max(12, len(header.name) * 2 + 4), text_format if header.as_text else None
        )
    sheet.freeze_panes(1, 0)
    notes.write_string(0, 0, _("列名"), head)
    notes.write_string(0, 1, _("必填"), head)
    notes.write_string(0, 2, _("说明"), head)
    notes.set_column(0, 0, 18)
    notes.set_column(2, 2, 80)
    for r, header in enumerate(headers, start=1):
        notes.write_string(r, 0, header.name)
        notes.write_string(r, 1, _("是") if header.required else "")
        notes.write_string(r, 2, header.note)
    extra = [
        _("第一行为表头，不要改动；从第二行起每行一条。"),
        _("不要合并单元格，不要使用公式，数据中间不要留空行。"),
        *[str(n) for n in kind.notes],
    ]
    row = len(headers) + 2
    for line in extra:
        notes.write_string(row, 0, line)
        row += 1
    # The example lives here, not on the sheet that is imported, so it is never imported.
    row += 1
    notes.write_string(row, 0, _("填写示例（仅供参考）"), head)
    for c, header in enumerate(headers):
        notes.write_string(row + 1, c, header.name, head)
    every = [h.name for h in kind.headers]
    for r, example in enumerate(kind.example(), start=row + 2):
        by_header = dict(zip(every, example, strict=False))
        for c, value in enumerate(by_header.get(h.name, "") for h in headers):
            if value not in ("", None):
                notes.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()
