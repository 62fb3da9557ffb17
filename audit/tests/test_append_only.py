"""No code path changes or removes an audit row, and the database refuses it too."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit import maintenance
from audit import services as audit
from audit.models import AppendOnlyError, AuditEntry


@pytest.fixture
def entry(world):
    return audit.record(world.cast["sysadmin"], "place.update", world.grid, changes={"a": [1, 2]})


def test_model_refuses_to_save_an_existing_row(entry):
    entry.action = "auth.login"
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_model_refuses_to_delete(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_queryset_refuses_update_and_delete(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get(pk=entry.pk).action == "place.update"


def test_database_refuses_a_raw_update(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "place.update"


def test_database_refuses_a_raw_delete(entry):
    """On SQLite as on PostgreSQL: the test suite's flush and `restore --replace` empty the log
    through the maintenance row instead (audit/maintenance.py)."""
    refused = pytest.raises(DatabaseError, match="DELETE refused")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_database_refuses_a_truncate_on_postgresql(entry):
    """PostgreSQL's row triggers do not fire on TRUNCATE; a statement trigger refuses it.
    (SQLite has no TRUNCATE: its `DELETE FROM` without a condition fires the row trigger.)"""
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        return
    with connection.cursor() as cursor:
        # The test's own transaction holds deferred foreign-key checks, which TRUNCATE would
        # refuse for their own sake: run them first, so only the trigger is left to refuse.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditentry CASCADE")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_maintenance_row_lets_the_log_go_only_inside_its_transaction(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    with transaction.atomic():
        with maintenance.emptying("test"), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as above
                cursor.execute("TRUNCATE audit_auditentry")
            else:
                cursor.execute("DELETE FROM audit_auditentry")
        assert not AuditEntry.objects.exists()
        # Closed again before the commit: the next statement is refused.
        audit.record(None, "place.update", username="t")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
        transaction.set_rollback(True)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audit_maintenance")
        assert cursor.fetchone() == (0,)


def _audit_writes(tree) -> list[int]:
    """Lines where a call chain that starts at AuditEntry ends in update/delete/bulk_update."""
    import ast

    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in {"update", "delete", "bulk_update", "raw"}:
            continue
        inner = node.func.value
        while isinstance(inner, ast.Call | ast.Attribute | ast.Subscript):
            inner = inner.func if isinstance(inner, ast.Call) else inner.value
        if isinstance(inner, ast.Name) and inner.id == "AuditEntry":
            lines.append(node.lineno)
    return lines


def test_the_source_scan_finds_a_chained_audit_update():
    import ast

    sample = "AuditEntry.objects.filter(\n    pk=1\n).update(action='x')\n"
    assert _audit_writes(ast.parse(sample)) == [1]


def test_no_app_code_calls_update_or_delete_on_audit_rows():
    """A reading of the source: nothing outside the tests touches audit rows but to add."""
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/**/*.py"):
        if {".venv", "tests", "migrations"} & set(path.parts):
            continue
        lines = _audit_writes(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{path.relative_to(root)}:{line}" for line in lines]
    assert offenders == []
