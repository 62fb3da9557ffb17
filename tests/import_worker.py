"""A process that runs `shequ` commands read from its stdin, one JSON line each
({"args": [...], "stream_rows": N}), and answers each with one JSON line ({"ok": …, "out": …}).
Django is set up once, so a test can run many imports against a database it keeps restarting
without paying for a new process each time; the connection is closed after every command, so
the next one reaches the restarted server afresh."""

import io
import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    for line in sys.stdin:
        command = json.loads(line)
        settings.IMPORT_STREAM_ROWS = command.get("stream_rows", settings.IMPORT_STREAM_ROWS)
        out = io.StringIO()
        try:
            call_command(*command["args"], stdout=out, stderr=io.StringIO())
            answer = {"ok": True, "out": out.getvalue()}
        except Exception as exc:  # reported to the test, which decides
            answer = {"ok": False, "out": f"{type(exc).__name__}: {exc}"}
        finally:
            connections.close_all()
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
