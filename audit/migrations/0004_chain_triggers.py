"""The database lets an audit row change in one way only: from unsealed to sealed (its chain
number and hashes set, nothing else touched). PostgreSQL also lets a row go once an archive
covers it (its chain number is at most an archive's last). SQLite refuses every other UPDATE;
it cannot refuse DELETE, because Django empties tables with DELETE between transactional tests
(the model, its queryset and the hash chain guard it there).

Migration 0003 rebuilt the table on SQLite, which dropped its trigger: it is made again here."""

from django.db import migrations

KEPT = (
    "id",
    "at",
    "actor_id",
    "actor_username",
    "actor_role",
    "ip",
    "user_agent",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "place_path",
    "changes",
    "data",
)


def _row(prefix: str) -> str:
    return ", ".join(f"{prefix}.{name}" for name in KEPT)


PG_UP = f"""
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.row_hash = '' AND NEW.row_hash <> '' AND NEW.seq IS NOT NULL
        AND ROW({_row("NEW")}) IS NOT DISTINCT FROM ROW({_row("OLD")}) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND OLD.seq IS NOT NULL
        AND OLD.seq <= (SELECT COALESCE(MAX(upto_seq), 0) FROM audit_auditarchive) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_auditentry is append-only: % refused', TG_OP;
END $$;
"""
PG_DOWN = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditentry is append-only: % refused', TG_OP;
END $$;
"""
_same = " AND ".join(f"NEW.{name} IS OLD.{name}" for name in KEPT)
SQLITE_UP = f"""
CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
WHEN NOT (OLD.row_hash = '' AND NEW.row_hash <> '' AND NEW.seq IS NOT NULL AND {_same})
BEGIN
    SELECT RAISE(ABORT, 'audit_auditentry is append-only: UPDATE refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_entry_no_update;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hash_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
