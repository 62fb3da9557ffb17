"""`make bench`: every benchmark, on SQLite and (when reachable) PostgreSQL, each figure a ratio
against a reference measured in the same run. Prints a table and writes bench/results.json.

Import (issue: registry): 100,000 residents from one .xlsx —
  * shequ's import (full validation, one transaction) vs django-import-export with its bulk
    options on the same file and database: target ≥ 3×;
  * vs merely parsing the file with the same reader (python-calamine): target ≥ 0.3;
  * peak memory of the import's two processes (checker + writer) added up: target ≤ 300 MB.
Lists (issue: registry): resident list, searches and filters at ~100,000 residents vs a trivial
page of the same server for the same logged-in user (the change-password page: session, menu,
layout, no records), p50 and p95 over repeated in-process requests: target ≤ 3×.
Summary (issue 8, issue 9): a sub-district of 8 demo communities with a year of rows (15,000
more work records each): the summary's and the statistics page's figures of the sub-district and
of one community, shequ with its rollup cells against DuckDB running the engine's raw queries on
an export of the same rows, in the same process: the sub-district's summary + statistics figures
≤ 1.0× DuckDB's time for them; the community's summary figures ≤ 0.1× DuckDB's time for the
sub-district's figures (issue 8's "a tenth of that"); every figure must be equal.
Work records (issue: records calendar): the record list (first page, filtered, page 200, one
day) and the month calendar at 100,000 records in a community worker's scope, against the same
trivial page for that user: target ≤ 3×.

Export (issue 9): the population ledger of that sub-district (~100,000 rows) downloaded as .xlsx
through the export page: peak memory of the process ≤ 300 MB, and its rows/s against writing the
same rows with xlsxwriter alone (rows read beforehand, untimed): target ≥ 0.5.

`python -m bench.run --only records` runs one group (repeatable) and merges its rows into
bench/results.json, keeping the other rows of the last run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
WORK = Path(tempfile.gettempdir())
# The settings every step runs with (bench/workers.py), and the served runs' server.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "shequ.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-" + "x" * 60,
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
    "SHEQU_HTTPS": "false",
    # Production settings want keys of their own for the values encrypted at rest: fixed ones
    # here, so every step's process reads what another wrote (a benchmark holds no real data).
    "SHEQU_DATA_KEYS": "bench:" + base64.b64encode(b"d" * 32).decode(),
    "SHEQU_HASH_KEYS": "bench:" + base64.b64encode(b"h" * 32).decode(),
}
# A prebuilt database (--database-url) was written with keys of its own: the environment's
# secret and keys, when set, are the ones the served run must use too (bench.workers takes the
# environment's first as well, so the sessions it makes and the values it reads agree).
OWN_KEYS = ("SECRET_KEY", "SHEQU_DATA_KEYS", "SHEQU_HASH_KEYS")
PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
GROUPS = ("import", "lists", "records", "summary", "export")


def step(database_url: str, *args: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SHEQU_DATA_DIR": str(WORK)}
    out = subprocess.run(
        [sys.executable, "-m", "bench.workers", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench step {args} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(figure, value, unit, reference, target, database, higher_is_better=True) -> dict:
    ratio = value / reference if reference else 0.0
    meets = ratio >= target if higher_is_better else ratio <= target
    return {"figure": figure, "value": round(value, 3), "unit": unit,
            "reference": round(reference, 3), "ratio": round(ratio, 3), "target": target,
            "meets_target": bool(meets), "database": database}  # fmt: skip


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def fresh_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def import_figures(database: str, url: str, workbook: Path) -> list[dict]:
    step(url, "setup")
    parsed = step(url, "parse", str(workbook))
    ours = step(url, "ours", str(workbook))
    step(url, "clear")
    reference = step(url, "reference", str(workbook))
    rows = ours["rows"]
    ours_rate = rows / ours["seconds"]
    memory = ours["peak_mb"] + ours["writer_peak_mb"]
    print(
        f"  [{database}] parse {parsed['seconds']:.2f}s · shequ {ours['seconds']:.2f}s "
        f"({ours['peak_mb']:.0f} + {ours['writer_peak_mb']:.0f} MB) · "
        f"django-import-export {reference['seconds']:.1f}s"
    )
    return [
        row("import 100k residents: shequ vs django-import-export (bulk)", ours_rate, "rows/s",
            rows / reference["seconds"], 3.0, database),
        row("import 100k residents: shequ vs parsing the file alone", ours_rate, "rows/s",
            parsed["rows"] / parsed["seconds"], 0.3, database),
        row("import 100k residents: peak memory, checker + writer (vs 300 MB)", memory, "MB",
            300.0, 1.0, database, higher_is_better=False),
    ]  # fmt: skip


def latency_figures(database: str, url: str, communities: int, samples: int) -> list[dict]:
    step(url, "setup")
    made = step(url, "population", str(communities))
    print(f"  [{database}] {made['residents']} residents built in {made['seconds']:.0f}s")
    return list_figures(database, url, samples, "subdistrict")


def district_figures(database: str, url: str, samples: int) -> list[dict]:
    """The lists group on a database built beforehand (`shequ demo --scale district`): nothing
    built, the district officer's view of every resident in it."""
    print(f"  [{database}] prebuilt database {_shown(url)}, as the district officer")
    return list_figures(database, url, samples, "district")


def _shown(url: str) -> str:
    """The database URL without its password, for the printed log."""
    scheme, sep, rest = url.partition("://")
    who, at, where = rest.rpartition("@")
    return f"{scheme}{sep}{who.split(':')[0]}{at}{where}" if at else url


def _scope(who: str, residents: int) -> str:
    """How a figure names the population it was measured on."""
    if who == "district":
        return f"{residents:,} residents (a prebuilt district, its district officer)"
    return f"{residents} residents"


def list_figures(database: str, url: str, samples: int, who: str) -> list[dict]:
    measured = step(url, "latency", str(samples), who)
    pages = measured["pages"]
    reference_name = next(iter(pages))
    reference = pages[reference_name]
    scope = _scope(who, measured["residents"])
    out = []
    for name, figures in pages.items():
        if name == reference_name or name.startswith("login page"):
            continue
        for quantile in ("p50", "p95"):
            out.append(row(f"{name} at {scope}, {quantile}",
                           figures[quantile], "ms", reference[quantile], 3.0, database,
                           higher_is_better=False))  # fmt: skip
    return out + served_figures(database, url, SERVED_CLIENTS, SERVED_ROUNDS, who)


SERVED_CLIENTS = 50
SERVED_ROUNDS = 6
SERVED_WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's own advice for sync workers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_figures(
    database: str, url: str, clients: int, rounds: int, who: str = "subdistrict"
) -> list[dict]:
    """The pages served by gunicorn to `clients` concurrent clients over loopback: p95 of each
    against the trivial page served the same way."""
    plan_file = WORK / f"plan-{database}.json"
    made = step(url, "serve_plan", str(clients), str(rounds), str(plan_file), who)
    port = _free_port()
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    plan_file.write_text(json.dumps({**plan, "port": port}), encoding="utf-8")
    own = {name: os.environ[name] for name in OWN_KEYS if os.environ.get(name)}
    env = {**os.environ, **SERVER_ENV, **own, "DATABASE_URL": url, "SHEQU_DATA_DIR": str(WORK)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shequ.wsgi", "--workers", str(SERVED_WORKERS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(300):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        load = subprocess.run(
            [sys.executable, "-m", "bench.load", str(plan_file)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=60)
    if load.returncode != 0:
        raise SystemExit(f"bench.load failed:\n{load.stdout}\n{load.stderr}")
    measured = json.loads(load.stdout.strip().splitlines()[-1])
    pages = measured["pages"]
    reference_name = next(iter(pages))
    reference = pages[reference_name]
    print(
        f"  [{database}] served by gunicorn ({SERVED_WORKERS} workers) to {clients} clients: "
        + "; ".join(f"{name} p95 {p['p95']:.0f} ms" for name, p in pages.items())
    )
    scope = _scope(who, made["residents"])
    return [
        row(f"served to {clients} concurrent clients: {name} at {scope}, "
            "p95", figures["p95"], "ms", reference["p95"], 3.0, database,
            higher_is_better=False)
        for name, figures in pages.items() if name != reference_name
    ]  # fmt: skip


def record_figures(database: str, url: str, records: int, samples: int) -> list[dict]:
    step(url, "setup")
    made = step(url, "records", str(records))
    print(f"  [{database}] {made['records']} work records built in {made['seconds']:.0f}s")
    measured = step(url, "record_latency", str(samples))
    pages = measured["pages"]
    reference_name = next(iter(pages))
    reference = pages[reference_name]
    out = []
    for name, figures in pages.items():
        if name == reference_name:
            continue
        for quantile in ("p50", "p95"):
            out.append(row(f"{name} at {measured['records']} work records, {quantile}",
                           figures[quantile], "ms", reference[quantile], 3.0, database,
                           higher_is_better=False))  # fmt: skip
    return out


def summary_figures(database: str, url: str, communities: int, records: int, repeat: int):
    step(url, "setup")
    made = step(url, "summary_data", str(communities), str(records))
    rows = made["made"]
    print(
        f"  [{database}] {communities} communities, {rows.get('residents', 0)} residents, "
        f"{rows['records']} work records, {rows.get('cases', 0)} cases, "
        f"{rows.get('inspections', 0)} inspections, {rows.get('assistance', 0)} aid payments "
        f"built in {made['seconds']:.0f}s; rollups rebuilt in {made['rebuild_seconds']:.1f}s "
        f"({made['cells']} cells)"
    )
    measured = step(url, "summary_measure", str(repeat))
    sd, c = measured["subdistrict"], measured["community"]
    print(
        f"  [{database}] exported {measured['exported_rows']} rows to DuckDB in "
        f"{measured['export_seconds']:.1f}s; sub-district (summary + statistics): shequ "
        f"{sd['shequ'] * 1000:.1f} ms (without rollups {sd['shequ_raw'] * 1000:.0f} ms), "
        f"DuckDB {sd['duckdb'] * 1000:.1f} ms ({sd['queries']} queries); community summary: "
        f"shequ {c['shequ'] * 1000:.1f} ms (without rollups {c['shequ_raw'] * 1000:.0f} ms) vs "
        f"a tenth of DuckDB's sub-district {c['duckdb_subdistrict'] * 100:.1f} ms; community "
        f"summary + statistics: shequ {c['shequ_all'] * 1000:.1f} ms, DuckDB "
        f"{c['duckdb_all'] * 1000:.1f} ms; {sd['figures']} figures each, equal to DuckDB's"
    )
    size = f"{communities} communities, {rows['records']} work records"
    return [
        row(f"summary + statistics figures of a sub-district ({size}): shequ vs DuckDB",
            sd["shequ"] * 1000, "ms", sd["duckdb"] * 1000, 1.0, database,
            higher_is_better=False),
        row(f"summary figures of a community ({size}): shequ vs DuckDB's time for the "
            "sub-district's figures", c["shequ"] * 1000, "ms", c["duckdb_subdistrict"] * 1000,
            0.1, database, higher_is_better=False),
    ]  # fmt: skip


def export_figures(database: str, url: str, communities: int) -> list[dict]:
    step(url, "setup")
    made = step(url, "population", str(communities))
    print(f"  [{database}] {made['residents']} residents built in {made['seconds']:.0f}s")
    ours = step(url, "export_ours", str(WORK / f"export-{database}.xlsx"))
    step(url, "export_check", str(WORK / f"export-{database}.xlsx"), str(ours["rows"]))
    reference = step(url, "export_reference", str(WORK / f"reference-{database}.xlsx"))
    rows = ours["rows"]
    print(
        f"  [{database}] ledger export of {rows} rows: shequ {ours['seconds']:.1f}s "
        f"({ours['bytes'] / 1e6:.1f} MB, peak {ours['peak_mb']:.0f} MB) · xlsxwriter alone "
        f"{reference['seconds']:.1f}s (peak {reference['peak_mb']:.0f} MB, rows held in memory)"
    )
    return [
        row(f"ledger export, {rows} rows: shequ vs xlsxwriter alone", rows / ours["seconds"],
            "rows/s", reference["rows"] / reference["seconds"], 0.5, database),
        row(f"ledger export, {rows} rows: peak memory (vs 300 MB)", ours["peak_mb"], "MB",
            300.0, 1.0, database, higher_is_better=False),
    ]  # fmt: skip


def built_figures(groups: list[str], measures: dict, work: Path, no_postgres: bool) -> list[dict]:
    """Each group on a database of its own built for it: a SQLite file, then a fresh PostgreSQL
    database when the server is reachable."""
    results = []
    for group in groups:
        results += measures[group]("sqlite", f"sqlite:///{work / (group + '.sqlite3')}")
    if not no_postgres and postgres_available():
        for group in groups:
            url = fresh_postgres(f"shequ_bench_{group}")
            try:
                results += measures[group]("postgresql", url)
            finally:
                drop_postgres(f"shequ_bench_{group}")
    elif not no_postgres:
        print("  PostgreSQL not reachable: its figures are missing from this run")
    return results


def merged(results: list[dict]) -> list[dict]:
    """The rows of this run in place of the same figures of the last one; the last run's other
    figures kept as they were (a partial run re-measures only what it ran)."""
    fresh = {(r["figure"], r["database"]) for r in results}
    kept = []
    if RESULTS.exists():
        old = json.loads(RESULTS.read_text(encoding="utf-8"))
        kept = [r for r in old if (r["figure"], r["database"]) not in fresh]
    return kept + results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--communities", type=int, default=34, help="~3,000 residents each")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--records", type=int, default=100_000, help="work records in scope")
    parser.add_argument("--summary-communities", type=int, default=8)
    parser.add_argument(
        "--summary-records", type=int, default=15_000, help="more work records per community"
    )
    parser.add_argument("--summary-repeat", type=int, default=7)
    parser.add_argument(
        "--only",
        action="append",
        choices=GROUPS,
        help="run only these groups (repeatable); their rows replace the same rows of "
        "bench/results.json and the others stay",
    )
    parser.add_argument(
        "--database-url",
        help="run the lists group (in-process and served) on this existing database, e.g. the "
        "district `shequ demo --scale district` built, as its district officer, instead of "
        "building 100,000 residents; the database's own SECRET_KEY, SHEQU_DATA_KEYS and "
        "SHEQU_HASH_KEYS from the environment; adds a bench account and sessions to it",
    )
    args = parser.parse_args()
    groups = args.only or list(GROUPS)
    if args.database_url and groups != ["lists"]:
        parser.error("--database-url measures the lists group alone: add --only lists")
    global WORK
    work = WORK = Path(tempfile.mkdtemp(prefix="shequ-bench-"))
    results: list[dict] = []
    try:
        workbook = work / f"residents-{args.rows}.xlsx"
        if "import" in groups:
            step(f"sqlite:///{work / 'file.sqlite3'}", "make_file", str(workbook), str(args.rows))
            print(f"workbook: {args.rows} rows, {workbook.stat().st_size / 1e6:.1f} MB")
        measures = {
            "import": lambda db, url: import_figures(db, url, workbook),
            "lists": lambda db, url: latency_figures(db, url, args.communities, args.samples),
            "records": lambda db, url: record_figures(db, url, args.records, args.samples),
            "summary": lambda db, url: summary_figures(
                db, url, args.summary_communities, args.summary_records, args.summary_repeat
            ),
            "export": lambda db, url: export_figures(db, url, args.communities),
        }
        if args.database_url:
            url = args.database_url
            database = "postgresql" if url.startswith(("postgres:", "postgresql:")) else "sqlite"
            results += district_figures(database, url, args.samples)
        else:
            results += built_figures(groups, measures, work, args.no_postgres)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    written = merged(results) if args.only else results
    RESULTS.write_text(json.dumps(written, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    width = max(len(r["figure"]) for r in results)
    print(f"\n{'figure'.ljust(width)}  database    value      reference  ratio   target  ok")
    for r in results:
        print(
            f"{r['figure'].ljust(width)}  {r['database']:<10}  {r['value']:<9}  "
            f"{r['reference']:<9}  {r['ratio']:<6}  {r['target']:<6}  "
            f"{'yes' if r['meets_target'] else 'NO'}"
        )
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
