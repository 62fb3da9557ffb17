"""Residents, checked with the same rules as the registration form."""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import Place
from audit import services as audit
from audit.context import Origin, current_origin
from people import idnumber
from people.choices import ResidentStatus
from people.importing.base import CHUNK, Context, Header, Kind, Plan
from people.models import Resident
from people.phones import _MOBILE
from people.pinyin import initials
from people.services import ResidentData, _resident_rules, check_place, clean_resident
from shequ import crypto
from shequ.bulk import RowSink
from shequ.errors import DomainError

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
        positions: tuple[int, ...] | None = None
        for cells in rows:
            if not plan.total:  # every row shares the header row: its columns looked up once
                found = tuple(cells.position(header) for header in RESIDENT_COLUMNS.values())
                positions = None if None in found else found
            plan.total += 1
            row = cells.number
            try:
                values = self._values(cells, ctx, positions)
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

    def _values(self, cells, ctx, positions: tuple[int, ...] | None = None) -> dict:
        if positions is not None:
            values = _plain_row(cells.values, positions, ctx)
            if values is not None:
                return values
        return self._checked_values(cells, ctx)

    def _checked_values(self, cells, ctx) -> dict:
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

    def _flag_similar(self, pending, plan: Plan, numbers: list[str]) -> None:
        """New rows with the name and birth date of someone registered under another number:
        perhaps the same person with a mistyped number. Flagged, not refused."""
        names = list({values["name"] for _, values in pending})
        in_file = set(numbers)
        registered = {
            (name, birth)
            for name, birth, number in _registered_by_name(names)
            if number not in in_file
        }
        if not registered:
            return
        for row, values in pending:
            if (values["name"], values["birth_date"]) in registered:
                plan.warn(row, "姓名", _("已有同名且出生日期相同的居民，请确认身份证号码无误"))

    def _match(self, pending, plan: Plan, ctx: Context) -> None:
        if not pending:
            return
        numbers = [values["id_number"] for _, values in pending]
        self._flag_similar(pending, plan, numbers)
        # Hashed once, here: the look-up below and the writer's id_hash column use the same.
        hash_one = crypto.hasher()
        hashed = {number: hash_one(number) for number in numbers}
        known = registered_id_numbers(numbers, hashed=hashed)
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
                values.update(
                    status=ResidentStatus.PRESENT,
                    created_at=now,
                    updated_at=now,
                    id_hash=hashed[values["id_number"]],
                )
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
                current.set_initials()
                current.place_path = current.place.path
                plan.update.append(current)
            else:
                plan.unchanged += 1
        self._flush(plan)

    write_path = "people.importing.residents.resident_sink"
    finish_path = "people.importing.residents.finish_import"

    def commit(self, plan, ctx):
        write_residents(plan.create)
        Resident.objects.bulk_update(
            plan.update,
            [*RESIDENT_COLUMNS_UPDATABLE, *INITIALS, "place_path"],
            batch_size=1000,
        )


_QUICK_DEFAULTS = {"ethnicity": "汉族", "political_status": "群众", "hukou_type": "户籍"}


def _plain_row(cells: list, positions: tuple[int, ...], ctx: Context) -> dict | None:
    """A row checked the short way, when it is the usual kind: every cell text, the ID number
    18 plain characters, a birth date (if any) written as 2024-03-01, a mobile number (if any)
    as its 11 digits, every enumeration already one of its values. The same checks as
    clean_resident() and the same values it would give; None for any row that is not that
    simple or that fails a check, which the general path then checks and words the error for.
    About a third of the general path's time, over 100,000 rows (bench: import)."""
    if max(positions) >= len(cells):
        return None
    try:
        name, raw_id, sex, birth, grid, phone, *optional = [cells[i].strip() for i in positions]
    except AttributeError:  # a number, a date or an empty cell: not text
        return None
    if not birth and cells[positions[3]]:
        return None  # a birth date of blanks is an error the general path words
    if not name or len(name) > 50 or len(raw_id) != 18:
        return None
    parsed = idnumber.parse_plain(raw_id, ctx.today)
    if parsed is None:
        return None
    if (sex and sex != parsed.sex) or (birth and birth != parsed.birth_date.isoformat()):
        return None
    if phone and not (len(phone) == 11 and phone.isascii() and _MOBILE.match(phone)):
        return None
    # Per import, memos of what the rows share: a grid's name, the optional columns' values.
    places, extras = ctx.memo.setdefault(_plain_row, ({}, {}))
    place = places.get(grid)
    if place is None:
        try:
            place = ctx.grid(grid)
            check_place(place)
        except DomainError:
            return None
        places[grid] = place
    key = tuple(optional)
    rest = extras.get(key)
    if rest is None:
        rest = _plain_optional(optional)
        if rest is None:
            return None
        if len(extras) < 10_000:  # free text (work unit, notes) varies: the memo stays small
            extras[key] = rest
    return {
        "name": name,
        "id_number": parsed.number,
        "sex": parsed.sex,
        "birth_date": parsed.birth_date,
        "phone": phone,
        "place": place,
        **rest,
    }


def _plain_optional(optional: list[str]) -> dict | None:
    """The optional columns of a plain row, checked: their values, or None."""
    values = {}
    for value, (field, _label, choices, max_length) in zip(
        optional, _resident_rules(), strict=True
    ):
        value = value or _QUICK_DEFAULTS.get(field, "")
        if choices and value:
            value = choices.get(value)
            if value is None:
                return None
        elif len(value) > max_length:
            return None
        values[field] = value
    return values


RESIDENT_SENT = [
    "name", "id_number", "sex", "birth_date", "ethnicity", "education",
    "political_status", "marital_status", "phone", "hukou_type", "status", "work_unit",
    "notes", "place", "place_path", "created_at", "updated_at", "id_hash",
]  # fmt: skip
INITIALS = ["name_initials", "name_initials_alt"]
# Written beside the encrypted ID number and phone: what save() would fill (shequ/crypto.py);
# the checker sends the ID number's keyed hash, which it needed for its own look-up.
SEALED = ["id_tail", "phone_hash", "phone_tail"]
RESIDENT_INSERT = [*INITIALS, *RESIDENT_SENT, *SEALED, "version"]
_resident_row = operator.itemgetter(*RESIDENT_SENT)
_ID, _PHONE = RESIDENT_SENT.index("id_number"), RESIDENT_SENT.index("phone")
_CREATED, _UPDATED = RESIDENT_SENT.index("created_at"), RESIDENT_SENT.index("updated_at")


def _registered_by_name(names: list[str]) -> list[tuple]:
    """(name, birth date, ID number) of everyone registered under one of `names`."""
    found = _select_where_in(
        "SELECT name, birth_date, id_number FROM people_resident", "name", names
    )
    return [
        # SQLite hands dates back as text.
        (
            name,
            datetime.date.fromisoformat(birth) if isinstance(birth, str) else birth,
            crypto.decrypt(number),
        )
        for name, birth, number in found
    ]


def registered_id_numbers(numbers: list[str], *, hashed: dict[str, str] | None = None) -> list[str]:
    """Which of `numbers` are registered already, anywhere: one query per chunk of an import,
    through the keyed hashes (the numbers themselves are stored encrypted). `hashed` holds the
    numbers' hashes under the newest key when the caller has them already."""
    hashers = crypto.hashers()
    by_hash = {}
    if hashed is not None:
        by_hash = {digest: number for number, digest in hashed.items()}
        hashers = hashers[1:]  # the newest is hashers()[0]; older keys mid-rotation remain
    by_hash.update({hash_one(n): n for hash_one in hashers for n in numbers})
    found = _select_where_in("SELECT id_hash FROM people_resident", "id_hash", list(by_hash))
    return [by_hash[row[0]] for row in found]


def _select_where_in(select: str, column: str, values: list[str]) -> list[tuple]:
    """`select` for the rows whose `column` is one of `values`, in plain SQL: the ORM prepares
    each of a thousand parameters on its own, which cost an import of 100,000 rows a second."""
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # An array parameter: PostgreSQL plans it once, where IN (…) with a thousand
            # placeholders costs more to parse than to run.
            cursor.execute(f"{select} WHERE {column} = ANY(%s)", [values])
        else:
            cursor.execute(
                f"{select} WHERE {column} IN ({', '.join(['%s'] * len(values))})", values
            )
        return cursor.fetchall()


class ResidentSink:
    """Inserts checked residents, working out their pinyin initials, encrypting the ID number
    and phone and hashing the phone on the way (in the writer process when the import
    streams)."""

    def __init__(self, expected: int = 0) -> None:
        self._deferred = _defer_indexes(expected)  # CREATE INDEX statements for close()
        self._sink = RowSink(Resident, RESIDENT_INSERT)
        self._seal = crypto.batch_encryptor()
        self._hash = crypto.hasher()
        # SQLite is handed the text its adapter would make of each timestamp (once a chunk,
        # not twice a row); PostgreSQL's COPY takes the datetime itself.
        self._stamp_text = connection.vendor == "sqlite"

    def write(self, rows: list[tuple]) -> None:
        self._sink.write(self._sealed(rows))

    def _sealed(self, rows: list[tuple]) -> Iterator[tuple]:
        """Each checked row as the table holds it: initials, the ID number and phone encrypted,
        the phone's keyed hash, the last four of both (the sink bypasses the model)."""
        seal, hash_one = self._seal(2 * len(rows)), self._hash
        stamp_text, last, text = self._stamp_text, None, ""
        for row in rows:
            number, phone = row[_ID], row[_PHONE]
            values = list(row)
            values[_ID], values[_PHONE] = seal(number), seal(phone)
            if stamp_text:
                created, updated = row[_CREATED], row[_UPDATED]
                if created is not last:
                    last, text = created, created.isoformat(" ")
                values[_CREATED] = text
                values[_UPDATED] = text if updated is created else updated.isoformat(" ")
            yield (
                *initials(row[0]),
                *values,
                number[-4:],
                hash_one(phone),
                phone[-4:],
                0,  # the first version (edits compare it: shequ/locking.py)
            )

    def close(self) -> None:
        self._sink.close()
        _build_indexes(self._deferred)

    def abort(self) -> None:
        self._sink.abort()  # the rollback brings back any index dropped


def resident_sink(expected: int = 0) -> ResidentSink:
    return ResidentSink(expected)


def _defer_indexes(expected: int) -> list[str]:
    """On SQLite, when a streamed file of `expected` rows is at least as large as the table, the
    resident table's secondary indexes are dropped inside the import's transaction and built
    again, from their own CREATE statements, once every row is in (close()): sorting each
    column once costs less than inserting every row into seven B-trees (bench: import). The
    unique key on the ID number's hash stays, so a number registered meanwhile is still
    refused; a rollback restores the indexes with everything else. The writer holds SQLite's
    one write lock throughout anyway, and readers (the checker's look-ups among them) keep
    reading the committed table, indexes and all (WAL).

    Not on PostgreSQL: DROP INDEX locks the table against every reader until the commit, the
    checker's own look-ups included, which would wait for a writer that waits for them."""
    if connection.vendor != "sqlite" or expected <= 0:
        return []
    table = Resident._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (the model's own name)
        if cursor.fetchone()[0] > expected:
            return []
        # The unique constraint's index is SQLite's own (no CREATE statement): it stays.
        cursor.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in indexes]


def _build_indexes(statements: list[str]) -> None:
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def write_residents(rows: list[tuple]) -> None:
    sink = ResidentSink()
    try:
        sink.write(rows)
    except BaseException:
        # An open COPY must be cancelled before the transaction can roll back; left open, the
        # rollback waits for the rest of the COPY forever (found by tests/test_fault_injection.py).
        sink.abort()
        raise
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


def finish_import(payload: dict) -> None:
    """The last step of a streamed import, in the writer's transaction: changed rows and the
    audit row."""
    from accounts.models import User

    for code, updates in payload["updates"]:
        if code == "residents" and updates:
            Resident.objects.bulk_update(
                updates,
                [*RESIDENT_COLUMNS_UPDATABLE, *INITIALS, "place_path"],
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
