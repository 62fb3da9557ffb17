"""The built-in topic areas and quantity items (ledger/builtin.py)."""

from django.db import migrations

from ledger import builtin


def add(apps, schema_editor):
    builtin.ensure(apps.get_model("ledger", "Topic"), apps.get_model("ledger", "QuantityKind"))


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
