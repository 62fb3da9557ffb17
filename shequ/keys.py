"""Key rotation for the values encrypted at rest (shequ/crypto.py).

`rotate()` rewrites, table by table and in batches (one transaction each, rows locked), every
value not under the newest data key and every keyed hash not under the newest hash key. Run it
after putting a new key first in SHEQU_DATA_KEYS (or SHEQU_HASH_KEYS); once `usage()` shows no
value under an old key, that key can be removed. Running it again finds nothing to do."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from audit import services as audit
from shequ import crypto

BATCH = 1000


@dataclass(frozen=True)
class Table:
    """A model's encrypted columns and the hashes and tails derived from them."""

    model: type
    encrypted: tuple  # EncryptedCharField, …
    derived: tuple  # KeyedHashField / TailField, …

    @property
    def label(self) -> str:
        return self.model._meta.label


def tables() -> list[Table]:
    found = []
    for model in apps.get_models():
        encrypted = crypto.encrypted_fields(model)
        if encrypted and not model._meta.proxy:
            found.append(Table(model, tuple(encrypted), tuple(crypto.derived_fields(model))))
    return sorted(found, key=lambda t: t.label)


def _select(table: Table, *, lock: bool) -> str:
    quote = connection.ops.quote_name
    meta = table.model._meta
    columns = [meta.pk.column] + [f.column for f in (*table.encrypted, *table.derived)]
    sql = (
        f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(meta.db_table)} "  # noqa: S608
        f"WHERE {quote(meta.pk.column)} > %s ORDER BY {quote(meta.pk.column)}"
    )
    sql += f" LIMIT {BATCH}"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql


def _stale(table: Table, row: tuple) -> bool:
    data_key, hash_key = crypto.current_data_key_id(), crypto.current_hash_key_id()
    values = row[1 : 1 + len(table.encrypted)]
    derived = row[1 + len(table.encrypted) :]
    if any(v and crypto.key_id_of(v) != data_key for v in values):
        return True
    return any(
        v
        and isinstance(f, crypto.KeyedHashField)
        and not isinstance(f, crypto.TailField)
        and crypto.key_id_of(v) != hash_key
        for f, v in zip(table.derived, derived, strict=True)
    )


def _rewritten(table: Table, row: tuple) -> list:
    plain = {
        f.name: crypto.decrypt(v or "")
        for f, v in zip(table.encrypted, row[1 : 1 + len(table.encrypted)], strict=True)
    }
    values = [crypto.encrypt(plain[f.name]) for f in table.encrypted]
    values += [f.derive(plain[f.source]) for f in table.derived]
    return [*values, row[0]]


def rotate_table(table: Table) -> int:
    """Rewrite the stale rows of one table; the number rewritten."""
    quote = connection.ops.quote_name
    meta = table.model._meta
    sets = ", ".join(f"{quote(f.column)} = %s" for f in (*table.encrypted, *table.derived))
    update = (
        f"UPDATE {quote(meta.db_table)} SET {sets} "  # noqa: S608
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    after, done = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_select(table, lock=True), [after])
            rows = cursor.fetchall()
            if not rows:
                return done
            stale = [_rewritten(table, row) for row in rows if _stale(table, row)]
            if stale:
                cursor.executemany(update, stale)
            done += len(stale)
            after = rows[-1][0]


def rotate(*, username: str = "shequ keys rotate") -> dict[str, int]:
    """Every table moved to the newest keys; one audit row for the whole run."""
    done = {table.label: rotate_table(table) for table in tables()}
    audit.record(
        None,
        "keys.rotate",
        username=username,
        data={
            "data_key": crypto.current_data_key_id(),
            "hash_key": crypto.current_hash_key_id(),
            "rows": sum(done.values()),
        },
    )
    return done


@dataclass(frozen=True)
class ColumnUsage:
    """One encrypted column (or keyed hash): how many rows its table has, and how many of its
    values use each key. A table with no rows is listed too, with nothing to check."""

    column: str  # "people.Resident.phone", hashes "people.Resident.phone_hash (hash)"
    rows: int
    keys: Counter


def report() -> list[ColumnUsage]:
    """Every encrypted column and keyed hash of every table, empty tables included."""
    found: list[ColumnUsage] = []
    for table in tables():
        fields = (*table.encrypted, *table.derived)
        counters: dict[str, Counter] = {}
        for field in fields:
            if not isinstance(field, crypto.TailField):
                suffix = "" if isinstance(field, crypto.EncryptedCharField) else " (hash)"
                counters[f"{table.label}.{field.name}{suffix}"] = Counter()
        after, rows_seen = 0, 0
        with connection.cursor() as cursor:
            while True:
                cursor.execute(_select(table, lock=False), [after])
                rows = cursor.fetchall()
                if not rows:
                    break
                after, rows_seen = rows[-1][0], rows_seen + len(rows)
                columns = list(zip(*rows, strict=True))[1:]
                for field, values in zip(fields, columns, strict=True):
                    if isinstance(field, crypto.TailField):
                        continue
                    suffix = "" if isinstance(field, crypto.EncryptedCharField) else " (hash)"
                    counter = counters[f"{table.label}.{field.name}{suffix}"]
                    counter.update(crypto.key_id_of(v) for v in values if v)
        found += [ColumnUsage(name, rows_seen, counter) for name, counter in counters.items()]
    return found


def usage() -> dict[str, Counter]:
    """How many stored values use each key, per column: {"people.Resident.phone": {"k1": n}};
    hashes are counted under "<column> (hash)"; a column without values has an empty count."""
    return {entry.column: entry.keys for entry in report()}
