"""The whole database and its photos and documents in one portable file (`shequ backup`), and
back into an empty database (`shequ restore`).

The file is a zip holding `manifest.json`, one JSON-lines file per table under `tables/` and the
record files under `files/`, encrypted and authenticated as a whole under SHEQU_BACKUP_KEYS (see
"Sealing" below): nothing is read from a file changed, cut or made under another key. Each line
is one row: its columns in the order the manifest lists them, rows in primary-key order, every
value in a form that does not depend on the database (datetimes in UTC ISO form, decimals with
their field's places, JSON with its keys sorted). A table's checksum is the SHA-256 of exactly
those lines, so the same rows give the same checksum on SQLite and on PostgreSQL: a file made on
one restores on the other, and the checksums prove it did.

The manifest names the format, when it was made (local time), the migrations applied to the
database it came from (a restore needs the same), per table its columns, row count and checksum,
and per file its size and checksum. Behind the encryption the checksums still catch a file
rewritten by someone who holds the key, unless they rewrite the checksum too (the audit chain
catches a rewritten audit row even then).

Restoring writes only INSERTs, in one transaction, into a database that holds nothing but what
`migrate` put there. The audit log's rows come back with their seals (chain number and hashes)
exactly as they were, so the database's append-only triggers, which refuse UPDATE, DELETE and
TRUNCATE, have nothing to refuse and stay on; the chain head comes back with them, and the
restore's own audit row is sealed after it like any other."""

from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import hashlib
import hmac
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit import chain, maintenance
from audit import services as audit
from shequ import crypto
from shequ.errors import DomainError
from shequ.files import private_folder

FORMAT = "shequ-backup/2"
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


# --- Sealing: the zip is encrypted and authenticated as a whole under the backup key.
#
# The file starts with MAGIC and one JSON line (the key's id, a random salt, the chunk size, a
# check value of the key); the rest is the zip cut into CHUNK-byte pieces, each encrypted with
# AES-256-GCM under a key derived for this file alone (HKDF over the backup key and the salt),
# its nonce the piece's number and whether it is the last, the header its associated data.
# A changed byte anywhere fails its piece's tag, pieces moved or dropped fail their numbers, a
# file cut at a piece boundary or with pieces appended fails the last-piece mark, and another
# key fails the check value before anything is read: nothing is taken from a file that is not
# exactly as written under a key this server holds.

MAGIC = b"SHEQU-BACKUP-SEALED/1\n"
CHUNK = 1 << 20
TAG = 16


NO_KEY = _lazy(
    "未设置备份密钥（SHEQU_BACKUP_KEYS），拒绝备份：备份文件含全部居民的敏感信息，必须加密"
)


class BackupKeyError(DomainError):
    """No backup key, or not the one a file was made with."""


def _backup_keys() -> list[tuple[str, bytes]]:
    """SHEQU_BACKUP_KEYS, newest first (settings refuse the development key when DEBUG is off
    and give none unless set)."""
    return list(settings.BACKUP_KEYS)


def _file_key(key: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"shequ backup").derive(key)


def _key_check(file_key: bytes) -> str:
    return hmac.new(file_key, b"shequ backup key check", hashlib.sha256).hexdigest()[:32]


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class _Sealer(io.RawIOBase):
    """A write-only stream that encrypts what is written to it, piece by piece, into `out`."""

    def __init__(self, out: IO[bytes]) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        keys = _backup_keys()
        if not keys:
            raise BackupKeyError(str(NO_KEY))
        key_id, key = keys[0]
        salt = os.urandom(16)
        file_key = _file_key(key, salt)
        head = {"key": key_id, "salt": base64.b64encode(salt).decode(), "chunk": CHUNK}
        head["check"] = _key_check(file_key)
        self.header = MAGIC + json.dumps(head, sort_keys=True).encode() + b"\n"
        self._cipher, self._out = AESGCM(file_key), out
        self._pending, self._index = bytearray(), 0
        out.write(self.header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._pending += data
        while len(self._pending) > CHUNK:
            self._seal(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]
        return len(data)

    def _seal(self, piece: bytes, *, last: bool) -> None:
        nonce = _nonce(self._index, last)
        self._out.write(self._cipher.encrypt(nonce, piece, self.header))
        self._index += 1

    def finish(self) -> None:
        """The last piece (possibly empty), marked as the last."""
        self._seal(bytes(self._pending), last=True)
        self._pending.clear()


class _Unsealed(io.RawIOBase):
    """A sealed file read back as the zip it holds, seekable, every piece checked as it is
    read. `verify()` reads it all once first, so nothing is trusted before the whole file is."""

    def __init__(self, path: Path) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._file = path.open("rb")
        try:
            head_line = self._file.readline(len(MAGIC))
            info_line = self._file.readline(4096)
            if head_line != MAGIC or not info_line.endswith(b"\n"):
                raise _not_a_backup(path)
            try:
                info = json.loads(info_line)
                key_id, salt = str(info["key"]), base64.b64decode(info["salt"])
                chunk, check = int(info["chunk"]), str(info["check"])
            except (ValueError, KeyError, TypeError):
                raise _not_a_backup(path) from None
            if not 0 < chunk <= 1 << 26:
                raise _not_a_backup(path)
            key = dict(_backup_keys()).get(key_id)
            if key is None:
                raise BackupKeyError(
                    _("备份文件%(f)s由备份密钥“%(k)s”加密，本机的SHEQU_BACKUP_KEYS中没有这个密钥")
                    % {"f": path.name, "k": key_id}
                )
            file_key = _file_key(key, salt)
            if not hmac.compare_digest(_key_check(file_key), check):
                raise BackupKeyError(
                    _("备份文件%(f)s不是用本机的备份密钥“%(k)s”加密的（密钥不符），无法恢复")
                    % {"f": path.name, "k": key_id}
                )
        except BaseException:
            self._file.close()
            raise
        self.header = head_line + info_line
        self._start, self._chunk, self._name = len(self.header), chunk, path.name
        self._cipher = AESGCM(file_key)
        body = path.stat().st_size - self._start
        self._pieces = max(1, -(-body // (chunk + TAG)))
        self._cached: tuple[int, bytes] | None = None
        self._pos = 0
        last = self._piece(self._pieces - 1)
        self._size = (self._pieces - 1) * chunk + len(last)

    def _piece(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        from cryptography.exceptions import InvalidTag

        self._file.seek(self._start + index * (self._chunk + TAG))
        sealed = self._file.read(self._chunk + TAG)
        last = index == self._pieces - 1
        if len(sealed) < TAG or (not last and len(sealed) != self._chunk + TAG):
            raise _tampered(self._name)
        try:
            piece = self._cipher.decrypt(_nonce(index, last), sealed, self.header)
        except InvalidTag:
            raise _tampered(self._name) from None
        self._cached = (index, piece)
        return piece

    def verify(self) -> None:
        for index in range(self._pieces):
            self._piece(index)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        done, view = 0, memoryview(buffer).cast("B")
        while done < len(view) and self._pos < self._size:
            index, within = divmod(self._pos, self._chunk)
            piece = self._piece(index)[within:]
            n = min(len(piece), len(view) - done)
            view[done : done + n] = piece[:n]
            done += n
            self._pos += n
        return done

    def close(self) -> None:
        self._file.close()
        super().close()


def _not_a_backup(path: Path) -> DomainError:
    return DomainError(_("%(f)s不是shequ的备份文件，或已损坏") % {"f": path.name})


def _tampered(name: str) -> DomainError:
    return DomainError(
        _("备份文件%(f)s未通过认证：内容已被改动、截断或拼接，不能使用") % {"f": name}
    )


def seal(plain: IO[bytes], out: IO[bytes]) -> None:
    """Encrypt a plain zip (a test, or an operator re-sealing a file) under the newest key."""
    sealer = _Sealer(out)
    for block in iter(lambda: plain.read(CHUNK), b""):
        sealer.write(block)
    sealer.finish()


@contextlib.contextmanager
def unsealed(path: Path) -> Iterator[zipfile.ZipFile]:
    """The zip a sealed file holds, after the whole file was authenticated."""
    if not path.is_file():
        raise DomainError(_("找不到文件%(f)s") % {"f": path})
    reader = _Unsealed(path)
    try:
        reader.verify()
        try:
            archive = zipfile.ZipFile(io.BufferedReader(reader, CHUNK))
        except (zipfile.BadZipFile, OSError, ValueError):
            raise _not_a_backup(path) from None
        with archive:
            yield archive
    finally:
        reader.close()


# --- Photos and documents (RECORD_FILES_DIR): files, not rows, kept in the file beside them.


def _record_files() -> list[tuple[Path, str]]:
    """Every file under the record files folder, with its name relative to it; hidden names
    (a restore's staging folder) and symbolic links left out."""
    root = Path(settings.RECORD_FILES_DIR)
    if not root.is_dir():
        return []
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            found.append((path, relative.as_posix()))
    return sorted(found, key=lambda item: item[1])


def _safe_name(name: Any) -> bool:
    """A file name from a manifest that stays inside the folder it is restored into."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    pure = PurePosixPath(name)
    return not pure.is_absolute() and all(p not in ("", ".", "..") for p in pure.parts)


def _copy(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    hasher, size = hashlib.sha256(), 0
    for block in iter(lambda: source.read(1 << 16), b""):
        hasher.update(block)
        target.write(block)
        size += len(block)
    return size, hasher.hexdigest()


def _sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def shown_time(at: str) -> str:
    """A time the manifest keeps (ISO form, any offset) as a user reads it: local time."""
    try:
        moment = datetime.datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return str(at)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


# --- Backing up.


def backup(out: Path, *, username: str = "shequ backup") -> dict[str, Any]:
    """Write every table into `out` (which must not exist; readable by its owner only) and
    record it in the audit log. Returns the manifest."""
    if out.exists():
        raise DomainError(_("文件%(f)s已存在，不会覆盖") % {"f": out})
    if not out.parent.is_dir():
        raise DomainError(_("目录%(d)s不存在") % {"d": out.parent})
    if not _backup_keys():
        raise BackupKeyError(str(NO_KEY))
    # The audit rows go into the file sealed; any written meanwhile are sealed after a restore.
    chain.seal_pending()
    part = out.with_name(out.name + ".part")
    try:
        descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            sealer = _Sealer(handle)
            with (
                zipfile.ZipFile(sealer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
                _snapshot(),
            ):
                manifest = _write(archive)
            sealer.finish()
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
            "files": len(manifest["files"]),
            "os_user": _os_user(),
        },
    )
    return manifest


def _write(archive: zipfile.ZipFile) -> dict[str, Any]:
    """Every table, then every record file, into the archive; the manifest last."""
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
    # After the rows: a file is written before the row naming it is committed, so
    # every file a row in the snapshot names is there by now.
    files = []
    for source, name in _record_files():
        try:
            handle = source.open("rb")
        except FileNotFoundError:  # removed since it was listed
            continue
        with handle, archive.open(f"files/{name}", "w", force_zip64=True) as member:
            size, sha = _copy(handle, member)
        files.append({"name": name, "bytes": size, "sha256": sha})
    manifest = {
        "format": FORMAT,
        # Local time (TIME_ZONE), with its offset: the time an operator reads.
        "made_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "schema": schema(),
        "tables": entries,
        "rows": sum(e["rows"] for e in entries),
        "files": files,
    }
    archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


# --- Checking a file.


def _manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _not_a_backup(path) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _not_a_backup(path)
    return manifest


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
        with unsealed(path) as archive:
            manifest = _manifest(archive, path)
            return manifest, _problems(archive, manifest)
    except DomainError as exc:
        return None, [exc.message]


def _problems(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> list[str]:
    found: list[str] = []
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
    found += _file_problems(archive, manifest)
    return found


def _file_problems(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> list[str]:
    """Every photo and document the manifest lists is in the file, whole."""
    found: list[str] = []
    listed = manifest.get("files")
    if not isinstance(listed, list) or not all(isinstance(e, dict) for e in listed):
        return [_("备份文件的清单中没有照片和文档列表")]
    held = {n.removeprefix("files/") for n in archive.namelist() if n.startswith("files/")}
    names = [e.get("name") for e in listed]
    for entry in listed:
        name = entry.get("name")
        if not _safe_name(name):
            found.append(_("备份文件中的文件名%(f)r不合法") % {"f": name})
            continue
        if name not in held:
            found.append(_("文件%(f)s在备份文件中缺失") % {"f": name})
            continue
        with archive.open(f"files/{name}") as member:
            size, sha = _copy(member, _Discard())
        if (size, sha) != (entry.get("bytes"), entry.get("sha256")):
            found.append(_("文件%(f)s的校验值不符，内容已被改动或损坏") % {"f": name})
    for name in sorted(held - set(names)):
        found.append(_("备份文件含有清单未列出的文件%(f)s") % {"f": name})
    return found


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


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
    under --replace, after the database was saved to a file, with the maintenance row the
    database's triggers ask for written inside this transaction and removed again before the
    commit, so no one else ever sees the log unprotected (audit/maintenance.py)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if table.name == AUDIT_TABLE:
            with maintenance.emptying("restore --replace"):
                cursor.execute(f"DELETE FROM {AUDIT_TABLE}")  # noqa: S608
        else:
            cursor.execute(f"DELETE FROM {quote(table.name)}")  # noqa: S608


@dataclass
class Restored:
    manifest: dict[str, Any]
    saved_as: Path | None
    audit: chain.Verdict


def restore(path: Path, *, replace: bool = False, username: str = "shequ restore") -> Restored:
    """Load a backup file into this database, which must be empty (or, with `replace`, is
    saved to a file beside the backup first and then emptied), and its photos and documents
    into the record files folder. All in one transaction: the file is authenticated and
    checked whole first, every table's checksum is computed again from the database and the
    audit chain verified before the commit; any difference and nothing is changed."""
    try:
        with unsealed(path) as archive:
            manifest = _manifest(archive, path)
            found = _problems(archive, manifest)
            if found:
                raise DomainError("；".join(found))
            return _restore(path, archive, manifest, replace=replace, username=username)
    except _Refused as exc:
        raise DomainError(exc.message) from None
    except DomainError as exc:
        raise DomainError(
            _("备份文件未通过校验，未做任何改动：%(p)s") % {"p": exc.message}
        ) from None


class _Refused(DomainError):
    """A refusal of the restore itself (not of the file): its message stands as it is."""


def _file_conflicts(manifest: dict[str, Any]) -> list[str]:
    """Files of the backup whose name the folder already holds with other content."""
    root = Path(settings.RECORD_FILES_DIR)
    return [
        e["name"]
        for e in manifest["files"]
        if (root / e["name"]).is_file() and _sha256_of(root / e["name"]) != e["sha256"]
    ]


def _stage(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> Path:
    """The backup's files written into a hidden folder inside the record files folder (the
    same file system, so moving them into place is a rename), each checked as written."""
    root = private_folder(Path(settings.RECORD_FILES_DIR))
    stage = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
    try:
        for entry in manifest["files"]:
            target = stage / entry["name"]
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with (
                archive.open(f"files/{entry['name']}") as member,
                os.fdopen(descriptor, "wb") as out,
            ):
                size, sha = _copy(member, out)
            if (size, sha) != (entry["bytes"], entry["sha256"]):
                raise _Refused(_("文件%(f)s恢复时校验值不符，未做任何改动") % {"f": entry["name"]})
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage


def _restore(
    path: Path, archive: zipfile.ZipFile, manifest: dict[str, Any], *, replace: bool, username: str
) -> Restored:
    busy = occupied()
    saved_as = None
    if busy and not replace:
        raise _Refused(
            _(
                "目标数据库已有数据（如数据表%(t)s），恢复只能写入刚执行过迁移的空数据库，"
                "未做任何改动。请新建一个空数据库并执行 shequ migrate 后再恢复；"
                "确需覆盖现有数据时加 --replace（覆盖前会先把现有数据备份到文件）。"
            )
            % {"t": "、".join(busy[:3])}
        )
    clashing = [] if replace else _file_conflicts(manifest)
    if clashing:
        raise _Refused(
            _(
                "照片和文档目录中已有同名而内容不同的文件（如%(f)s），未做任何改动；"
                "请换用空目录（SHEQU_RECORD_FILES_DIR）或加 --replace"
            )
            % {"f": "、".join(clashing[:3])}
        )
    if busy:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        saved_as = path.with_name(f"{path.stem}-被覆盖的数据-{stamp}.zip")
        backup(saved_as, username=f"{username}（覆盖前备份）")
    everything = tables()
    stage = _stage(archive, manifest)
    root = Path(settings.RECORD_FILES_DIR)
    try:
        # The files `--replace` overwrites wait here until the commit, to go back on a rollback.
        kept = Path(tempfile.mkdtemp(prefix=".restore-kept-", dir=root))
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    placed: list[tuple[Path, Path | None]] = []  # each file put in place, and where its
    # predecessor waits (None: there was none)
    try:
        with transaction.atomic():
            _load(archive, manifest, everything, replace=replace)
            for number, entry in enumerate(manifest["files"]):
                target = root / entry["name"]
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if target.exists():
                    placed.append((target, kept / str(number)))
                    os.replace(target, kept / str(number))
                else:
                    placed.append((target, None))
                os.replace(stage / entry["name"], target)
            data = {
                "file": path.name,
                "sha256": chain.sha256_of(path),
                "made_at": manifest["made_at"],
                "tables": len(manifest["tables"]),
                "rows": manifest["rows"],
                "files": len(manifest["files"]),
                "os_user": _os_user(),
            }
            if saved_as is not None:
                data["saved_as"] = saved_as.name
            audit.record(None, "backup.restore", username=username, data=data)
    except BaseException:
        for target, before in reversed(placed):
            if before is None:
                target.unlink(missing_ok=True)
            elif before.exists():
                os.replace(before, target)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(kept, ignore_errors=True)
    # Sealed after the commit like every row (the restore's own among them), then checked.
    return Restored(manifest, saved_as, chain.verify())


def _load(
    archive: zipfile.ZipFile, manifest: dict[str, Any], everything: list[Table], *, replace: bool
) -> None:
    """Every table of the file into the database, inside the caller's transaction, checked
    again from the database together with the audit chain."""
    if not replace and occupied():
        raise _Refused(_("恢复期间目标数据库写入了数据，未做任何改动，请重试"))
    for table in everything:
        if replace or table.name in MIGRATE_FILLS:
            _empty(table)
    for table in everything:
        _insert(table, archive)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in everything]):
                cursor.execute(sql)
    listed = {e["table"]: e for e in manifest["tables"]}
    for table in everything:
        count, sha = digest(table)
        if (count, sha) != (listed[table.name]["rows"], listed[table.name]["sha256"]):
            raise _Refused(
                _("恢复后数据表%(t)s与备份文件不符（%(n)s行），已撤销，未做任何改动")
                % {"t": table.name, "n": count}
            )
    verdict = chain.verify(seal=False)
    if not verdict.ok:
        raise _Refused(
            _("恢复的审计日志哈希链断裂，已撤销，未做任何改动：%(b)s") % {"b": verdict.broken}
        )
