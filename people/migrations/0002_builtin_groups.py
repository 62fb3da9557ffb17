"""The built-in special-group categories (people/builtin_groups.py)."""

from django.db import migrations

from people import builtin_groups


def create(apps, schema_editor):
    builtin_groups.ensure(apps.get_model("people", "GroupCategory"), apps.get_model("people", "GroupAttribute"))


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
