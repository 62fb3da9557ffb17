"""Screens, ledgers and exports show a choice's label, not the value it is stored as, where
the two differ (opinion sources, 社区自筹, 上级调拨入库)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from programs import services
from programs.models import Assistance, Opinion, SupplyMove
from programs.tests import aid_factories
from programs.tests.factories import household

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def test_every_programs_choice_whose_value_differs_from_its_label_is_known():
    """The choices this file checks; a new differing pair must be looked at here too."""
    from django.apps import apps

    differing = set()
    for model in apps.get_app_config("programs").get_models():
        for field in model._meta.fields:
            for value, label in field.choices or []:
                if value != str(label):
                    differing.add(f"{model.__name__}.{field.name}")
    assert differing == {
        "Campaign.subject",  # English values, shown by get_subject_display everywhere
        "Campaign.rule",
        "Campaign.rule_op",
        "Application.stage",
        "Honour.recipient",
        "Assistance.source",
        "Donation.direction",
        "SupplyMove.kind",
        "Opinion.source",
        "Opinion.outcome",
        "Question.kind",
    }


def _query(world):
    return {
        "place": world.community.pk,
        "start": (TODAY - 30 * DAY).isoformat(),
        "on": TODAY.isoformat(),
    }


def test_screens_and_ledgers_show_the_labels(client, world):
    services.give_assistance(
        services.AssistanceData(
            Assistance.Kind.CONDOLENCE,
            Assistance.Source.COMMUNITY,
            TODAY,
            amount="200",
            household=household(world.grid),
        ),
        by=None,
    )
    services.move_supplies(
        world.community,
        services.MoveData(
            aid_factories.item(), SupplyMove.Kind.ALLOCATED, "10", TODAY, counterpart="东街道"
        ),
        by=None,
    )
    services.collect_opinion(
        services.OpinionData(
            TODAY, Opinion.Source.HOTLINE, "环境卫生", "楼道堆物", place=world.community
        ),
        by=None,
    )
    client.force_login(world.cast["community_head"])
    opinions = client.get(reverse("programs:opinion-list")).content.decode()
    assert "热线电话" in opinions
    ledger = reverse("people:ledger-detail", args=["assistance"])
    rows = client.get(ledger, _query(world)).context["rows"]
    assert "社区自筹" in rows[0]
    ledger = reverse("people:ledger-detail", args=["supplies"])
    rows = client.get(ledger, _query(world)).context["rows"]
    assert "上级调拨入库" in rows[0]
    moves = client.get(reverse("programs:move-list")).content.decode()
    assert "上级调拨入库" in moves
