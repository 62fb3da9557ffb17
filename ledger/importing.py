"""Importing the activity spreadsheets (活动台账) a community already keeps: one row per work
record, checked with the quick-entry form's rules (`services.check_record`) and run by the
registry's import machinery (`people.importing`): the whole file checked first, written in one
transaction with one audit row, or not at all. A record with the same place, date, kind and
title as one already registered is taken as that record, so importing a file twice adds
nothing."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.kinds import PlaceKind
from ledger.models import Quantity, QuantityKind, Topic, WorkRecord
from ledger.services import MAX_AMOUNT, MAX_HEAD_COUNT, RecordData, check_record
from people.importing import CHUNK, Context, Header, Kind, Plan
from people.models import Staff
from shequ.errors import DomainError
from shequ.signals import rows_written

# The column each field of RecordData is read from, for the messages of check_record.
COLUMNS = {
    "kind": "类型",
    "topics": "工作领域",
    "title": "标题",
    "date": "日期",
    "start_time": "开始时间",
    "end_time": "结束时间",
    "place": "所属社区/网格",
    "venue": "地点",
    "organiser": "组织者",
    "co_organisers": "协办单位",
    "head_count": "参与人次",
    "notes": "内容摘要",
}
TOPIC_SEPARATORS = re.compile(r"[、，,；;]")
TIME = re.compile(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?")
INTEGER = re.compile(r"[+-]?\d+")
LENGTHS = {"标题": 100, "地点": 100, "协办单位": 200}
# Compared to tell a row that repeats a registered record from one that says something else.
COMPARED = ["start_time", "end_time", "venue", "co_organisers", "head_count", "notes"]


class RecordsImport(Kind):
    code = "records"
    label = gettext_lazy("工作记录")
    notes = [
        gettext_lazy(
            "同一区划、同一天、同类型、同标题的记录已登记的，该行视为已有记录，不会重复导入，"
            "也不会修改原记录（内容不同时检查结果中会提示）。"
        ),
        gettext_lazy(
            "数量列按数量项目目录生成，不涉及的留空；参与人员名单请导入后在记录页面添加。"
        ),
    ]

    @property
    def headers(self) -> list[Header]:  # the topics and quantity columns come from the catalogue
        topics = "、".join(Topic.objects.filter(active=True).values_list("name", flat=True))
        return [
            Header("类型", True, "、".join(WorkRecord.Kind.values)),
            Header("工作领域", True, _("可填多个，用“、”或逗号分隔：%(t)s") % {"t": topics}),
            Header("标题", True, _("不超过100个字")),
            Header("日期", True, _("如：2025-03-01；不早于2000年，不晚于一年以后")),
            Header("开始时间", note=_("如：09:30；可留空")),
            Header("结束时间", note=_("不早于开始时间；可留空")),
            Header("所属社区/网格", note=_("网格名称或代码；留空为导入时所选区划")),
            Header("地点"),
            Header("组织者", note=_("本社区工作者的姓名；可留空")),
            Header("协办单位"),
            Header("参与人次", note=_("0到100000的整数；可留空")),
            Header("内容摘要"),
            *[
                Header(str(kind), note=_("不小于0的数字；可留空"))
                for kind in QuantityKind.objects.filter(active=True)
            ],
        ]

    def example(self):
        example = {
            "类型": "宣传",
            "工作领域": "法治、综治平安",
            "标题": "全民国家安全教育日法治宣传",
            "日期": "2025-04-15",
            "开始时间": "09:00",
            "结束时间": "11:30",
            "地点": "社区文化广场",
            "组织者": "王芳",
            "协办单位": "辖区派出所",
            "参与人次": 120,
            "内容摘要": "设点发放宣传资料，现场解答居民咨询",
            "宣传资料（份）": 300,
            "横幅（条）": 2,
        }
        return [[example.get(h.name, "") for h in self.headers]]

    def check(self, rows, ctx):
        plan = Plan()
        catalogue = _Catalogue(ctx)
        seen: dict[tuple, int] = {}
        checked: list[tuple[int, RecordData]] = []
        for cells in rows:
            plan.total += 1
            row = cells.number
            try:
                data = self._data(cells, ctx, catalogue)
                check_record(data, ctx.user)
            except DomainError as exc:
                plan.problem(row, catalogue.column(exc.field), exc.message)
                continue
            key = _key(data)
            if key in seen:
                plan.problem(
                    row,
                    "标题",
                    _("与第%(row)d行重复（同一区划、日期、类型和标题）") % {"row": seen[key]},
                )
                continue
            seen[key] = row
            checked.append((row, data))
        registered = _registered(checked, ctx)
        for row, data in checked:
            record = registered.get(_key(data))
            if record is None:
                plan.create.append(data)
                continue
            plan.unchanged += 1
            if _differs(record, data):
                plan.warn(
                    row,
                    "标题",
                    _(
                        "已有同一区划、日期、类型和标题的记录而内容不同：本行不导入，如需修改请到该记录页面修改"
                    ),
                )
        ctx.progress(plan.total)
        return plan

    def _data(self, cells, ctx: Context, catalogue: _Catalogue) -> RecordData:
        get = cells.text

        kind = get("类型")
        if kind not in WorkRecord.Kind.values:
            raise DomainError(
                _("类型应为：%(c)s") % {"c": "、".join(WorkRecord.Kind.values)}, field="类型"
            )
        topics = catalogue.topics(get("工作领域"))
        for column, longest in LENGTHS.items():
            if len(get(column)) > longest:
                raise DomainError(_("不能超过%(n)d个字") % {"n": longest}, field=column)
        try:
            date = cells.date("日期")
        except DomainError as exc:
            raise DomainError(exc.message, field="日期") from None
        if date is None:
            raise DomainError(_("请填写日期"), field="日期")
        try:
            place = ctx.grid(get("所属社区/网格"))
        except DomainError as exc:
            raise DomainError(exc.message, field="所属社区/网格") from None
        return RecordData(
            kind=kind,
            title=get("标题"),
            date=date,
            place=place,
            topics=topics,
            start_time=_time(cells.value("开始时间"), "开始时间"),
            end_time=_time(cells.value("结束时间"), "结束时间"),
            venue=get("地点"),
            organiser=catalogue.organiser(get("组织者"), date),
            co_organisers=get("协办单位"),
            head_count=_head_count(get("参与人次")),
            notes=get("内容摘要"),
            quantities={item: _amount(get(name), name) for name, item in catalogue.items.items()},
        )

    def commit(self, plan, ctx):
        records = [
            WorkRecord(
                **{name: getattr(data, name) for name in COLUMNS if name != "topics"},
                place_path=data.place.path,
                created_by=ctx.user,
            )
            for data in plan.create
        ]
        WorkRecord.objects.bulk_create(records, batch_size=1000)
        Tagged = WorkRecord.topics.through
        Tagged.objects.bulk_create(
            (
                Tagged(workrecord=record, topic=topic)
                for record, data in zip(records, plan.create, strict=True)
                for topic in data.topics
            ),
            batch_size=2000,
        )
        Quantity.objects.bulk_create(
            (
                Quantity(record=record, kind=kind, amount=amount)
                for record, data in zip(records, plan.create, strict=True)
                for kind, amount in data.quantities.items()
                if amount  # zero or blank: not counted, as on the form
            ),
            batch_size=2000,
        )
        # Past save(): whoever keeps figures derived from the rows hears of them.
        rows_written.send(WorkRecord, pks=[record.pk for record in records])


class _Catalogue:
    """What the rows name, looked up once per file: topics, quantity items, the community's
    staff."""

    def __init__(self, ctx: Context) -> None:
        self.topic_names = {t.name: t for t in Topic.objects.filter(active=True)}
        self.items = {str(k): k for k in QuantityKind.objects.filter(active=True)}
        self._item_columns = {f"q_{k.pk}": name for name, k in self.items.items()}
        place = ctx.place
        community = place if place.kind == PlaceKind.COMMUNITY else place.parent
        self.staff: dict[str, list[Staff]] = {}
        for person in Staff.objects.filter(place_path__under=community.path).order_by("pk"):
            self.staff.setdefault(person.name, []).append(person)

    def column(self, field: str | None) -> str:
        if not field:
            return ""
        return COLUMNS.get(field) or self._item_columns.get(field) or field

    def topics(self, text: str) -> list[Topic]:
        names = [n.strip() for n in TOPIC_SEPARATORS.split(text) if n.strip()]
        if not names:
            raise DomainError(_("请填写工作领域"), field="工作领域")
        unknown = [n for n in names if n not in self.topic_names]
        if unknown:
            raise DomainError(
                _("没有名为“%(t)s”的工作领域（可填：%(c)s）")
                % {"t": "、".join(unknown), "c": "、".join(self.topic_names)},
                field="工作领域",
            )
        return [self.topic_names[n] for n in dict.fromkeys(names)]

    def organiser(self, name: str, day: datetime.date) -> Staff | None:
        if not name:
            return None
        found = self.staff.get(name, [])
        if len(found) > 1:  # namesakes: the one in post that day
            found = [
                s
                for s in found
                if s.start_date <= day and (s.end_date is None or s.end_date >= day)
            ]
        if not found:
            raise DomainError(_("本社区没有名为“%(n)s”的社区工作者") % {"n": name}, field="组织者")
        if len(found) > 1:
            raise DomainError(
                _("本社区有多位名为“%(n)s”的社区工作者，无法区分") % {"n": name}, field="组织者"
            )
        return found[0]


def _key(data: RecordData) -> tuple:
    return (data.place.pk, data.date, data.kind, data.title)


def _registered(checked: list[tuple[int, RecordData]], ctx: Context) -> dict[tuple, WorkRecord]:
    """The records already registered under the keys of the checked rows, with their topics
    and quantities: one query for the keys in the file's dates, then a few per thousand found."""
    if not checked:
        return {}
    days = [data.date for _, data in checked]
    keys = {_key(data) for _, data in checked}
    in_dates = WorkRecord.objects.filter(
        place_path__under=ctx.place.path, date__range=(min(days), max(days))
    ).values_list("pk", "place_id", "date", "kind", "title")
    matched = [pk for pk, *key in in_dates if tuple(key) in keys]
    found = {}
    for start in range(0, len(matched), CHUNK):
        chunk = matched[start : start + CHUNK]
        for record in WorkRecord.objects.filter(pk__in=chunk).prefetch_related(
            "topics", "quantities"
        ):
            found[(record.place_id, record.date, record.kind, record.title)] = record
    return found


def _differs(record: WorkRecord, data: RecordData) -> bool:
    organiser = data.organiser.pk if data.organiser is not None else None
    if record.organiser_id != organiser:
        return True
    if any(getattr(record, name) != getattr(data, name) for name in COMPARED):
        return True
    if {t.pk for t in record.topics.all()} != {t.pk for t in data.topics}:
        return True
    amounts = {q.kind_id: q.amount for q in record.quantities.all()}
    return amounts != {k.pk: a for k, a in data.quantities.items() if a}


def _time(value, column: str) -> datetime.time | None:
    """A real Excel time, or text like 09:30, 9:30 or 09:30:00."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.time()
    if isinstance(value, datetime.time):
        return value
    raw = str(value).strip()
    match = TIME.fullmatch(raw)
    if match:
        try:
            return datetime.time(*(int(part or 0) for part in match.groups()))
        except ValueError:
            pass  # reported below, in the same words as any other bad time
    raise DomainError(_("“%(raw)s”不是时间，请写成09:30") % {"raw": raw}, field=column)


def _head_count(text: str) -> int | None:
    if not text:
        return None
    # A number of more digits than any count has is refused before int() reads it: past 4300
    # digits int() itself refuses, with an error that is not the worker's to read.
    if not INTEGER.fullmatch(text) or len(text) > 12:
        raise DomainError(
            _("参与人次应为0到%(n)d之间的整数，不能是“%(v)s”") % {"n": MAX_HEAD_COUNT, "v": text},
            field="参与人次",
        )
    return int(text)


def _amount(text: str, column: str) -> Decimal | None:
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise DomainError(
            _("“%(c)s”应为数字，不能是“%(v)s”") % {"c": column, "v": text}, field=column
        )
    if amount < 0:
        return amount  # refused by check_record, in the words a form gets; not rounded here
    if amount > MAX_AMOUNT:
        # Checked before rounding: a number past the decimal context (1E30) cannot be rounded.
        raise DomainError(
            _("“%(c)s”不能超过%(max)s") % {"c": column, "max": MAX_AMOUNT}, field=column
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("“%(c)s”最多两位小数") % {"c": column}, field=column)
    return amount
