"""Every column marked encrypted holds ciphertext, whichever app writes it and however (forms,
services, demo data's bulk writes): a raw read finds no phone or ID number in the clear."""

import random
import re

from django.db import connection

from cases import demo as cases_demo
from people import demo as people_demo
from shequ import crypto, keys

CLEAR = re.compile(r"\d{7,}")


def test_every_encrypted_column_holds_only_ciphertext(world):
    people_demo.populate(world.community, random.Random(5))
    cases_demo.populate(world.community, random.Random(5))
    worker = world.cast["community_worker"]
    worker.phone = "13912345678"
    worker.save(update_fields=["phone"])
    quote = connection.ops.quote_name
    filled = set()
    for table in keys.tables():
        for field in table.encrypted:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {quote(field.column)} FROM {quote(table.model._meta.db_table)}"  # noqa: S608
                )
                values = [v for (v,) in cursor.fetchall() if v]
            for value in values:
                plain = crypto.decrypt(value)
                assert value.startswith("dev$") and plain not in value, (table.label, value)
                assert CLEAR.fullmatch(plain.replace("X", "0"))  # a number, not garbage
            if values:
                filled.add(f"{table.label}.{field.name}")
    assert {
        "people.Resident.id_number",
        "people.Resident.phone",
        "people.Rental.landlord_phone",
        "people.Staff.phone",
        "areas.LocalUnit.contact_phone",
        "cases.Case.reporter_phone",
        "accounts.User.phone",
    } <= filled
