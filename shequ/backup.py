"""The whole database in one portable file (`shequ backup`), and back into an empty database
(`shequ restore`).

The file is a zip holding `manifest.json` and one JSON-lines file per table under `tables/`.
Each line is one row: its columns in the order the manifest lists them, rows in primary-key
order, every value in a form that does not depend on the database (datetimes in UTC ISO form,
decimals with their field's places, JSON with its keys sorted). A table's checksum is the
SHA-256 of exactly those lines, so the same rows give the same checksum on SQLite and on
PostgreSQL: a file made on one restores on the other, and the checksums prove it did.

The manifest names the format, the migrations applied to the database it came from (a restore
needs the same), and per table its columns, row count and checksum. The checksums catch a
damaged or truncated file; they do not stop someone who rewrites a table and its checksum
together (keep the file where only the operators can reach it: docs/security.md).

Restoring writes only INSERTs, in one transaction, into a database that holds nothing but what
`migrate` put there. The audit log's rows come back with their seals (chain number and hashes)
exactly as they were, so the database's append-only triggers, which refuse UPDATE and DELETE,
have nothing to refuse and stay on; the chain head comes back with them, and the restore's own
audit row is sealed after it like any other."""

from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import hashlib
import io
import json
import os
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import chain
from audit import services as audit
from shequ import crypto
from shequ.errors import DomainError

FORMAT = "shequ-backup/1"
MANIFEST = "manifest.json"
BATCH = 1000
# Not data: logins in progress. A copy of their keys would let whoever holds the file take
# them over, and a restored database starts with everyone logged out.
SKIPPED = frozenset({"django_session"})
# What `migrate` writes itself (content types, permissions, the built-in catalogues). An empty
# database holds these rows; a restore replaces them with the file's, ids and all.
MIGRATE_FILLS = frozenset(
    {
        "django_content_type",
        "auth_permission",
        "people_groupcategory",
        "people_groupattribute",
        "inspections_checklist",
        "inspections_checklistversion",
        "inspections_checklistitem",
        "ledger_topic",
        "ledger_quantitykind",
    }
)
AUDIT_TABLE = "audit_auditentry"


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    name: str
    fields: tuple[models.Field, ...]
    # The keyed hashes and tails of encrypted values, each with the index of its source in
    # `fields`: not in the file, made again on restore under the keys of the database restored
    # into (a file restored where other keys are set would otherwise find no number by them).
    derived: tuple[tuple[crypto.KeyedHashField, int], ...] = ()

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]


def tables() -> list[Table]:
    """Every table the project's models keep, many-to-many tables included, by name. Columns
    the database computes itself (generated columns), and the hashes and tails of encrypted
    values, are left out: a restore recomputes them."""
    found: dict[str, Table] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in SKIPPED or meta.db_table in found:
            continue
        fields = tuple(
            f
            for f in meta.concrete_fields
            if not f.generated and not isinstance(f, crypto.KeyedHashField)
        )
        index = {f.name: i for i, f in enumerate(fields)}
        derived = tuple((f, index[f.source]) for f in crypto.derived_fields(model))
        found[meta.db_table] = Table(model, meta.db_table, fields, derived)
    return [found[name] for name in sorted(found)]


def schema() -> dict[str, list[str]]:
    """The migrations applied to this database, by app."""
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def latest(applied: dict[str, list[str]]) -> dict[str, str]:
    return {app: names[-1] for app, names in applied.items() if names}


# --- The canonical form of a row.


def _plain(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value // datetime.timedelta(microseconds=1)
    if isinstance(value, decimal.Decimal):
        places = getattr(field, "decimal_places", None)
        if places is not None:
            value = value.quantize(decimal.Decimal(1).scaleb(-places))
        return format(value, "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value  # text, numbers, booleans and JSON values


def _python(field: models.Field, plain: Any) -> Any:
    """The value a line holds, as the field's Python value."""
    if plain is None:
        return None
    kind = field.get_internal_type()
    if kind == "JSONField":
        return plain
    if kind == "BinaryField":
        return base64.b64decode(plain)
    if kind == "DurationField":
        return datetime.timedelta(microseconds=plain)
    return field.to_python(plain)


def line(table: Table, row: tuple) -> str:
    values = [_plain(f, v) for f, v in zip(table.fields, row, strict=True)]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def _rows(table: Table) -> Iterator[tuple]:
    meta = table.model._meta
    return (
        table.model._base_manager.order_by(meta.pk.attname)
        .values_list(*(f.attname for f in table.fields))
        .iterator(chunk_size=BATCH)
    )


def lines(table: Table) -> Iterator[str]:
    """The table's rows in their canonical form, streamed, in primary-key order."""
    for row in _rows(table):
        yield line(table, row)


def digest(table: Table) -> tuple[int, str]:
    """(row count, checksum) of a table as the database holds it now."""
    hasher, count = hashlib.sha256(), 0
    for text in lines(table):
        hasher.update(text.encode())
        count += 1
    return count, hasher.hexdigest()


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """Read every table as of one moment, without stopping anyone from writing meanwhile."""
    if connection.in_atomic_block:  # already inside a transaction: it is the snapshot
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite: Django's transactions here are IMMEDIATE, which would hold the write lock for
    # the whole backup and time out the writers. A deferred transaction that only reads sees
    # one snapshot in WAL mode and lets them write.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")


def _os_user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except (OSError, KeyError):
        return ""


# --- Backing up.


def backup(out: Path, *, username: str = "shequ backup") -> dict[str, Any]:
    """Write every table into `out` (which must not exist; readable by its owner only) and
    record it in the audit log. Returns the manifest."""
    if out.exists():
        raise DomainError(_("文件%(f)s已存在，不会覆盖") % {"f": out})
    if not out.parent.is_dir():
        raise DomainError(_("目录%(d)s不存在") % {"d": out.parent})
    # The audit rows go into the file sealed; any written meanwhile are sealed after a restore.
    chain.seal_pending()
    part = out.with_name(out.name + ".part")
    try:
        descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with (
            os.fdopen(descriptor, "wb") as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            _snapshot(),
        ):
            entries = []
            for table in tables():
                hasher, count = hashlib.sha256(), 0
                with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as member:
                    chunk: list[bytes] = []
                    for text in lines(table):
                        data = text.encode()
                        hasher.update(data)
                        chunk.append(data)
                        count += 1
                        if len(chunk) >= BATCH:
                            member.write(b"".join(chunk))
                            chunk = []
                    member.write(b"".join(chunk))
                entries.append(
                    {
                        "table": table.name,
                        "model": table.model._meta.label_lower,
                        "columns": table.columns,
                        "rows": count,
                        "sha256": hasher.hexdigest(),
                    }
                )
            manifest = {
                "format": FORMAT,
                "made_at": timezone.now().astimezone(datetime.UTC).isoformat(),
                "database": connection.vendor,
                "schema": schema(),
                "tables": entries,
                "rows": sum(e["rows"] for e in entries),
            }
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        part.rename(out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    audit.record(
        None,
        "backup.create",
        username=username,
        data={
            "file": out.name,
            "sha256": chain.sha256_of(out),
            "tables": len(manifest["tables"]),
            "rows": manifest["rows"],
            "os_user": _os_user(),
        },
    )
    return manifest


# --- Checking a file.


def _open(path: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    if not path.is_file():
        raise DomainError(_("找不到文件%(f)s") % {"f": path})
    try:
        archive = zipfile.ZipFile(path)
        manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise DomainError(_("%(f)s不是shequ的备份文件，或已损坏") % {"f": path.name}) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        archive.close()
        raise DomainError(_("%(f)s不是shequ的备份文件，或已损坏") % {"f": path.name})
    return archive, manifest


def _member_lines(archive: zipfile.ZipFile, table: str) -> Iterator[str]:
    with (
        archive.open(f"tables/{table}.jsonl") as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as text,
    ):
        yield from text


def problems(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """Everything wrong with a backup file, as Chinese sentences (none: it can be restored
    into this database): the file's own checksums and row counts, and whether its schema and
    tables are this database's."""
    try:
        archive, manifest = _open(path)
    except DomainError as exc:
        return None, [exc.message]
    found: list[str] = []
    with archive:
        here = schema()
        if manifest.get("schema") != here:
            theirs, ours = latest(manifest.get("schema") or {}), latest(here)
            apart = sorted(
                f"{app}（文件{theirs.get(app, '无')}，数据库{ours.get(app, '无')}）"
                for app in set(theirs) | set(ours)
                if theirs.get(app) != ours.get(app)
            )
            found.append(
                _("备份文件的数据库版本（已执行的迁移）与本数据库不同：%(d)s")
                % {"d": "；".join(apart) or _("迁移列表不同")}
            )
        expected = {t.name: t.columns for t in tables()}
        listed = {e.get("table"): e for e in manifest.get("tables", []) if isinstance(e, dict)}
        for name in sorted(set(expected) - set(listed)):
            found.append(_("备份文件缺少数据表%(t)s") % {"t": name})
        for name in sorted(set(listed) - set(expected)):
            found.append(_("备份文件含有本数据库没有的数据表%(t)s") % {"t": name})
        for name in sorted(set(listed) & set(expected)):
            entry = listed[name]
            if entry.get("columns") != expected[name]:
                found.append(_("数据表%(t)s的列与本数据库不同") % {"t": name})
                continue
            hasher, count = hashlib.sha256(), 0
            try:
                for text in _member_lines(archive, name):
                    hasher.update(text.encode())
                    count += 1
            except (KeyError, OSError, zipfile.BadZipFile, UnicodeDecodeError, EOFError):
                found.append(_("数据表%(t)s在备份文件中缺失或已损坏") % {"t": name})
                continue
            if count != entry.get("rows"):
                found.append(
                    _("数据表%(t)s的行数不符：清单记%(a)s行，文件中有%(b)s行")
                    % {"t": name, "a": entry.get("rows"), "b": count}
                )
            elif hasher.hexdigest() != entry.get("sha256"):
                found.append(_("数据表%(t)s的校验值不符，内容已被改动或损坏") % {"t": name})
    return manifest, found


# --- Restoring.


def occupied() -> list[str]:
    """Tables holding rows that `migrate` did not put there."""
    return [
        t.name for t in tables() if t.name not in MIGRATE_FILLS and t.model._base_manager.exists()
    ]


def _insert(table: Table, archive: zipfile.ZipFile) -> None:
    quote = connection.ops.quote_name
    columns = [*table.columns, *(f.column for f, _source in table.derived)]
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    # Table and column names come from the models, never from the file.
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for text in _member_lines(archive, table.name):
            values = [_python(f, v) for f, v in zip(table.fields, json.loads(text), strict=True)]
            batch.append(
                [
                    *(
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(table.fields, values, strict=True)
                    ),
                    *(f.derive(values[source]) for f, source in table.derived),
                ]
            )
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _empty(table: Table) -> None:
    """Remove a table's rows before the file's take their place. The audit log's rows go only
    under --replace, after the database was saved to a file, and on PostgreSQL its trigger is
    switched off for this one statement inside the transaction: the ALTER TABLE holds the
    table's exclusive lock until the commit, so no one else ever sees the log unprotected."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if table.name == AUDIT_TABLE and connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER audit_entry_append_only")
            cursor.execute(f"DELETE FROM {AUDIT_TABLE}")  # noqa: S608
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER audit_entry_append_only")
        else:
            cursor.execute(f"DELETE FROM {quote(table.name)}")  # noqa: S608


@dataclass
class Restored:
    manifest: dict[str, Any]
    saved_as: Path | None
    audit: chain.Verdict


def restore(path: Path, *, replace: bool = False, username: str = "shequ restore") -> Restored:
    """Load a backup file into this database, which must be empty (or, with `replace`, is
    saved to a file beside the backup first and then emptied). All in one transaction: the
    file is checked whole first, every table's checksum is computed again from the database
    and the audit chain verified before the commit; any difference and nothing is changed."""
    manifest, found = problems(path)
    if found:
        raise DomainError(_("备份文件未通过校验，未做任何改动：%(p)s") % {"p": "；".join(found)})
    assert manifest is not None  # noqa: S101  (problems() gives one when it finds nothing)
    busy = occupied()
    saved_as = None
    if busy and not replace:
        raise DomainError(
            _(
                "目标数据库已有数据（如数据表%(t)s），恢复只能写入刚执行过迁移的空数据库，"
                "未做任何改动。请新建一个空数据库并执行 shequ migrate 后再恢复；"
                "确需覆盖现有数据时加 --replace（覆盖前会先把现有数据备份到文件）。"
            )
            % {"t": "、".join(busy[:3])}
        )
    if busy:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        saved_as = path.with_name(f"{path.stem}-被覆盖的数据-{stamp}.zip")
        backup(saved_as, username=f"{username}（覆盖前备份）")
    everything = tables()
    with zipfile.ZipFile(path) as archive, transaction.atomic():
        if not replace and occupied():
            raise DomainError(_("恢复期间目标数据库写入了数据，未做任何改动，请重试"))
        for table in everything:
            if replace or table.name in MIGRATE_FILLS:
                _empty(table)
        for table in everything:
            _insert(table, archive)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                    no_style(), [t.model for t in everything]
                ):
                    cursor.execute(sql)
        listed = {e["table"]: e for e in manifest["tables"]}
        for table in everything:
            count, sha = digest(table)
            if (count, sha) != (listed[table.name]["rows"], listed[table.name]["sha256"]):
                raise DomainError(
                    _("恢复后数据表%(t)s与备份文件不符（%(n)s行），已撤销，未做任何改动")
                    % {"t": table.name, "n": count}
                )
        verdict = chain.verify(seal=False)
        if not verdict.ok:
            raise DomainError(
                _("恢复的审计日志哈希链断裂，已撤销，未做任何改动：%(b)s") % {"b": verdict.broken}
            )
        data = {
            "file": path.name,
            "sha256": chain.sha256_of(path),
            "made_at": manifest["made_at"],
            "tables": len(manifest["tables"]),
            "rows": manifest["rows"],
            "os_user": _os_user(),
        }
        if saved_as is not None:
            data["saved_as"] = saved_as.name
        audit.record(None, "backup.restore", username=username, data=data)
    # Sealed after the commit like every row (the restore's own among them), then checked.
    return Restored(manifest, saved_as, chain.verify())
