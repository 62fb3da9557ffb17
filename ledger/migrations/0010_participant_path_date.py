"""Named participants carry their record's place path and date (filled here from the records),
so a place's volunteers are read from an index of their own (docs/benchmarks.md). The columns
become required and indexed in the next migration: on PostgreSQL the rows are rewritten here
in one transaction and the table altered in another."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import areas.fields


def fill(apps, schema_editor):
    Participant = apps.get_model("ledger", "Participant")
    WorkRecord = apps.get_model("ledger", "WorkRecord")
    record = WorkRecord.objects.using(schema_editor.connection.alias).filter(pk=OuterRef("record"))
    Participant.objects.using(schema_editor.connection.alias).update(
        place_path=Subquery(record.values("place_path")[:1]),
        date=Subquery(record.values("date")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0009_minutes_version"),
        ("people", "0014_household_organisation_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="place_path",
            field=areas.fields.PlacePathField(
                default="", editable=False, max_length=255, verbose_name="区划路径"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="participant",
            name="date",
            field=models.DateField(editable=False, null=True, verbose_name="日期"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
