"""The machinery every import shares: headers, problems, the plan a check produces, running a
file whole (or streamed to a writer process), the error report and the templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import Place
from audit import services as audit
from audit.context import Origin, current_origin
from shequ import xlsx
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
    # What a kind's checks work out once per import and keep, under a key of their own.
    memo: dict[Any, Any] = field(default_factory=dict)

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
    # Rows worth a second look that do not stop the import (possible duplicates).
    warnings: list[Problem] = field(default_factory=list)

    def warn(self, row: int, column: str, message: str) -> None:
        if len(self.warnings) < MAX_ERRORS_KEPT:
            self.warnings.append(Problem(row, column, message))

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
    can = hasattr(kind, "write_path") and can_stream()
    expected = xlsx.estimate_rows(data) if can else 0  # rows the file says it holds
    stream = can and expected >= settings.IMPORT_STREAM_ROWS
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

    writer = ProcessWriter(kind.write_path, kind.finish_path, (expected,))
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
