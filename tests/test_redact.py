"""No full ID number or phone in a log line or an error mail, whatever the failing view held."""

import datetime
import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.masking import mask_text
from people import services
from people.tests.factories import id_for

PHONE = "13912345678"


def test_mask_text_hides_id_and_mobile_numbers_but_not_other_digits():
    text = "id 11010519491231002X tel 13912345678, order 2026112900001234567, 20261129"
    assert mask_text(text) == (
        "id 110***********002X tel 139****5678, order 2026112900001234567, 20261129"
    )


@pytest.fixture
def failing_registration(monkeypatch):
    def fail(data, **kwargs):
        raise RuntimeError(f"cannot register {data.id_number} {data.phone}")

    monkeypatch.setattr(services, "register_resident", fail)


def test_a_500_while_posting_an_id_number_logs_and_mails_it_masked(
    world, settings, caplog, failing_registration
):
    settings.ADMINS = [("管理员", "admin@example.org")]
    number = id_for(datetime.date(1980, 5, 17))
    client = Client(raise_request_exception=False)
    client.force_login(world.cast["community_worker"])
    with caplog.at_level(logging.ERROR):
        response = client.post(
            reverse("people:resident-create") + f"?from={number}",
            {
                "name": "张三",
                "id_number": number,
                "phone": PHONE,
                "place": world.grid.pk,
                "ethnicity": "汉族",
                "political_status": "群众",
                "hukou_type": "户籍",
            },
        )
    assert response.status_code == 500
    logged = [logging.Formatter().format(r) for r in caplog.records if r.name == "django.request"]
    assert logged and "RuntimeError: cannot register" in logged[0]
    assert number not in "".join(logged) and PHONE not in "".join(logged)
    assert f"cannot register {number[:3]}***********{number[-4:]} 139****5678" in logged[0]
    [message] = mail.outbox
    sent = message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)
    assert "cannot register" in message.body and "id_number" in message.body
    assert number not in sent and PHONE not in sent
