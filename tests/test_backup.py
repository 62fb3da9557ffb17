"""`shequ backup` and `shequ restore`: a database filled by the demo comes back table for table
in an empty one (on the same kind of database, and on PostgreSQL also across to SQLite and
back); a damaged file, another schema, a database with data, a value changed on the way in and
a rewritten audit row are refused, and nothing is changed."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import stat
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from areas import services as areas
from areas.kinds import PlaceKind
from areas.models import Place
from audit import chain
from audit.models import AuditEntry
from cases import demo as cases_demo
from inspections import builtin as inspections_builtin
from inspections import demo as inspections_demo
from inspections.models import Checklist, ChecklistItem, ChecklistVersion
from ledger import builtin as ledger_builtin
from ledger import demo as ledger_demo
from ledger.models import QuantityKind, Topic
from people import builtin_groups
from people import demo as people_demo
from people.models import GroupAttribute, GroupCategory, Resident
from people.tests.factories import resident
from programs import demo as programs_demo
from programs.models import Assistance
from shequ import backup, crypto
from shequ import demo as shequ_demo
from shequ.errors import DomainError
from tests.second_db import Databases, query, run_shequ

AUDIT = ("audit_auditentry", "audit_chainhead")


@pytest.fixture(scope="module")
def databases(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        made = Databases(tmp_path_factory.mktemp("databases"))
        yield made
        made.drop()


@pytest.fixture(scope="module")
def demo_file(databases, tmp_path_factory) -> Path:
    """A backup of a database holding the demo district and its accounts (no population),
    made by `shequ backup` in another process."""
    with_demo = databases.new()
    done = run_shequ(with_demo, "demo", "--no-population")
    assert done.returncode == 0, done.stderr
    path = tmp_path_factory.mktemp("files") / "demo.zip"
    done = run_shequ(with_demo, "backup", "--out", path, env=files_env(path.parent / "record"))
    assert done.returncode == 0, done.stderr
    return path


def files_env(folder: Path) -> dict[str, str]:
    """A `shequ` subprocess's photos and documents in `folder`, not in the checkout's data/."""
    return {"SHEQU_RECORD_FILES_DIR": str(folder)}


def folder_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.*")}


def manifest(path: Path) -> dict:
    with backup.unsealed(path) as archive:
        return json.loads(archive.read("manifest.json"))


def table_lines(path: Path, table: str) -> list[str]:
    with backup.unsealed(path) as archive:
        return archive.read(f"tables/{table}.jsonl").decode().splitlines()


def rewrite(path: Path, out: Path, change, added: dict[str, bytes] | None = None) -> None:
    """A copy of a backup file with `change(name, bytes) -> bytes` applied to each member (and
    the `added` members), sealed again under the backup key: what someone holding the key could
    make, so the checks inside the file are tested on their own."""
    plain = io.BytesIO()
    with backup.unsealed(path) as source, zipfile.ZipFile(plain, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
        for name, data in (added or {}).items():
            target.writestr(name, data)
    plain.seek(0)
    with out.open("wb") as handle:
        backup.seal(plain, handle)


def state() -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table of the test database."""
    return {t.name: backup.digest(t) for t in backup.tables()}


def assert_restored(made: Path, again: Path) -> None:
    """`again`, a backup of the database `made` was restored into, holds every table exactly as
    `made` does; the audit log holds the file's rows, then the restore's own row."""
    before = {t["table"]: t for t in manifest(made)["tables"]}
    after = {t["table"]: t for t in manifest(again)["tables"]}
    assert before.keys() == after.keys()
    for name, entry in before.items():
        if name not in AUDIT:
            assert (after[name]["rows"], after[name]["sha256"]) == (
                entry["rows"],
                entry["sha256"],
            ), name
    old, new = table_lines(made, "audit_auditentry"), table_lines(again, "audit_auditentry")
    assert new[: len(old)] == old and len(new) == len(old) + 1
    columns = before["audit_auditentry"]["columns"]
    assert json.loads(new[-1])[columns.index("action")] == "backup.restore"


def _fill_demo_community() -> Place:
    shequ_demo.build(population=False)
    builtin_groups.ensure(GroupCategory, GroupAttribute)
    ledger_builtin.ensure(Topic, QuantityKind)
    inspections_builtin.ensure(Checklist, ChecklistVersion, ChecklistItem, now=timezone.now())
    community = Place.objects.get(code="420199001001")
    people_demo.populate(community, random.Random(1))
    ledger_demo.populate(community, random.Random(2))
    cases_demo.populate(community, random.Random(3))
    inspections_demo.populate(community, random.Random(4), inspections_demo.versions())
    programs_demo.populate(community, random.Random(5))
    return community


def test_a_demo_community_restores_into_an_empty_database_table_for_table(
    db, databases, tmp_path, settings
):
    _fill_demo_community()
    photos = folder_files(settings.RECORD_FILES_DIR)
    assert len(photos) >= 12  # the demo's photos, each with its preview
    made = tmp_path / "made.zip"
    written = backup.backup(made)
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert made.read_bytes().startswith(backup.MAGIC)  # sealed: no zip, no plain row inside
    assert b"people_resident" not in made.read_bytes()
    assert {f["name"] for f in written["files"]} == set(photos)
    assert written["rows"] > 10_000 and written["database"] == connection.vendor
    names = [t["table"] for t in written["tables"]]
    assert "people_resident" in names and "audit_auditentry" in names
    assert "django_session" not in names  # no live session keys in a file
    entry = AuditEntry.objects.get(action="backup.create")
    assert entry.data["rows"] == written["rows"] and entry.data["tables"] == len(names)
    assert entry.data["sha256"] == chain.sha256_of(made)
    call_command("backup", check=made, stdout=io.StringIO())

    # The same kind of database; on PostgreSQL also across to SQLite, and from there back.
    vendors = [connection.vendor] + (["sqlite"] if connection.vendor == "postgresql" else [])
    resident = Resident.objects.order_by("id")[1234]
    aid = Assistance.objects.order_by("id").last()
    last_audit = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    for vendor in vendors:
        target = databases.new(vendor)
        record_files = tmp_path / f"files-{vendor}"
        done = run_shequ(target, "restore", made, env=files_env(record_files))
        assert done.returncode == 0, done.stderr
        assert "校验值均与备份文件一致" in done.stdout
        assert folder_files(record_files) == photos  # every photo back, byte for byte
        assert run_shequ(target, "audit", "verify").returncode == 0
        again = tmp_path / f"again-{vendor}.zip"
        done = run_shequ(target, "backup", "--out", again, env=files_env(record_files))
        assert done.returncode == 0, done.stderr
        assert_restored(made, again)
        # A few values read straight from the database, not through the file's own form.
        (row,) = query(
            target,
            "SELECT name, id_number, birth_date, place_path FROM people_resident WHERE id = %s",
            (resident.pk,),
        )
        # The number as the table keeps it: encrypted, the ciphertext restored as it was.
        assert (row[0], crypto.decrypt(row[1])) == (resident.name, resident.id_number)
        assert str(row[2]) == resident.birth_date.isoformat() and row[3] == resident.place_path
        (row,) = query(target, "SELECT amount FROM programs_assistance WHERE id = %s", (aid.pk,))
        assert Decimal(str(row[0])) == aid.amount
        (row,) = query(
            target,
            "SELECT row_hash, action FROM audit_auditentry WHERE seq = %s",
            (last_audit.seq,),
        )
        assert row == (last_audit.row_hash, last_audit.action)
        if vendor != connection.vendor:
            back = databases.new(connection.vendor)
            back_files = files_env(tmp_path / "files-back")
            assert run_shequ(back, "restore", again, env=back_files).returncode == 0
            round_trip = tmp_path / "round-trip.zip"
            assert run_shequ(back, "backup", "--out", round_trip, env=back_files).returncode == 0
            assert_restored(again, round_trip)
            assert folder_files(tmp_path / "files-back") == photos


@pytest.mark.django_db(transaction=True)
def test_a_restore_is_audited_sealed_and_leaves_the_audit_log_protected(demo_file):
    call_command("restore", demo_file, stdout=io.StringIO())
    listed = {t["table"]: t for t in manifest(demo_file)["tables"]}
    restored = AuditEntry.objects.get(action="backup.restore")
    assert restored.data["rows"] == manifest(demo_file)["rows"]
    assert restored.data["file"] == "demo.zip" and restored.seq is not None
    assert AuditEntry.objects.count() == listed["audit_auditentry"]["rows"] + 1
    assert chain.verify().ok
    # The database still refuses to change an audit row: the restore never switched it off.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [restored.pk])
    # Sequences go on after the restored ids (PostgreSQL resets them).
    top = Place.objects.order_by("-id").first()
    place = areas.create_place(
        kind=PlaceKind.GRID, name="新网格", code="", parent=top.parent or top, by=None
    )
    assert place.pk > top.pk


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_truncated_file_is_refused_and_nothing_changes(demo_file, tmp_path):
    before = state()
    damaged = tmp_path / "damaged.zip"
    rewrite(
        demo_file,
        damaged,
        lambda name, data: (
            data.replace("东湖街道".encode(), "东湖衔道".encode())
            if name == "tables/areas_place.jsonl"
            else data
        ),
    )
    _, found = backup.problems(damaged)
    assert found == ["数据表areas_place的校验值不符，内容已被改动或损坏"]
    with pytest.raises(CommandError, match="校验值不符"):
        call_command("restore", damaged, stdout=io.StringIO())
    with pytest.raises(CommandError, match="未通过校验"):
        call_command("backup", check=damaged, stdout=io.StringIO(), stderr=io.StringIO())
    assert state() == before


def _variants(sealed: bytes) -> dict[str, bytes]:
    """The file with one byte changed at a few places, cut short, and with bytes added."""
    start = len(backup.MAGIC) + sealed[len(backup.MAGIC) :].index(b"\n") + 1
    variants = {}
    for at in (start + 5, len(sealed) // 2, len(sealed) - 3):
        changed = bytearray(sealed)
        changed[at] ^= 0x01
        variants[f"byte {at}"] = bytes(changed)
    variants["cut"] = sealed[:-200]
    variants["cut at a piece"] = sealed[: start + backup.CHUNK + backup.TAG]
    variants["longer"] = sealed + sealed[start : start + backup.TAG + 5]
    return variants


@pytest.mark.django_db(transaction=True)
def test_a_tampered_truncated_or_extended_file_is_refused_and_nothing_changes(
    demo_file, tmp_path, settings, monkeypatch
):
    before = state()
    # Sealed again in small pieces, so that the file has many and can be cut at one.
    monkeypatch.setattr(backup, "CHUNK", 4096)
    small = tmp_path / "small.zip"
    rewrite(demo_file, small, lambda name, data: data)
    assert backup.problems(small)[1] == []
    sealed = small.read_bytes()
    assert len(sealed) > 10 * 4096
    for what, content in _variants(sealed).items():
        changed = tmp_path / "changed.zip"
        changed.write_bytes(content)
        _, found = backup.problems(changed)
        assert found == ["备份文件changed.zip未通过认证：内容已被改动、截断或拼接，不能使用"], what
        with pytest.raises(CommandError, match=r"未做任何改动：备份文件changed\.zip未通过认证"):
            call_command("restore", changed, stdout=io.StringIO())
        with pytest.raises(CommandError, match="未通过校验"):
            call_command("backup", check=changed, stdout=io.StringIO(), stderr=io.StringIO())
    assert state() == before
    assert not list(settings.RECORD_FILES_DIR.glob("**/*.*"))  # no photo either


@pytest.mark.django_db(transaction=True)
def test_a_file_made_under_another_key_is_refused_and_nothing_changes(demo_file, settings):
    before = state()
    other = b"o" * 32
    settings.BACKUP_KEYS = [("dev", other)]  # the same name, another key
    with pytest.raises(CommandError, match="密钥不符"):
        call_command("restore", demo_file, stdout=io.StringIO())
    settings.BACKUP_KEYS = [("k2", other)]  # a server that never had the file's key
    with pytest.raises(CommandError, match="没有这个密钥"):
        call_command("restore", demo_file, stdout=io.StringIO())
    assert backup.problems(demo_file)[1][0].endswith("本机的SHEQU_BACKUP_KEYS中没有这个密钥")
    assert state() == before
    # A newer key first and the old one after it: old files still restore.
    settings.BACKUP_KEYS = [("k2", other), *crypto.development_keys("backup")]
    assert backup.problems(demo_file)[1] == []


@pytest.mark.django_db(transaction=True)
def test_production_refuses_to_back_up_without_a_backup_key_of_its_own(tmp_path, settings):
    settings.BACKUP_KEYS = []  # what settings give with DEBUG off and no SHEQU_BACKUP_KEYS
    with pytest.raises(CommandError, match="未设置备份密钥"):
        call_command("backup", out=tmp_path / "out.zip", stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []
    assert not AuditEntry.objects.filter(action="backup.create").exists()


@pytest.mark.django_db(transaction=True)
def test_a_file_from_another_schema_version_is_refused_and_nothing_changes(demo_file, tmp_path):
    before = state()
    older = tmp_path / "older.zip"

    def drop_last_people_migration(name, data):
        if name != "manifest.json":
            return data
        content = json.loads(data)
        content["schema"]["people"] = content["schema"]["people"][:-1]
        return json.dumps(content).encode()

    rewrite(demo_file, older, drop_last_people_migration)
    with pytest.raises(CommandError, match=r"数据库版本.*people"):
        call_command("restore", older, stdout=io.StringIO())
    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_a_database_with_data_is_refused_unless_replaced_after_saving_it(
    world, demo_file, tmp_path
):
    copy = tmp_path / demo_file.name
    copy.write_bytes(demo_file.read_bytes())
    before = state()
    with pytest.raises(CommandError, match="目标数据库已有数据"):
        call_command("restore", copy, stdout=io.StringIO())
    assert state() == before
    out = io.StringIO()
    call_command("restore", copy, replace=True, stdout=out)
    (saved,) = tmp_path.glob("demo-被覆盖的数据-*.zip")
    assert backup.problems(saved)[1] == []
    saved_places = {t["table"]: t for t in manifest(saved)["tables"]}["areas_place"]
    assert saved_places["sha256"] == before["areas_place"][1]
    assert not Place.objects.filter(code=world.community.code).exists()
    assert Place.objects.filter(name="东湖街道").exists()
    assert chain.verify().ok
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x'")


@pytest.mark.django_db(transaction=True)
def test_a_value_changed_on_the_way_in_is_found_and_nothing_is_kept(demo_file, monkeypatch):
    real = backup._python

    def garbled(field, plain):
        value = real(field, plain)
        return value + "？" if field.model is Place and field.name == "name" else value

    monkeypatch.setattr(backup, "_python", garbled)
    before = state()
    with pytest.raises(DomainError, match="恢复后数据表areas_place与备份文件不符"):
        backup.restore(demo_file)
    assert state() == before and backup.occupied() == []


@pytest.mark.django_db(transaction=True)
def test_an_audit_row_rewritten_with_its_checksum_is_found_by_the_chain(demo_file, tmp_path):
    forged = tmp_path / "forged.zip"
    columns = {t["table"]: t for t in manifest(demo_file)["tables"]}["audit_auditentry"]
    action = columns["columns"].index("action")
    lines = table_lines(demo_file, "audit_auditentry")
    row = json.loads(lines[3])
    row[action] = "place.retire"
    lines[3] = json.dumps(row, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    body = ("\n".join(lines) + "\n").encode()

    def forge(name, data):
        if name == "tables/audit_auditentry.jsonl":
            return body
        if name == "manifest.json":
            content = json.loads(data)
            for entry in content["tables"]:
                if entry["table"] == "audit_auditentry":
                    entry["sha256"] = hashlib.sha256(body).hexdigest()
            return json.dumps(content).encode()
        return data

    rewrite(demo_file, forged, forge)
    assert backup.problems(forged)[1] == []  # the checksums agree with the forgery
    before = state()
    with pytest.raises(CommandError, match="哈希链断裂"):
        call_command("restore", forged, stdout=io.StringIO())
    assert state() == before and backup.occupied() == []


def test_a_restore_under_other_keys_finds_every_number_by_them(db, databases, tmp_path):
    """The file keeps the numbers, not their keyed hashes: a database with keys of its own
    encrypts and hashes them again under those, so a whole number still finds its resident."""
    shequ_demo.build(population=False)
    grid = Place.objects.filter(kind=PlaceKind.GRID).first()
    person = resident(grid, "钱七", phone="13812345678")
    made = tmp_path / "made.zip"
    backup.backup(made)
    assert not {"id_hash", "phone_hash"} & {
        c for t in manifest(made)["tables"] for c in t["columns"]
    }
    keys = {
        "SHEQU_DATA_KEYS": "k2:" + base64.b64encode(b"k" * 32).decode(),
        "SHEQU_HASH_KEYS": "h2:" + base64.b64encode(b"q" * 32).decode(),
    }
    target = databases.new(connection.vendor)
    done = run_shequ(target, "restore", made, env=keys)
    assert done.returncode == 0, done.stderr
    found = run_shequ(
        target,
        "shell",
        "-c",
        "from people.models import Resident as R; "
        f"print(R.objects.filter(id_number='{person.id_number}').count(), "
        "R.objects.filter(phone='13812345678').count())",
        env=keys,
    )
    assert found.stdout.splitlines()[-1].split() == ["1", "1"], (found.stdout, found.stderr)


def test_production_refuses_the_development_backup_key_and_to_back_up_without_one(tmp_path):
    from tests.test_settings import PROD, _run

    dev = "dev:" + base64.b64encode(crypto.development_keys("backup")[0][1]).decode()
    result = _run(["check"], **{**PROD, "SHEQU_BACKUP_KEYS": dev})
    assert result.returncode != 0 and "SHEQU_BACKUP_KEYS must be keys of your own" in result.stderr
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = _run(["backup", "--out", str(tmp_path / "out.zip")], **PROD, **database)
    assert result.returncode != 0 and "未设置备份密钥" in result.stderr
    assert not (tmp_path / "out.zip").exists() and not (tmp_path / "out.zip.part").exists()


def _with_photo(source: Path, out: Path, *, name: str, listed: bytes, held: bytes) -> None:
    """The backup with one photo: `listed` is what its manifest entry describes, `held` what
    the member holds."""

    def list_it(member, data):
        if member != "manifest.json":
            return data
        content = json.loads(data)
        entry = {"name": name, "bytes": len(listed), "sha256": hashlib.sha256(listed).hexdigest()}
        content["files"] = [entry]
        return json.dumps(content).encode()

    rewrite(source, out, list_it, {f"files/{name}": held})


@pytest.mark.django_db(transaction=True)
def test_photos_come_back_checked_and_a_clash_or_a_changed_one_changes_nothing(
    demo_file, tmp_path, settings
):
    photo, name = b"\xff\xd8 a photo \xff\xd9", "0123abcd.jpg"
    folder = settings.RECORD_FILES_DIR
    before = state()
    changed = tmp_path / "changed.zip"
    _with_photo(demo_file, changed, name=name, listed=photo, held=photo + b"!")
    assert backup.problems(changed)[1] == [f"文件{name}的校验值不符，内容已被改动或损坏"]
    outside = tmp_path / "outside.zip"
    _with_photo(demo_file, outside, name="../escaped.jpg", listed=photo, held=photo)
    with pytest.raises(CommandError, match=r"文件名.*不合法"):
        call_command("restore", outside, stdout=io.StringIO())
    assert not (folder.parent / "escaped.jpg").exists()

    good = tmp_path / "good.zip"
    _with_photo(demo_file, good, name=name, listed=photo, held=photo)
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"another photo under that name")
    with pytest.raises(CommandError, match="同名而内容不同"):
        call_command("restore", good, stdout=io.StringIO())
    assert state() == before and (folder / name).read_bytes() == b"another photo under that name"
    (folder / name).unlink()

    out = io.StringIO()
    call_command("restore", good, stdout=out)
    assert (folder / name).read_bytes() == photo
    assert [p.name for p in folder.iterdir()] == [name]  # the staging folder is gone
    assert "1个照片和文档" in out.getvalue()
    assert AuditEntry.objects.get(action="backup.restore").data["files"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_replace_that_rolls_back_puts_back_the_photos_it_overwrote(
    demo_file, tmp_path, settings, monkeypatch
):
    """`--replace` overwrites a photo of the same name; when the restore fails after the files
    were moved into place (here: its audit row), the photo that was there comes back, the one
    it added goes, and no staging folder is left. Restored files are the service's alone."""
    there, added = "0123abcd.jpg", "4567cdef.jpg"
    new_there, new_added = b"\xff\xd8 from the backup \xff\xd9", b"\xff\xd8 added \xff\xd9"

    def list_both(member, data):
        if member != "manifest.json":
            return data
        content = json.loads(data)
        content["files"] = [
            {"name": name, "bytes": len(held), "sha256": hashlib.sha256(held).hexdigest()}
            for name, held in ((there, new_there), (added, new_added))
        ]
        return json.dumps(content).encode()

    source = tmp_path / "two.zip"
    rewrite(
        demo_file, source, list_both, {f"files/{there}": new_there, f"files/{added}": new_added}
    )
    folder = settings.RECORD_FILES_DIR
    folder.mkdir(parents=True)
    (folder / there).write_bytes(b"the photo that was there")
    before = state()
    seen = []

    def fails_after_the_files_moved(*args, **kwargs):
        seen.append(((folder / there).read_bytes(), (folder / added).read_bytes()))
        raise RuntimeError("injected")

    monkeypatch.setattr(backup.audit, "record", fails_after_the_files_moved)
    with pytest.raises(RuntimeError, match="injected"):
        call_command("restore", source, replace=True, stdout=io.StringIO())
    assert seen == [(new_there, new_added)]  # the failure came with both files in place
    assert [p.name for p in folder.iterdir()] == [there]  # no staging or kept folder left
    assert (folder / there).read_bytes() == b"the photo that was there"
    assert state() == before

    monkeypatch.undo()
    call_command("restore", source, replace=True, stdout=io.StringIO())
    assert folder_files(folder) == {there: new_there, added: new_added}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}


@pytest.mark.django_db(transaction=True)
def test_the_backup_time_is_written_and_shown_in_local_time(demo_file):
    made_at = manifest(demo_file)["made_at"]
    assert made_at.endswith("+08:00")  # TIME_ZONE, Asia/Shanghai
    out = io.StringIO()
    call_command("backup", check=demo_file, stdout=out)
    assert f"备份于{made_at[:10]} {made_at[11:19]}" in out.getvalue()
    assert backup.shown_time("2026-11-29T18:30:00+00:00") == "2026-11-30 02:30:00"
