"""ID numbers and phones at rest: encrypted with AES-GCM under keys from the environment, with a
keyed hash (HMAC-SHA256, under keys of its own) beside each for exact lookups and uniqueness.

Python code reads and writes plaintext (`resident.id_number`); the database holds only
`<key id>$<base64 of nonce, ciphertext and tag>`. Several keys may be configured at once
(newest first): values are written under the newest and read under whichever key they name, so
`shequ keys rotate` can move them over in batches while the site runs.

Keys (settings.DATA_KEYS, settings.HASH_KEYS, read from SHEQU_DATA_KEYS and SHEQU_HASH_KEYS in
shequ/settings.py): `id:base64,id:base64`, each key 32 random bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact, In, IsNull

SEPARATOR = "$"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
# A keyed hash keeps 128 of HMAC-SHA256's bits, 22 characters of base64 (short for the index):
# no two of a few million numbers share one.
HASH_BYTES = 16
HASH_CHARS = 22
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class DataKeyError(Exception):
    """A stored value that cannot be read with the keys configured: a key is missing or wrong.
    Never answered with garbage: the request fails and the message says which key."""


def parse_keys(name: str, text: str) -> list[tuple[str, bytes]]:
    """`id:base64,id:base64` (newest first) → [(id, key)], or ImproperlyConfigured naming `name`."""
    keys: list[tuple[str, bytes]] = []
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        key_id, colon, encoded = item.partition(":")
        if not colon or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"{name}: each key is written id:base64, the id 1-16 letters, digits, - or _"
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{name}: key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"{name}: key {key_id!r} must be {KEY_BYTES} random bytes, not {len(key)}"
            )
        if key_id in dict(keys):
            raise ImproperlyConfigured(f"{name}: key id {key_id!r} appears twice")
        keys.append((key_id, key))
    return keys


def development_keys(purpose: str) -> list[tuple[str, bytes]]:
    """A fixed key for DEBUG and tests only; settings refuse it when DEBUG is off."""
    return [("dev", hashlib.sha256(f"shequ development {purpose} key".encode()).digest())]


def new_key_line(key_id: str) -> str:
    """A fresh `id:base64` entry for SHEQU_DATA_KEYS or SHEQU_HASH_KEYS."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


@lru_cache(maxsize=16)
def _cipher(key: bytes):
    # Imported on first use: a process that only hashes (the import's checker) is spared
    # OpenSSL's ~9 MB.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _data_keys() -> list[tuple[str, bytes]]:
    return settings.DATA_KEYS


def _hash_keys() -> list[tuple[str, bytes]]:
    return settings.HASH_KEYS


def current_data_key_id() -> str:
    return _data_keys()[0][0]


def current_hash_key_id() -> str:
    return _hash_keys()[0][0]


def encryptor() -> Callable[[str], str]:
    """encrypt() bound to the newest data key, for writing many values (the import): the key is
    looked up once, not per value."""
    key_id, key = _data_keys()[0]
    prefix, seal, urandom = key_id + SEPARATOR, _cipher(key).encrypt, os.urandom

    def encrypt_one(text: str) -> str:
        if text == "":
            return ""
        nonce = urandom(NONCE_BYTES)
        sealed = seal(nonce, text.encode(), None)
        return prefix + binascii.b2a_base64(nonce + sealed, newline=False).decode("ascii")

    return encrypt_one


def batch_encryptor() -> Callable[[int], Callable[[str], str]]:
    """encryptor() for values written a chunk at a time (the import's writer): given how many
    values the chunk holds at most, it draws their random nonces from the OS in one call
    rather than one call each. Each nonce is still 12 fresh random bytes, used once."""
    key_id, key = _data_keys()[0]
    prefix, seal, encode = key_id + SEPARATOR, _cipher(key).encrypt, binascii.b2a_base64

    def for_chunk(count: int) -> Callable[[str], str]:
        pool = os.urandom(NONCE_BYTES * count)
        nonces = iter([pool[at : at + NONCE_BYTES] for at in range(0, len(pool), NONCE_BYTES)])

        def encrypt_one(text: str) -> str:
            if text == "":
                return ""
            nonce = next(nonces)  # StopIteration past `count`: never a nonce twice
            sealed = seal(nonce, text.encode(), None)
            return prefix + encode(nonce + sealed, newline=False).decode("ascii")

        return encrypt_one

    return for_chunk


def encrypt(text: str) -> str:
    """`text` under the newest data key; "" stays "" (that a phone is missing is no secret)."""
    return encryptor()(text)


def key_id_of(token: str) -> str:
    """The id of the key a stored value was encrypted with ("" for an empty value)."""
    return token.partition(SEPARATOR)[0] if token else ""


def decrypt(token: str) -> str:
    if token == "":
        return ""
    key_id, sep, body = token.partition(SEPARATOR)
    if not sep:
        raise DataKeyError(
            "a sensitive column holds a value that is not encrypted: "
            "run the migrations (`shequ migrate`) before serving"
        )
    key = dict(_data_keys()).get(key_id)
    if key is None:
        raise DataKeyError(
            f"a value is encrypted with data key {key_id!r}, which SHEQU_DATA_KEYS does not "
            "hold: put that key back (after the newest) until `shequ keys rotate` has run"
        )
    from cryptography.exceptions import InvalidTag

    try:
        raw = base64.b64decode(body, validate=True)
        return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
    except (InvalidTag, binascii.Error, ValueError):
        raise DataKeyError(
            f"a value does not decrypt with data key {key_id!r}: SHEQU_DATA_KEYS holds a "
            "different key under that id, or the stored value was altered"
        ) from None


@lru_cache(maxsize=16)
def _hmac_states(key: bytes):
    """HMAC-SHA256 (RFC 2104) as its two padded-key hash states, made once per key and copied
    per value: the same digest as hmac.digest(key, text, "sha256") at under half its cost,
    which an import pays twice a row."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(64, b"\0")
    return (
        hashlib.sha256(bytes(b ^ 0x36 for b in padded)),
        hashlib.sha256(bytes(b ^ 0x5C for b in padded)),
    )


def hasher(key_id: str | None = None) -> Callable[[str], str]:
    """keyed_hash() bound to one hash key (the newest by default), for hashing many values."""
    keys = _hash_keys()
    if key_id is None:
        key_id, key = keys[0]
    else:
        key = dict(keys)[key_id]
    prefix, encode = key_id + SEPARATOR, binascii.b2a_base64
    inner, outer = _hmac_states(key)

    def hash_one(text: str) -> str:
        if text == "":
            return ""
        step = inner.copy()
        step.update(text.encode())
        mac = outer.copy()
        mac.update(step.digest())
        return (
            prefix + encode(mac.digest()[:HASH_BYTES], newline=False).decode("ascii")[:HASH_CHARS]
        )

    return hash_one


def keyed_hash(text: str, key_id: str | None = None) -> str:
    """`<hash key id>$<HMAC-SHA256 of text, 22 base64 characters>` under the newest hash key (or
    the key `key_id`); "" for "". Equal texts give equal hashes, so it can be indexed and unique."""
    return hasher(key_id)(text)


def hashers() -> list[Callable[[str], str]]:
    """One hasher per configured hash key: a lookup matches any of them mid-rotation."""
    return [hasher(key_id) for key_id, _ in _hash_keys()]


def keyed_hashes(text: str) -> list[str]:
    """`text`'s hash under every configured hash key: what a lookup must match while a rotation
    of the hash key is under way."""
    if text == "":
        return [""]
    return [keyed_hash(text, key_id) for key_id, _ in _hash_keys()]


def hash_width() -> int:
    return 16 + len(SEPARATOR) + HASH_CHARS


def cipher_width(max_chars: int) -> int:
    """Column width for an encrypted value of at most `max_chars` characters (3 bytes each)."""
    body = NONCE_BYTES + 3 * max_chars + TAG_BYTES
    return 16 + len(SEPARATOR) + 4 * ((body + 2) // 3)


# --- model fields --------------------------------------------------------------------------


class EncryptedCharField(models.CharField):
    """A CharField whose column holds ciphertext. `max_length` is the plaintext's (forms and
    validation use it); the column is as wide as the ciphertext needs.

    With `hash_field`, `filter(field=value)` and `filter(field__in=values)` are answered through
    that keyed-hash column (and so use its index); any other lookup on the ciphertext would
    silently find nothing, so it is refused."""

    def __init__(self, *args, hash_field: str | None = None, **kwargs) -> None:
        self.hash_field = hash_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field:
            kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        return models.CharField(max_length=cipher_width(self.max_length)).db_type(connection)

    def cast_db_type(self, connection) -> str:
        return self.db_type(connection)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return HashedExact
        if lookup_name == "in":
            return HashedIn
        return None

    def get_transform(self, lookup_name):
        return None


class _Hashed:
    """A lookup on an encrypted field, turned into one on its keyed-hash column."""

    prepare_rhs = False

    def _hash_col(self):
        field = self.lhs.output_field
        if not getattr(field, "hash_field", None):
            # Only "" can be compared: an empty value is stored as "".
            return None
        return field.model._meta.get_field(field.hash_field).get_col(self.lhs.alias)

    def _refuse(self, why: str = "through a keyed-hash column, which it has not"):
        field = self.lhs.output_field
        raise FieldError(
            f"{field.model.__name__}.{field.name} is encrypted: it can be matched only {why}"
        )

    def _values(self) -> list:
        """The plain values compared: never another column or a subquery, whose ciphertext
        could not be hashed here."""
        values = [self.rhs] if isinstance(self, HashedExact) else self.rhs
        if not isinstance(values, list | tuple | set | frozenset) or any(
            hasattr(v, "resolve_expression") for v in values
        ):
            self._refuse("against plain values, not another column or a subquery")
        return [v for v in values if v is not None]


class HashedExact(_Hashed, Exact):
    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        if self.rhs is None:
            return IsNull(self.lhs, True).as_sql(compiler, connection)
        [text] = map(str, self._values())
        col = self._hash_col()
        if col is None:
            if text != "":
                self._refuse()
            return Exact(self.lhs, "").as_sql(compiler, connection)
        return In(col, keyed_hashes(text)).as_sql(compiler, connection)


class HashedIn(_Hashed, In):
    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        col = self._hash_col()
        if col is None:
            self._refuse()
        texts = [str(v) for v in self._values()]
        hashes = [hash_one(text) for hash_one in hashers() for text in texts]
        return In(col, hashes).as_sql(compiler, connection)


class KeyedHashField(models.CharField):
    """The keyed hash of the encrypted field `source`, filled whenever a row is written through
    the ORM (save, bulk_create; bulk_update through EncryptedModel's querysets)."""

    def __init__(self, *args, source: str, **kwargs) -> None:
        self.source = source
        kwargs.setdefault("max_length", hash_width())
        kwargs["editable"] = False
        kwargs.setdefault("default", "")
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def derive(self, text: str | None) -> str:
        return keyed_hash(text or "")

    def pre_save(self, model_instance, add):
        value = self.derive(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class TailField(KeyedHashField):
    """The last four characters of `source`, what its masked form shows anyway: "the number
    ending in 002X" is an index lookup."""

    def __init__(self, *args, source: str, **kwargs) -> None:
        kwargs["max_length"] = 4
        super().__init__(*args, source=source, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def derive(self, text: str | None) -> str:
        return (text or "")[-4:]


def derived_fields(model) -> list[KeyedHashField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]


def encrypted_fields(model) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def fill_derived(obj) -> None:
    """Set the hashes and tails of `obj` from its plaintext (for writes that bypass save)."""
    for field in derived_fields(type(obj)):
        field.pre_save(obj, add=False)


class EncryptedQuerySetMixin:
    """bulk_update never calls pre_save: it recomputes here the hashes and tails of the
    encrypted fields it is asked to write."""

    def bulk_update(self, objs, fields, batch_size=None):
        derived = [f for f in derived_fields(self.model) if f.source in fields]
        if derived:
            objs = list(objs)
            for obj in objs:
                for field in derived:
                    field.pre_save(obj, add=False)
            fields = [*fields, *(f.name for f in derived if f.name not in fields)]
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def update(self, **kwargs):
        for field in derived_fields(self.model):
            if field.source in kwargs and field.name not in kwargs:
                kwargs[field.name] = field.derive(kwargs[field.source])
        return super().update(**kwargs)


class EncryptedModelMixin:
    """save(update_fields=[…]) with an encrypted field writes its hash and tail too."""

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            names = set(update_fields)
            extra = [f.name for f in derived_fields(type(self)) if f.source in names]
            update_fields = [*update_fields, *(n for n in extra if n not in names)]
        super().save(*args, update_fields=update_fields, **kwargs)


# --- migrations ----------------------------------------------------------------------------


def encrypt_columns(table: str, columns: list[str], derived: dict[str, tuple[str, str]] = {}):  # noqa: B006
    """A RunPython operation that encrypts the plaintext `columns` of `table` in place and fills
    `derived` ({column: ("hash" | "tail", source column)}); backward decrypts them again (the
    keys they were written with must still be configured)."""
    from django.db import migrations

    derive = {"hash": keyed_hash, "tail": lambda text: text[-4:]}

    def rewrite(schema_editor, convert, targets: list[str]) -> None:
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        selected = ", ".join(quote(c) for c in ["id", *columns])
        sets = ", ".join(f"{quote(c)} = %s" for c in targets)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {selected} FROM {quote(table)} ORDER BY id")  # noqa: S608
            rows = cursor.fetchall()
            update = f"UPDATE {quote(table)} SET {sets} WHERE id = %s"  # noqa: S608
            for start in range(0, len(rows), 2000):
                cursor.executemany(update, [convert(row) for row in rows[start : start + 2000]])

    def forward(apps, schema_editor) -> None:
        def convert(row):
            plain = dict(zip(columns, (v or "" for v in row[1:]), strict=True))
            values = [encrypt(plain[c]) for c in columns]
            values += [derive[kind](plain[source]) for kind, source in derived.values()]
            return [*values, row[0]]

        rewrite(schema_editor, convert, [*columns, *derived])

    def backward(apps, schema_editor) -> None:
        rewrite(schema_editor, lambda row: [*(decrypt(v or "") for v in row[1:]), row[0]], columns)

    return migrations.RunPython(forward, backward)
