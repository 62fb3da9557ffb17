"""The API's call counts (api.models.CallCount), and the trigger that prunes ended windows.

The trigger runs inside the upsert that starts a new window (an AFTER INSERT trigger fires for
an inserted row only, not for ON CONFLICT … DO UPDATE, on both databases), so counting stays
one statement per call. On PostgreSQL it skips rows another session holds, so two windows
starting at once never wait on (or deadlock over) the same old rows."""

from django.db import migrations, models

PG_UP = """
CREATE FUNCTION api_callcount_prune() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM api_callcount WHERE id IN (
        SELECT id FROM api_callcount WHERE ends <= NEW.starts FOR UPDATE SKIP LOCKED
    );
    RETURN NULL;
END $$;
CREATE TRIGGER api_callcount_prune AFTER INSERT ON api_callcount
    FOR EACH ROW EXECUTE FUNCTION api_callcount_prune();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS api_callcount_prune ON api_callcount;
DROP FUNCTION IF EXISTS api_callcount_prune();
"""
SQLITE_UP = """
CREATE TRIGGER api_callcount_prune AFTER INSERT ON api_callcount
BEGIN
    DELETE FROM api_callcount WHERE ends <= NEW.starts;
END;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS api_callcount_prune")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CallCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=100)),
                ("starts", models.BigIntegerField()),
                ("ends", models.BigIntegerField()),
                ("calls", models.PositiveIntegerField(default=1)),
            ],
            options={
                "indexes": [models.Index(fields=["ends"], name="api_callcount_ends")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("key", "starts"), name="api_callcount_key_window"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
