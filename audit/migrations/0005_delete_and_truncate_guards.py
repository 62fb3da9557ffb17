"""The database refuses to delete audit rows on SQLite too, and to TRUNCATE them on PostgreSQL.

Rows go in two ways only, on both databases: once an archive covers them (`shequ audit archive`,
as on PostgreSQL since migration 0004), or while the one-row table `audit_maintenance` holds its
row. That row is written and removed again inside one transaction by the code that must empty
the log: `restore --replace` after saving the database to a file, and the test suite's flush
between transactional tests (audit/maintenance.py). No other session ever sees it, since it is
never committed. It is not a model: Django's flush leaves it alone and no backup holds it.

PostgreSQL's row triggers do not fire on TRUNCATE: a statement trigger refuses it unless the
maintenance row is there. (Whoever owns the tables can still drop a trigger, or insert the
row; `shequ audit verify` finds rows missing from the chain.)"""

import importlib

from django.db import migrations

chain_triggers = importlib.import_module("audit.migrations.0004_chain_triggers")
_row = chain_triggers._row

MAINTENANCE = """
CREATE TABLE audit_maintenance (
    id integer PRIMARY KEY CHECK (id = 1),
    reason varchar(100) NOT NULL
)
"""

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
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_maintenance) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_auditentry is append-only: % refused', TG_OP;
END $$;
CREATE FUNCTION audit_entry_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_maintenance) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditentry is append-only: TRUNCATE refused';
END $$;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_no_truncate();
"""
SQLITE_UP = """
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance)
    AND NOT (OLD.seq IS NOT NULL
        AND OLD.seq <= (SELECT COALESCE(MAX(upto_seq), 0) FROM audit_auditarchive))
BEGIN
    SELECT RAISE(ABORT, 'audit_auditentry is append-only: DELETE refused');
END;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    schema_editor.execute(MAINTENANCE)
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    else:
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
        schema_editor.execute(chain_triggers.PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute("DROP TABLE IF EXISTS audit_maintenance")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_chain_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
