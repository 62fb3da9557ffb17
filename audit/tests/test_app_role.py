"""The audit log protected from the application's own database account (PostgreSQL): run as a
role `shequ approle` prepared, the application works, but it can neither delete nor empty the
log, nor drop or disable its triggers, nor write the maintenance row that would let rows go."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit import services as audit
from audit.models import AuditEntry
from tests.second_db import pg_admin, pg_server, pg_url, run_shequ

REFUSED = {
    "delete": "DELETE FROM audit_auditentry",
    "truncate": "TRUNCATE audit_auditentry",
    "drop trigger": "DROP TRIGGER audit_entry_no_truncate ON audit_auditentry",
    "disable triggers": "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
    "maintenance row": "INSERT INTO audit_maintenance (id, reason) VALUES (1, 'x')",
    "archive row": "INSERT INTO audit_auditarchive (first_seq, upto_seq) VALUES (1, 1)",
    "rewrite a row": "UPDATE audit_auditentry SET action = 'x'",
    "a trigger of its own": (
        "CREATE TRIGGER t BEFORE DELETE ON audit_auditentry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_no_truncate()"
    ),
}


@pytest.fixture
def app_role():
    """A login role of its own for this test, dropped with its grants afterwards."""
    role = f"shequ_app_{uuid.uuid4().hex[:8]}"
    pg_admin(f"CREATE ROLE {role} LOGIN")
    try:
        yield role
    finally:
        connection.close()
        server = pg_server()
        import psycopg

        with psycopg.connect(
            dbname=connection.settings_dict["NAME"], autocommit=True, **server
        ) as admin:
            admin.execute(f"DROP OWNED BY {role}")
        pg_admin(f"DROP ROLE {role}")


@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_lift_the_audit_logs_guards(request):
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        with pytest.raises(CommandError, match="只适用于PostgreSQL"):
            call_command("approle", "shequ_app", stdout=io.StringIO())
        return
    import psycopg

    role = request.getfixturevalue("app_role")
    audit.record(None, "place.update", username="before")
    call_command("approle", role, stdout=io.StringIO())
    server = {**pg_server(), "user": role, "password": None}
    name = connection.settings_dict["NAME"]
    failed = {}
    with psycopg.connect(dbname=name, autocommit=True, **server) as app:
        for what, sql in REFUSED.items():
            try:
                app.execute(sql)
            except psycopg.Error as exc:  # a trigger's refusal would be the wrong one
                failed[what] = type(exc).__name__
            else:
                failed[what] = "allowed"
        # What it needs it has: reading and appending to the log, and any other table.
        assert app.execute("SELECT COUNT(*) FROM audit_auditentry").fetchone() == (1,)
        app.execute("INSERT INTO api_callcount (key, starts, ends, calls) VALUES ('k', 0, 60, 1)")
    assert failed == dict.fromkeys(REFUSED, "InsufficientPrivilege")
    assert AuditEntry.objects.count() == 1

    # The application itself, run as the role, writes and seals its audit rows, and a table
    # a later migration creates (as the owner) is the role's to use as well.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE later_table (x integer)")
    done = run_shequ(
        pg_url(name, server),
        "shell",
        "-c",
        "from audit import services as a, chain; from django.db import connection as c; "
        "a.record(None, 'place.update', username='app'); "
        "c.cursor().execute('INSERT INTO later_table VALUES (1)'); "
        "print(chain.verify().ok)",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "True"
    assert AuditEntry.objects.filter(actor_username="app").exclude(row_hash="").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE later_table")


@pytest.mark.django_db(transaction=True)
def test_the_command_refuses_the_owner_and_an_unknown_role():
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="只适用于PostgreSQL"):
            call_command("approle", "postgres")
        return
    with pytest.raises(CommandError, match="超级用户或数据表的所有者"):
        call_command("approle", connection.settings_dict["USER"] or "postgres")
    with pytest.raises(CommandError, match="不存在"):
        call_command("approle", f"nobody_{uuid.uuid4().hex[:8]}")
