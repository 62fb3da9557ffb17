"""The built-in checklists (inspections/builtin.py)."""

from django.db import migrations
from django.utils import timezone

from inspections import builtin


def forwards(apps, schema_editor):
    builtin.ensure(
        apps.get_model("inspections", "Checklist"),
        apps.get_model("inspections", "ChecklistVersion"),
        apps.get_model("inspections", "ChecklistItem"),
        now=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
