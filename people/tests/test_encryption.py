"""ID numbers and phones at rest: ciphertext in the table, found through keyed hashes and the
last four, unique, refused loudly under a wrong key, and moved to a new key by rotation."""

import base64
import datetime
import random

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from people import demo, services
from people.models import Resident, Staff
from people.services import DuplicateResident, ResidentData
from people.tests.factories import resident
from people.tests.test_import import HEADERS, residents_rows, run, workbook
from shequ import crypto, keys

PHONE = "13912345678"


def _raw() -> list[tuple]:
    """The table as the database holds it, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_hash, phone_hash, id_tail, phone_tail "
            "FROM people_resident ORDER BY id"
        )
        return cursor.fetchall()


def _key(seed: str) -> bytes:
    return random.Random(seed).randbytes(crypto.KEY_BYTES)


def _names(client, q: str) -> list[str]:
    response = client.get(reverse("people:resident-list"), {"q": q})
    return [r.name for r in response.context["rows"]]


def test_the_table_holds_no_plaintext_id_number_or_phone(world):
    person = resident(world.grid, "张三", phone=PHONE)
    [(number, phone, id_hash, phone_hash, id_tail, phone_tail)] = _raw()
    row = " ".join((number, phone, id_hash, phone_hash))
    assert person.id_number not in row and PHONE not in row
    assert person.id_number[6:14] not in row  # not even the birth date inside it
    assert number.startswith("dev$") and phone.startswith("dev$")
    assert crypto.decrypt(number) == person.id_number and crypto.decrypt(phone) == PHONE
    # The tails hold no more than the masked form shows.
    assert (id_tail, phone_tail) == (person.id_number[-4:], PHONE[-4:])
    assert Resident.objects.get().id_number == person.id_number  # Python reads plaintext


def test_the_same_number_encrypts_differently_each_time(world):
    resident(world.grid, "张三", phone=PHONE)
    resident(world.grid, "李四", phone=PHONE, birth=datetime.date(1990, 1, 1))
    (_, first, _, first_hash, *_), (_, second, _, second_hash, *_) = _raw()
    assert first != second  # a fresh nonce: equal phones are not visible as equal
    assert first_hash == second_hash  # the keyed hash is what lookups compare


def test_the_keyed_hash_is_hmac_sha256_of_the_text(settings):
    # hasher() builds HMAC from copied key states (shequ/crypto.py): it must stay the standard
    # digest, or hashes written before and after it would no longer match.
    import binascii
    import hmac

    for key_id, key in [("a", b"k" * 32), ("b", bytes(range(32))), ("long", b"x" * 80)]:
        settings.HASH_KEYS = [(key_id, key)]
        for text in ["110105198005170012", "13800000000", "张三", "x" * 300]:
            mac = hmac.digest(key, text.encode(), "sha256")[: crypto.HASH_BYTES]
            expected = binascii.b2a_base64(mac, newline=False).decode()[: crypto.HASH_CHARS]
            assert crypto.keyed_hash(text) == f"{key_id}${expected}"


def test_a_chunk_encryptor_gives_each_value_its_own_nonce_and_no_more_than_asked(world):
    seal = crypto.batch_encryptor()(3)
    tokens = [seal(PHONE), seal(""), seal(PHONE), seal("110105198005170012")]
    assert tokens[1] == ""  # an empty value is stored empty and takes no nonce
    assert tokens[0] != tokens[2]
    assert [crypto.decrypt(t) for t in tokens] == [PHONE, "", PHONE, "110105198005170012"]
    nonces = {base64.b64decode(t.partition("$")[2])[: crypto.NONCE_BYTES] for t in tokens if t}
    assert len(nonces) == 3
    with pytest.raises(StopIteration):
        seal(PHONE)  # past the count it was made for: refused, never a nonce used twice


def test_an_import_writes_ciphertext_hashes_and_tails(world, client):
    rows = residents_rows(3)
    assert run(world, "residents", workbook(HEADERS, rows)).ok
    raw = _raw()
    assert len(raw) == 3
    for (_name, number, *_), (stored, phone, id_hash, phone_hash, id_tail, phone_tail) in zip(
        rows, raw, strict=True
    ):
        assert number not in stored and "13800000000" not in phone
        assert id_hash == crypto.keyed_hash(number) and phone_hash == crypto.keyed_hash(
            "13800000000"
        )
        assert (id_tail, phone_tail) == (number[-4:], "0000")
    client.force_login(world.cast["community_worker"])
    assert _names(client, rows[1][1]) == [rows[1][0]]
    assert _names(client, rows[2][1][-4:]) == [rows[2][0]]


def test_reimporting_a_changed_phone_rehashes_it(world, client):
    rows = residents_rows(2)
    assert run(world, "residents", workbook(HEADERS, rows)).ok
    rows[0][3] = PHONE
    plan = run(world, "residents", workbook(HEADERS, rows))
    assert plan.ok and plan.counts()["updated"] == 1
    client.force_login(world.cast["community_worker"])
    assert _names(client, PHONE) == [rows[0][0]]
    assert _names(client, "5678") == [rows[0][0]]
    assert sorted(_names(client, "13800000000")) == [rows[1][0]]


def test_demo_population_writes_ciphertext_hashes_and_tails(world):
    made = demo.populate(world.community, random.Random(3))
    raw = _raw()
    assert len(raw) == made["residents"] > 1000
    for number, phone, id_hash, phone_hash, id_tail, phone_tail in raw:
        plain = crypto.decrypt(number)
        assert number.startswith("dev$") and plain not in number
        assert id_hash == crypto.keyed_hash(plain) and id_tail == plain[-4:]
        assert phone_hash == crypto.keyed_hash(crypto.decrypt(phone))
        assert phone_tail == crypto.decrypt(phone)[-4:]


def test_exact_lookups_go_through_the_keyed_hash_never_the_number(world):
    person = resident(world.grid, "张三", phone=PHONE)
    with CaptureQueriesContext(connection) as queries:
        assert Resident.objects.get(id_number=person.id_number) == person
        assert list(Resident.objects.filter(phone__in=[PHONE, "13000000000"])) == [person]
        assert Resident.objects.filter(phone=PHONE).exclude(phone="").count() == 1
    sent = " ".join(q["sql"] for q in queries.captured_queries)
    assert person.id_number not in sent and PHONE not in sent
    assert crypto.keyed_hash(person.id_number) in sent


def test_a_lookup_that_would_compare_ciphertext_is_refused(world):
    resident(world.grid, "张三", phone=PHONE)
    for lookup in ("id_number__startswith", "phone__contains", "id_number__gt"):
        with pytest.raises(FieldError):
            list(Resident.objects.filter(**{lookup: "1"}))
    with pytest.raises(FieldError, match="not another column"):
        list(Resident.objects.filter(phone=F("id_number")))
    with pytest.raises(FieldError, match="not another column"):
        list(Resident.objects.filter(id_number__in=Resident.objects.values("id_number")))
    with pytest.raises(FieldError, match="keyed-hash column, which it has not"):
        list(Staff.objects.filter(phone=PHONE))


def test_search_by_full_id_phone_and_last_digits(client, world):
    person = resident(world.grid, "张三", phone=PHONE)
    resident(world.grid, "李四", phone="13700001111", birth=datetime.date(1990, 1, 1))
    client.force_login(world.cast["community_worker"])
    assert _names(client, person.id_number) == ["张三"]
    assert _names(client, person.id_number[-4:]) == ["张三"]
    assert _names(client, person.id_number[-7:]) == ["张三"]
    assert _names(client, PHONE) == ["张三"]
    assert _names(client, PHONE[-4:]) == ["张三"]
    assert _names(client, PHONE[-6:]) == ["张三"]
    assert _names(client, "9" + PHONE[-6:]) == []


def test_a_changed_phone_is_found_by_its_new_number_only(client, world):
    person = resident(world.grid, "张三", phone=PHONE)
    data = ResidentData(
        name="张三", id_number=person.id_number, place=world.grid, phone="13600002222"
    )
    services.update_resident(person, data, by=world.cast["community_worker"])
    client.force_login(world.cast["community_worker"])
    assert _names(client, "13600002222") == ["张三"] and _names(client, "2222") == ["张三"]
    assert _names(client, PHONE) == [] and _names(client, "5678") == []
    # save(update_fields=…) and QuerySet.update() keep the hash and tail too.
    person.phone = "13500003333"
    person.save(update_fields=["phone"])
    assert Resident.objects.filter(phone="13500003333", phone_tail="3333").count() == 1
    Resident.objects.filter(pk=person.pk).update(phone="13400004444")
    assert Resident.objects.filter(phone="13400004444", phone_tail="4444").count() == 1


def test_a_second_registration_of_a_number_is_refused_with_a_link(client, world):
    person = resident(world.grid, "张三", phone=PHONE)
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("people:resident-create"),
        {
            "name": "张三丰",
            "id_number": person.id_number.lower(),
            "place": world.grid.pk,
            "ethnicity": "汉族",
            "political_status": "群众",
            "hukou_type": "户籍",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "身份证号码已登记：张三" in html
    assert reverse("people:resident-detail", args=[person.pk]) in html
    assert Resident.objects.count() == 1


def test_the_database_itself_refuses_a_second_row_with_the_same_number(world):
    person = resident(world.grid, "张三")
    twin = Resident(
        name="李四",
        id_number=person.id_number,
        sex=person.sex,
        birth_date=person.birth_date,
        place=world.grid,
        place_path=world.grid.path,
    )
    twin.set_initials()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.bulk_create([twin])
    assert Resident.objects.count() == 1


def test_a_wrong_or_missing_key_is_a_clear_error_not_garbage(world, settings):
    resident(world.grid, "张三", phone=PHONE)
    settings.DATA_KEYS = [("dev", _key("other"))]
    with pytest.raises(crypto.DataKeyError, match="does not decrypt with data key 'dev'"):
        Resident.objects.get()
    settings.DATA_KEYS = [("k2", _key("other"))]
    with pytest.raises(crypto.DataKeyError, match="'dev', which SHEQU_DATA_KEYS does not hold"):
        Resident.objects.get()


def test_an_altered_ciphertext_is_refused(world):
    resident(world.grid, "张三")
    [(number, *_)] = _raw()
    body = bytearray(base64.b64decode(number.partition("$")[2]))
    body[-1] ^= 1
    altered = "dev$" + base64.b64encode(bytes(body)).decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_resident SET id_number = %s", [altered])
    with pytest.raises(crypto.DataKeyError, match="altered"):
        Resident.objects.get()


def test_rotation_moves_every_value_to_the_new_keys_and_the_old_ones_can_go(
    client, world, settings
):
    people = [
        resident(
            world.grid, f"居民{i}", phone=f"1390000000{i}", birth=datetime.date(1960 + i, 1, 1)
        )
        for i in range(3)
    ]
    people.append(resident(world.grid, "无手机", birth=datetime.date(1999, 1, 1)))
    worker = world.cast["community_worker"]
    worker.phone = PHONE  # every encrypted column moves, not only the registry's
    worker.save(update_fields=["phone"])
    old_data, old_hash = settings.DATA_KEYS[0], settings.HASH_KEYS[0]
    settings.DATA_KEYS = [("k2", _key("data 2")), old_data]
    settings.HASH_KEYS = [("h2", _key("hash 2")), old_hash]
    # Mid-rotation both keys are configured: everything is still found.
    client.force_login(world.cast["community_worker"])
    assert _names(client, people[0].id_number) == ["居民0"]
    done = keys.rotate()
    assert done["people.Resident"] == 4 and done["accounts.User"] == 1
    assert sum(done.values()) == 5
    assert keys.usage()["people.Resident.id_number"] == {"k2": 4}
    assert keys.usage()["people.Resident.phone"] == {"k2": 3}
    assert keys.usage()["people.Resident.id_hash (hash)"] == {"h2": 4}
    assert sum(keys.rotate().values()) == 0  # idempotent
    entries = AuditEntry.objects.filter(action="keys.rotate").order_by("id")
    assert [e.data["rows"] for e in entries] == [5, 0]
    assert entries[0].data["data_key"] == "k2" and entries[0].data["hash_key"] == "h2"
    # The old keys removed: every value decrypts, every search and the uniqueness still work.
    settings.DATA_KEYS = [("k2", _key("data 2"))]
    settings.HASH_KEYS = [("h2", _key("hash 2"))]
    assert sorted(r.id_number for r in Resident.objects.all()) == sorted(
        p.id_number for p in people
    )
    assert _names(client, people[1].id_number) == ["居民1"]
    assert _names(client, "13900000002") == ["居民2"]
    assert _names(client, people[0].id_number[-4:]) == ["居民0"]
    with pytest.raises(DuplicateResident):
        services.register_resident(
            ResidentData(name="重复", id_number=people[3].id_number, place=world.grid), by=None
        )
    assert all(row[0].startswith("k2$") and row[2].startswith("h2$") for row in _raw())
    worker.refresh_from_db()
    assert worker.phone == PHONE and keys.usage()["accounts.User.phone"] == {"k2": 1}


def test_keys_check_reports_the_keys_in_use(world, settings, capsys):
    resident(world.grid, "张三", phone=PHONE)
    settings.DATA_KEYS = [("k2", _key("data 2")), *settings.DATA_KEYS]
    call_command("keys", "check")
    out = capsys.readouterr().out
    assert "people.Resident.id_number  dev: 1" in out and "shequ keys rotate" in out
    call_command("keys", "rotate")
    out = capsys.readouterr().out
    assert "people.Resident.id_number  k2: 1" in out and "旧密钥可以移除" in out
