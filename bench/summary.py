"""The summary benchmark (issue 8, issue 9 §2): a sub-district's and a community's figures —
the year-end summary's evaluation and the statistics page's two (this year to date, the same
days a year before) — computed by shequ with its rollup cells, against DuckDB computing the
same figures from an export of the same rows, in the same process.

DuckDB runs the very queries shequ's engine runs without rollups (captured as they reach the
database, rewritten only where SQLite's dialect differs), over typed copies of the tables they
read: the same figures, computed by a columnar engine scanning the raw rows. Its answers are
compared with shequ's, indicator by indicator, so a fast wrong answer fails.

Run by bench.workers (Django is set up there)."""

from __future__ import annotations

import csv
import datetime
import random
import re
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

SUBDISTRICT = "420199001000"
FIRST = "420199001001"  # bench.workers.COMMUNITY: made by setup() with its worker


def build(communities: int, per_community: int) -> dict:
    """`communities` communities of the demo (residents, households, groups, a year of work
    records, cases, inspections and programs) and `per_community` more work records each over
    the last 365 days in the demo's mix, so the records weigh as issue 9's district does
    (~5 a resident a year). Deterministic: fixed seeds; dates relative to today as the demo's."""
    from accounts.models import User
    from accounts.roles import Role
    from areas import services as areas
    from areas.models import Place
    from cases import demo as cases_demo
    from inspections import builtin as inspections_builtin
    from inspections import demo as inspections_demo
    from inspections.models import Checklist, ChecklistItem, ChecklistVersion
    from ledger import builtin as ledger_builtin
    from ledger import demo as ledger_demo
    from ledger.models import QuantityKind, Topic
    from people import builtin_groups
    from people import demo as people_demo
    from people.models import GroupAttribute, GroupCategory
    from programs import demo as programs_demo
    from shequ.signals import rows_written

    builtin_groups.ensure(GroupCategory, GroupAttribute)
    ledger_builtin.ensure(Topic, QuantityKind)
    inspections_builtin.ensure(Checklist, ChecklistVersion, ChecklistItem, now=timezone.now())
    subdistrict = Place.objects.get(code=SUBDISTRICT)
    places = [Place.objects.get(code=FIRST)]
    for n in range(2, communities + 1):
        community = areas.create_place(
            kind="community",
            name=f"测试{n}社区",
            code=f"420199001{n:03d}",
            parent=subdistrict,
            by=None,
        )
        for g in (1, 2, 3):
            areas.create_place(kind="grid", name=f"第{g}网格", parent=community, by=None)
        worker = User(
            username=f"bench{n}", name=f"社工{n}", role=Role.COMMUNITY_WORKER, place=community
        )
        worker.set_password("Bench-pass-2026")
        worker.save()
        places.append(community)
    ids = people_demo.IdSource()
    checklists = inspections_demo.versions()
    made: dict[str, int] = {}
    for community in places:
        seed = community.code
        for part, rows in (
            ("people", lambda c, s: people_demo.populate(c, random.Random(s), ids)),
            ("records", lambda c, s: ledger_demo.populate(c, random.Random(s))),
            ("cases", lambda c, s: cases_demo.populate(c, random.Random(s))),
            ("inspections",
             lambda c, s: inspections_demo.populate(c, random.Random(s), checklists)),
            ("programs", lambda c, s: programs_demo.populate(c, random.Random(s))),
        ):  # fmt: skip
            with transaction.atomic():
                for key, n in rows(community, f"{seed}-{part}").items():
                    made[key] = made.get(key, 0) + n
        with transaction.atomic():
            made["records"] += _more_records(community, per_community, random.Random(seed))
    rows_written.send(None)  # written in bulk: no rollup is trusted until rebuilt
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made


def _more_records(community, count: int, rng: random.Random) -> int:
    """`count` work records over the last 365 days at the community and its grids, with their
    topics, quantities and named participants in the demo's proportions, in bulk."""
    from ledger import demo as ledger_demo
    from people.models import Resident

    residents = list(
        Resident.objects.filter(place_path__under=community.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    places = [community, *community.children.order_by("code")]
    return ledger_demo.bulk_records(
        rng, places, count, end=timezone.localdate(), days=365, residents=residents
    )["records"]


def rebuild() -> tuple[float, int]:
    """`shequ rollup rebuild --place <the sub-district>` for every year with rows."""
    from areas.models import Place
    from reports import rollups

    subdistrict = Place.objects.get(code=SUBDISTRICT)
    start = time.perf_counter()
    cells = sum(rollups.rebuild(subdistrict, y).cells for y in rollups.years_with_rows(subdistrict))
    return time.perf_counter() - start, cells


# --- What is timed --------------------------------------------------------------------------


def _evaluations(place, *, rollups: bool, summary_only: bool = False):
    """The summary's evaluation and the statistics page's two, as the pages make them (every
    indicator: a reader with every right); with `summary_only`, the summary's alone."""
    from people.ledgers import Span
    from reports.catalogue import INDICATORS
    from reports.engine import evaluate
    from reports.summary import summary_span
    from reports.views import year_before

    span: Span = summary_span(timezone.localdate().year)
    summary = evaluate(INDICATORS, place, span, breakdown=False, rows=True, rollups=rollups)
    if summary_only:
        return [summary]
    return [
        summary,
        evaluate(INDICATORS, place, span, breakdown=False, rollups=rollups),
        evaluate(INDICATORS, place, year_before(span), breakdown=False, rollups=rollups),
    ]


def _timed(fns: dict, repeat: int) -> dict[str, float]:
    """The median time of each function, run in turn `repeat` times (interleaved, so a busy
    spell of a shared machine falls on all of them alike), after one warm-up run each."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()  # warm: the first run pays for imports and the database's page cache
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


# --- DuckDB ---------------------------------------------------------------------------------

_TYPES = {
    "AutoField": "BIGINT",
    "BigAutoField": "BIGINT",
    "BigIntegerField": "BIGINT",
    "IntegerField": "BIGINT",
    "PositiveIntegerField": "BIGINT",
    "PositiveSmallIntegerField": "BIGINT",
    "SmallIntegerField": "BIGINT",
    "ForeignKey": "BIGINT",
    "OneToOneField": "BIGINT",
    "BooleanField": "BOOLEAN",
    "DateField": "DATE",
    "DateTimeField": "TIMESTAMP",
    "DecimalField": "DECIMAL(18, 2)",
    "FloatField": "DOUBLE",
}


def _tables(calls) -> set[str]:
    found = set()
    for sql, _params in calls:
        found.update(re.findall(r'(?:FROM|JOIN) "(\w+)"', sql))
    return found


def export(calls, folder: Path):
    """A DuckDB database holding typed copies of the tables the queries read (every column
    they may name), loaded from CSV files written from the database under test."""
    import duckdb

    models = {m._meta.db_table: m for m in apps.get_models()}
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai", "the macro below assumes UTC+8"
    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")  # SQLite keeps moments in UTC
    for macro in _MACROS:
        duck.execute(macro)
    rows = 0
    for table in sorted(_tables(calls)):
        fields = list(models[table]._meta.concrete_fields)
        columns = [f.column for f in fields]
        kinds = [_TYPES.get(f.get_internal_type(), "VARCHAR") for f in fields]
        path = folder / f"{table}.csv"
        with connection.cursor() as cursor, path.open("w", newline="", encoding="utf-8") as out:
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {names} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            writer = csv.writer(out)
            for row in cursor:
                writer.writerow(_csv_cell(v, k) for v, k in zip(row, kinds, strict=True))
                rows += 1
        duck.execute(
            f'CREATE TABLE "{table}" ('
            + ", ".join(f'"{c}" {k}' for c, k in zip(columns, kinds, strict=True))
            + ")"
        )
        duck.execute(f"COPY \"{table}\" FROM '{path}' (HEADER false, NULLSTR '\\N')")
    return duck, rows


def _csv_cell(value, kind: str):
    if value is None:
        return "\\N"
    if kind == "BOOLEAN":
        return "true" if value in (1, True, "1") else "false"
    if kind == "TIMESTAMP" and isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    return value


# SQLite's dialect as Django writes it, in DuckDB's: placeholders, SQLite's STRFTIME('now'),
# the unary + that keeps SQLite off an index (reports.engine.Unindexed), and the one function
# Django registers on SQLite connections that the figures use (a moment's local date:
# Asia/Shanghai keeps no daylight saving, so it is 8 hours ahead of UTC).
_MACROS = [
    "CREATE MACRO django_datetime_cast_date(dt, tz, conn_tz) AS "
    "CAST(CAST(dt AS TIMESTAMP) + INTERVAL 8 HOUR AS DATE)",
    # PostgreSQL's dialect is DuckDB's own but for this name of now().
    "CREATE MACRO statement_timestamp() AS now()",
]


def duck_sql(sql: str) -> str:
    sql = sql.replace("STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'NOW')", "CAST(now() AS TIMESTAMP)")
    sql = re.sub(r'(?<=[(\s])\+(?=")', "", sql)  # reports.engine.Unindexed: SQLite only
    return sql.replace("%s", "?").replace("%%", "%")


def duck_figures(duck, calls) -> list[dict]:
    """Each query's answer as {column: value}."""
    answers = []
    for sql, params in calls:
        cursor = duck.execute(duck_sql(sql), params)
        names = [d[0] for d in cursor.description]
        answers.extend(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    return answers


def _figures_of(evaluations) -> dict:
    out = {}
    for n, figures in enumerate(evaluations):
        out |= {(n, k): v for k, v in figures.totals.items()}
        out |= {(n, f"{k}.rows"): v for k, v in figures.rows.items()}
    return out


def _same(ours: dict, theirs: dict) -> list[str]:
    """Every figure that differs (DuckDB gives sums of decimals as floats or decimals)."""
    wrong = []
    for key, value in ours.items():
        n, name = key
        if key not in theirs and name.endswith(".rows"):
            key = (n, name.removesuffix(".rows"))  # a count's records are what it counts
        other = theirs.get(key, 0) or 0
        if Decimal(str(value)).quantize(Decimal("0.01")) != Decimal(str(other)).quantize(
            Decimal("0.01")
        ):
            wrong.append(f"{key}: shequ {value}, DuckDB {other}")
    return wrong


def _duck_totals(duck, calls_by_evaluation) -> dict:
    """DuckDB's figures, keyed as shequ's: each evaluation's queries give one row each
    (no break-down), whose columns are the indicator ids and their record counts."""
    out = {}
    for n, calls in enumerate(calls_by_evaluation):
        for answer in duck_figures(duck, calls):
            out |= {(n, k): v for k, v in answer.items()}
    return out


def measure(repeat: int) -> dict:
    """The two rows of issue 8's target, each timed interleaved with its reference:

    - sub-district: its summary's and statistics page's figures (the three evaluations) by
      shequ, against DuckDB running the same three evaluations' queries;
    - community: its summary's figures alone (the first evaluation) by shequ, against a tenth
      of DuckDB's time for the sub-district's figures (the reference above, timed again here
      beside it). DuckDB's time for the community's own three evaluations is kept for the
      record.

    Every figure of both places (all three evaluations) must equal DuckDB's."""
    from areas.models import Place

    subdistrict = Place.objects.get(code=SUBDISTRICT)
    community = Place.objects.get(code=FIRST)
    calls = {p.code: _per_evaluation(p) for p in (subdistrict, community)}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        duck, exported = export(
            [c for per in calls.values() for run in per for c in run], Path(folder)
        )
        export_seconds = time.perf_counter() - start
    out = {"exported_rows": exported, "export_seconds": export_seconds}
    for name, place in (("subdistrict", subdistrict), ("community", community)):
        ours = _figures_of(_evaluations(place, rollups=True))
        wrong = _same(ours, _duck_totals(duck, calls[place.code]))
        if wrong:
            raise SystemExit(f"{name}: DuckDB and shequ disagree:\n" + "\n".join(wrong[:20]))
        out[name] = {"figures": len(ours), "queries": sum(len(x) for x in calls[place.code])}
    sd_calls, c_calls = calls[subdistrict.code], calls[community.code]
    out["subdistrict"] |= _timed(
        {
            "shequ": lambda: _evaluations(subdistrict, rollups=True),
            "duckdb": lambda: [duck_figures(duck, x) for x in sd_calls],
        },
        repeat,
    )
    out["subdistrict"] |= _timed({"shequ_raw": lambda: _evaluations(subdistrict, rollups=False)}, 3)
    out["community"] |= _timed(
        {
            "shequ": lambda: _evaluations(community, rollups=True, summary_only=True),
            "duckdb_subdistrict": lambda: [duck_figures(duck, x) for x in sd_calls],
            "shequ_all": lambda: _evaluations(community, rollups=True),
            "duckdb_all": lambda: [duck_figures(duck, x) for x in c_calls],
        },
        repeat,
    )
    out["community"] |= _timed(
        {"shequ_raw": lambda: _evaluations(community, rollups=False, summary_only=True)}, 3
    )
    return out


def _per_evaluation(place) -> list[list]:
    """The raw queries of each of the three evaluations, captured one evaluation at a time."""
    from people.ledgers import Span
    from reports.catalogue import INDICATORS
    from reports.engine import evaluate
    from reports.summary import summary_span
    from reports.views import year_before

    span: Span = summary_span(timezone.localdate().year)
    runs = [
        lambda: evaluate(INDICATORS, place, span, breakdown=False, rows=True, rollups=False),
        lambda: evaluate(INDICATORS, place, span, breakdown=False, rollups=False),
        lambda: evaluate(INDICATORS, place, year_before(span), breakdown=False, rollups=False),
    ]
    out = []
    for run in runs:
        calls: list[tuple[str, list]] = []

        def keep(execute, sql, params, many, context, calls=calls):
            calls.append((sql, list(params or ())))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            run()
        out.append(calls)
    return out
