"""`shequ keys check` lists every encrypted column, an empty table or a column with no values
said to have nothing to check, never left out."""

import io

from django.core.management import call_command

from people.tests.factories import resident
from shequ import keys


def _check() -> dict[str, str]:
    out = io.StringIO()
    call_command("keys", "check", stdout=out)
    lines = out.getvalue().splitlines()
    return dict(line.split("  ", 1) for line in lines if "  " in line)


def test_keys_check_names_empty_tables_and_columns_without_values(world):
    shown = _check()
    # Every encrypted column and keyed hash of every model is there, tables without rows too.
    assert set(shown) == {entry.column for entry in keys.report()}
    assert "people.Resident.id_number" in shown and "ledger.SignIn.phone" in shown
    assert shown["people.Resident.id_number"] == "空表（0行），没有需要检查的值"
    assert shown["people.Resident.id_hash (hash)"] == "空表（0行），没有需要检查的值"
    resident(world.grid, "张三")  # no phone
    shown = _check()
    assert shown["people.Resident.id_number"] == "dev: 1"
    assert shown["people.Resident.phone"] == "1行，均未填写，没有需要检查的值"
    assert shown["accounts.User.phone"].endswith("均未填写，没有需要检查的值")
