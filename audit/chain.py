"""The audit log as a hash chain: each row, once its transaction has committed, is sealed with
its number in the chain, the previous row's hash and its own hash over its content and that
previous hash. Changing, removing or reordering a sealed row breaks the chain from that row on,
and `verify` names the first row where it breaks.

Rows are sealed after commit, not when written, so a long transaction never holds the chain's
lock and a rolled-back row never takes a place in it. The seal takes the chain head's lock,
seals every committed row still unsealed in id order, and moves the head. The database lets a
row be updated only from unsealed to sealed with nothing else changed (migration 0004), and
lets a row be deleted only once an archive covers it (`archive`).

An archive moves the oldest rows, at least RETENTION_DAYS old, into a gzipped JSON-lines file
holding each row as it was hashed; the database keeps the archive's last hash, from which the
chain goes on. `verify_file` checks such a file on its own and against that record.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditArchive, AuditEntry, ChainHead
from shequ.errors import DomainError

GENESIS = "0" * 64
RETENTION_DAYS = 180
FORMAT = "shequ-audit-archive/1"
# What the hash covers, in this order: everything a row says, and where it sits.
HASHED = (
    "id",
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "actor_role",
    "ip",
    "user_agent",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "place_path",
    "changes",
    "data",
)
BATCH = 2000


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value


def content(row: dict[str, Any]) -> dict[str, Any]:
    """The hashed fields of a row read with `.values()`, as plain JSON values."""
    return {name: _plain(name, row[name]) for name in HASHED}


def digest(prev_hash: str, hashed: dict[str, Any]) -> str:
    body = json.dumps(hashed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _lock_head() -> ChainHead:
    """The head row, locked for this transaction: the UPDATE takes the row lock on PostgreSQL
    (and SQLite's transactions are IMMEDIATE, so they run one at a time anyway)."""
    if not ChainHead.objects.filter(pk=1).update(seq=F("seq")):
        ChainHead.objects.bulk_create([ChainHead(pk=1)], ignore_conflicts=True)
        ChainHead.objects.filter(pk=1).update(seq=F("seq"))
    return ChainHead.objects.get(pk=1)


def _anchor() -> tuple[int, str]:
    """Where the rows in the database start: after the last archive, or at the beginning."""
    last = AuditArchive.objects.order_by("-upto_seq").first()
    return (last.upto_seq, last.last_hash) if last else (0, GENESIS)


def seal_pending() -> int:
    """Seal every committed row not sealed yet, oldest first. Returns how many."""
    sealed = 0
    with transaction.atomic():
        head = _lock_head()
        seq, prev = head.seq, head.hash or GENESIS
        if seq == 0:
            seq, prev = _anchor()
        while True:
            rows = list(
                AuditEntry.objects.filter(row_hash="").order_by("id").values(*HASHED)[:BATCH]
            )
            if not rows:
                break
            params = []
            for row in rows:
                seq += 1
                row["seq"] = seq
                own = digest(prev, content(row))
                params.append((seq, prev, own, row["id"]))
                prev = own
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, row_hash = %s "
                    "WHERE id = %s AND row_hash = ''",
                    params,
                )
            sealed += len(rows)
        if sealed:
            ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return sealed


def seal_after_commit() -> None:
    """Ask for a seal when the current transaction commits (at once outside one); once per
    transaction however many rows it writes."""
    pending = getattr(connection, "run_on_commit", None) or []
    if any(entry[1] is seal_pending for entry in pending):
        return
    # Robust: the change is committed already; should the seal fail, the next one takes the
    # rows left unsealed, and the user's request does not fail for it.
    transaction.on_commit(seal_pending, robust=True)


@dataclass
class Break:
    entry_id: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = (
            _("审计记录#%(id)s（链序号%(seq)s）") % {"id": self.entry_id, "seq": self.seq}
            if self.entry_id is not None
            else _("链尾")
        )
        return f"{where}：{self.reason}"


@dataclass
class Verdict:
    checked: int
    sealed_now: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _walk(
    rows: Iterable[dict[str, Any]], seq: int, prev: str
) -> tuple[int, int, str, Break | None]:
    """Follow rows in chain order from (seq, prev): how many were checked, where it ended, and
    the first break if any."""
    checked = 0
    for row in rows:
        if row["seq"] != seq + 1:
            missing = (
                _("缺少链序号%(a)s至%(b)s的记录") % {"a": seq + 1, "b": row["seq"] - 1}
                if row["seq"] > seq + 1
                else _("链序号重复或倒序")
            )
            return checked, seq, prev, Break(row["id"], row["seq"], missing)
        if row["prev_hash"] != prev:
            return checked, seq, prev, Break(row["id"], row["seq"], _("前一条哈希不符"))
        if digest(prev, content(row)) != row["row_hash"]:
            return checked, seq, prev, Break(row["id"], row["seq"], _("内容与哈希不符，记录被改动"))
        seq, prev = row["seq"], row["row_hash"]
        checked += 1
    return checked, seq, prev, None


def verify(*, seal: bool = True) -> Verdict:
    """Check the chain in the database from the last archive (or the start) to the head."""
    sealed_now = seal_pending() if seal else 0
    seq, prev = _anchor()
    rows = (
        AuditEntry.objects.exclude(row_hash="")
        .order_by("seq")
        .values(*HASHED, "prev_hash", "row_hash")
        .iterator(chunk_size=BATCH)
    )
    checked, seq, prev, broken = _walk(rows, seq, prev)
    if broken is None:
        head = ChainHead.objects.filter(pk=1).first()
        if head is not None and head.seq > seq:
            broken = Break(
                None,
                None,
                _("链头记录到链序号%(head)s，数据库中的记录只到%(seq)s：最后%(n)s条记录被删除")
                % {"head": head.seq, "seq": seq, "n": head.seq - seq},
            )
    return Verdict(checked=checked, sealed_now=sealed_now, broken=broken)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def sha256_of(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            hasher.update(block)
    return hasher.hexdigest()


def archive(before: datetime.date, out: Path, *, by: str) -> AuditArchive:
    """Move the sealed rows older than `before` (which must be at least RETENTION_DAYS ago)
    into `out`, in chain order, after checking the chain they belong to."""
    limit = timezone.localdate() - datetime.timedelta(days=RETENTION_DAYS)
    if before > limit:
        raise DomainError(
            _("审计记录至少保留%(days)s天：归档截止日期不能晚于%(day)s")
            % {"days": RETENTION_DAYS, "day": limit.isoformat()}
        )
    if out.exists():
        raise DomainError(_("文件%(f)s已存在，不会覆盖") % {"f": out})
    verdict = verify()
    if not verdict.ok:
        raise DomainError(_("审计链已断裂，不能归档：%(b)s") % {"b": verdict.broken})
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
    start_seq, start_hash = _anchor()
    first_kept = (
        AuditEntry.objects.exclude(row_hash="")
        .filter(at__gte=cutoff)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    rows = AuditEntry.objects.exclude(row_hash="").filter(seq__gt=start_seq)
    if first_kept is not None:
        rows = rows.filter(seq__lt=first_kept)
    rows = rows.order_by("seq").values(*HASHED, "prev_hash", "row_hash")
    count, last_seq, last_hash, first_at, last_at = 0, start_seq, start_hash, None, None
    try:
        with gzip.open(out, "wt", encoding="utf-8") as handle:
            header = {"format": FORMAT, "after_seq": start_seq, "after_hash": start_hash}
            handle.write(json.dumps(header, ensure_ascii=False) + "\n")
            for row in rows.iterator(chunk_size=BATCH):
                line = content(row) | {"prev_hash": row["prev_hash"], "row_hash": row["row_hash"]}
                handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
                last_seq, last_hash = row["seq"], row["row_hash"]
                first_at = first_at or row["at"]
                last_at = row["at"]
        if not count:
            raise DomainError(_("%(day)s之前没有可归档的审计记录") % {"day": before.isoformat()})
        with transaction.atomic():
            record = AuditArchive.objects.create(
                made_by=by,
                first_seq=start_seq + 1,
                upto_seq=last_seq,
                last_hash=last_hash,
                rows=count,
                first_at=first_at,
                last_at=last_at,
                file_name=out.name,
                sha256=sha256_of(out),
            )
            # The database lets these rows go now that an archive covers them (migration 0004).
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM audit_auditentry WHERE seq > %s AND seq <= %s",
                    [start_seq, last_seq],
                )
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return record


def verify_file(path: Path) -> tuple[int, Break | None]:
    """Check an archive file's own chain, and that the database's record of it agrees."""
    lines = _lines(path)
    try:
        header = next(lines)
    except (StopIteration, OSError, EOFError, json.JSONDecodeError):
        return 0, Break(None, None, _("不是审计归档文件"))
    if header.get("format") != FORMAT:
        return 0, Break(None, None, _("不是审计归档文件"))
    try:
        checked, seq, prev, broken = _walk(lines, header["after_seq"], header["after_hash"])
    except (OSError, EOFError, json.JSONDecodeError, KeyError):
        return 0, Break(None, None, _("归档文件已损坏"))
    if broken:
        return checked, broken
    record = AuditArchive.objects.filter(upto_seq=seq).first()
    if record is None or record.last_hash != prev or record.rows != checked:
        return checked, Break(None, seq, _("数据库中没有与此文件相符的归档记录"))
    if record.sha256 != sha256_of(path):
        return checked, Break(None, seq, _("文件的SHA-256与归档记录不符"))
    return checked, None
