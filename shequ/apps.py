import contextlib
import os
from pathlib import Path

from django.apps import AppConfig
from django.db.backends.signals import connection_created

PRIVATE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def keep_sqlite_files_private(sender, connection, **kwargs) -> None:
    """The SQLite database and its -wal and -shm files readable by the service account only:
    they hold every record (the numbers encrypted, the rest in clear). SQLite creates the file
    under the process's umask (0644 as a rule) and its -wal and -shm with the file's own mode,
    so each connection narrows whichever of them is wider than 0600 (a stat each; a file of
    another owner is left alone)."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in SQLITE_COMPANIONS:
        path = Path(name + suffix)
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if path.stat().st_mode & 0o077:
                os.chmod(path, PRIVATE)


class ShequConfig(AppConfig):
    name = "shequ"
    verbose_name = "shequ"

    def ready(self) -> None:
        connection_created.connect(keep_sqlite_files_private, dispatch_uid="shequ.private-sqlite")
