"""Writing an import while it is still being checked, in a second process: the checking keeps
one core busy, the writing (and the database work behind it) the other. The writer holds one
transaction on its own connection and commits only when told the whole file was clean;
otherwise it rolls back and the database is as it was.

A process rather than a thread: both halves are Python-heavy, and a thread would spend its time
waiting for the interpreter lock instead of writing."""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import resource
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection

_SPAWN = multiprocessing.get_context("spawn")


class WriterError(Exception):
    """The writer failed; `integrity` says whether the database refused a row."""

    def __init__(self, message: str, *, integrity: bool) -> None:
        super().__init__(message)
        self.integrity = integrity


def can_stream() -> bool:
    """Another process can reach this database (not an in-memory SQLite one)."""
    name = str(connection.settings_dict.get("NAME") or "")
    return not (connection.vendor == "sqlite" and ("memory" in name or name == ""))


def _load(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class ProcessWriter:
    """`sink` and `finish` are "module.function" paths, run in the writer process: sink() makes
    an object whose write(chunk) takes each chunk and close() ends them; finish(payload) runs
    once, before the commit. `sink_args` are passed to sink()."""

    def __init__(self, sink: str, finish: str, sink_args: tuple = ()) -> None:
        self._here, there = _SPAWN.Pipe()
        self._process = _SPAWN.Process(
            target=_serve,
            args=(there, dict(connection.settings_dict), sink, finish, sink_args),
            name="import-writer",
            daemon=True,
        )
        self._process.start()
        there.close()

    def put(self, chunk: Sequence) -> None:
        self._here.send(("chunk", chunk))

    def end(self, *, commit: bool, payload: Any = None) -> None:
        """Commit (after running finish(payload) in the same transaction) or roll back."""
        self._here.send(("end", commit, payload))
        try:
            outcome = self._here.recv()
        except EOFError:
            outcome = ("error", "the import writer stopped unexpectedly", False)
        self._process.join(timeout=30)
        self._here.close()
        if outcome[0] == "error":
            raise WriterError(outcome[1], integrity=outcome[2])
        self.peak_mb = outcome[-1]


class _Rollback(Exception):
    pass


def _serve(pipe, database: dict, sink_path: str, finish_path: str, sink_args: tuple) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django
    from django.conf import settings

    # The parent's database exactly (under tests, its test database), set before anything
    # opens a connection.
    settings.DATABASES["default"] = database
    django.setup()
    from django.db import IntegrityError, connections, transaction

    finish: Callable[[Any], None] = _load(finish_path)
    outcome: tuple = ("ok",)
    ended = False
    sink = None
    try:
        with transaction.atomic():
            if connections["default"].vendor == "postgresql":
                # Check foreign keys row by row as the rows stream in, while the checker is
                # still busy, rather than all at once at commit.
                with connections["default"].cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            else:
                # The pages' 64 MB page cache (settings) is for reading; a writer that inserts
                # in one pass does as well with 16 MB, and the import stays within its memory
                # budget (bench: import, 313 → 276 MB at 100,000 rows, time unchanged).
                with connections["default"].cursor() as cursor:
                    cursor.execute("PRAGMA cache_size=-16384")
            sink = _load(sink_path)(*sink_args)
            while True:
                message = pipe.recv()
                if message[0] == "end":
                    ended = True
                    if not message[1]:
                        sink.abort()
                        sink = None
                        raise _Rollback
                    sink.close()
                    sink = None
                    finish(message[2])
                    break
                try:
                    sink.write(message[1])
                except BaseException:
                    sink.abort()
                    sink = None
                    raise
    except _Rollback:
        outcome = ("rolled back",)
    except IntegrityError as exc:
        outcome = ("error", str(exc), True)
    except Exception as exc:
        outcome = ("error", f"{type(exc).__name__}: {exc}", False)
    finally:
        while not ended:  # keep taking chunks, so the checker never blocks on a full pipe
            try:
                ended = pipe.recv()[0] == "end"
            except EOFError:
                break
        with contextlib.suppress(OSError):
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            pipe.send((*outcome, peak_mb))
        connections.close_all()
