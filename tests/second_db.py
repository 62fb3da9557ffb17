"""Databases beside the test database, for tests that restore into an empty one or run `shequ`
in a subprocess: the same kind of database as the test database (or another kind), freshly
migrated once per module and copied for each use (a file copy on SQLite, CREATE DATABASE …
TEMPLATE on PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from django.db import connection

SHEQU = str(Path(sys.executable).with_name("shequ"))


def run_shequ(
    url: str, *args: Any, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """`shequ ARGS` against the database at `url`, in a subprocess."""
    environment = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", **(env or {})}
    return subprocess.run(  # noqa: S603  (our own command, arguments from the test)
        [SHEQU, *map(str, args)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def pg_server() -> dict[str, Any]:
    """How to reach the PostgreSQL server the test database is on."""
    s = connection.settings_dict
    return {
        "host": s["HOST"] or "127.0.0.1",
        "port": int(s["PORT"] or 5432),
        "user": s["USER"] or "postgres",
        "password": s["PASSWORD"] or None,
    }


def pg_url(name: str, server: dict[str, Any] | None = None) -> str:
    server = server or pg_server()
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    return f"postgres://{auth}@{server['host']}:{server['port']}/{name}"


def pg_admin(sql: str, server: dict[str, Any] | None = None) -> None:
    import psycopg

    server = server or pg_server()
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql)


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows from the database at `url`, read directly (not through Django)."""
    if url.startswith("sqlite:"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
        return db.execute(sql, params).fetchall()


class Databases:
    """Empty migrated databases of each kind, made on demand."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._templates: dict[str, str] = {}
        self._made: list[str] = []
        self.prefix = f"{connection.settings_dict['NAME']}_x{uuid.uuid4().hex[:6]}"

    def _template(self, vendor: str) -> str:
        if vendor not in self._templates:
            if vendor == "sqlite":
                url = f"sqlite:///{self.folder / 'template.sqlite3'}"
            else:
                name = f"{self.prefix}_t"
                pg_admin(f'CREATE DATABASE "{name}"')
                self._made.append(name)
                url = pg_url(name)
            done = run_shequ(url, "migrate", "--no-input", "-v", "0")
            assert done.returncode == 0, done.stderr
            self._templates[vendor] = url
        return self._templates[vendor]

    def new(self, vendor: str | None = None) -> str:
        """The address of a new, empty, migrated database."""
        vendor = vendor or connection.vendor
        template = self._template(vendor)
        if vendor == "sqlite":
            path = self.folder / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
            return f"sqlite:///{path}"
        name = f"{self.prefix}_{len(self._made)}"
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"')
        self._made.append(name)
        return pg_url(name)

    def drop(self) -> None:
        for name in reversed(self._made):
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
