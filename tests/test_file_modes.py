"""What shequ keeps on disk is the service account's alone: the SQLite database with its -wal
and -shm files (0600), and the photos and documents of the records (folder 0700, files 0600),
whatever the umask of the process that made them."""

from __future__ import annotations

import contextlib
import io
import os
import stat
from pathlib import Path

from django.conf import settings
from django.db.utils import ConnectionHandler
from PIL import Image

from shequ import files


@contextlib.contextmanager
def _umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_wal_and_shm_are_private(tmp_path, django_db_blocker):
    """On a database of its own (whichever the suite runs on), opened as shequ opens SQLite."""
    name = tmp_path / "shequ.sqlite3"
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(name),
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
            }
        }
    )
    database = handler["default"]
    # The usual umask: SQLite alone would make 0644 files.
    with _umask(0o022), django_db_blocker.unblock():
        try:
            with database.cursor() as cursor:
                cursor.execute("CREATE TABLE t (x integer)")
                cursor.execute("INSERT INTO t VALUES (1)")
            made = {p.name: _mode(p) for p in tmp_path.iterdir()}
        finally:
            database.close()
    assert made == {
        "shequ.sqlite3": 0o600,
        "shequ.sqlite3-wal": 0o600,
        "shequ.sqlite3-shm": 0o600,
    }
    # A database made before (0644, as older versions left it) is narrowed at the next connection.
    name.chmod(0o644)
    with django_db_blocker.unblock():
        try:
            database.ensure_connection()
        finally:
            database.close()
    assert _mode(name) == 0o600


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return out.getvalue()


def test_photos_and_documents_are_kept_private(db):
    folder = Path(settings.RECORD_FILES_DIR)
    with _umask(0o022):
        written = files.write("a1.jpg", files.check_photo(_photo(), "门口.png"))
        assert _mode(folder) == 0o700
        assert [(p.name, _mode(p)) for p in written] == [
            ("a1.jpg", 0o600),
            ("a1.preview.jpg", 0o600),
        ]
        # A folder an older version made (0755), with its files (0644), is narrowed at the
        # next file, the files already in it too.
        folder.chmod(0o755)
        for old in written:
            old.chmod(0o644)
        document = files.write("b2.pdf", files.check_document(b"%PDF-1.4 text", "通知.pdf"))
    assert _mode(folder) == 0o700 and _mode(document[0]) == 0o600
    assert [_mode(p) for p in written] == [0o600, 0o600]
