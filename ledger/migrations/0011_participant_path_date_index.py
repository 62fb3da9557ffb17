"""The participants' place path and date required, checked and indexed (the path first); the
role index the volunteers were read from before goes."""

from django.db import migrations, models

import areas.fields


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0010_participant_path_date"),
    ]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="date",
            field=models.DateField(editable=False, verbose_name="日期"),
        ),
        migrations.AlterField(
            model_name="participant",
            name="place_path",
            field=areas.fields.PlacePathField(editable=False, max_length=255, verbose_name="区划路径"),
        ),
        migrations.RemoveIndex(
            model_name="participant",
            name="participant_role",
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(
                fields=["place_path", "date", "role", "resident"], name="participant_path_date"
            ),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.CheckConstraint(
                condition=models.Q(("place_path__startswith", "/")), name="participant_placed"
            ),
        ),
    ]
