"""No code path changes or removes an audit row, and the database refuses it too."""

import pytest
from django.db import DatabaseError, connection, transaction

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


def test_database_refuses_a_raw_delete_on_postgresql(entry):
    """PostgreSQL refuses DELETE; SQLite, which Django empties with DELETE between transactional
    tests, relies on the model and queryset guards above."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger"
            if connection.vendor == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        )
        triggers = {row[0] for row in cursor.fetchall()}
    if connection.vendor == "postgresql":
        assert "audit_entry_append_only" in triggers
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    else:
        assert "audit_entry_no_update" in triggers
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


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
