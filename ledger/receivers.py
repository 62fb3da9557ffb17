"""Named participants carry their record's place path: they follow a grid that moves, as the
records themselves do (areas.receivers)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from areas.services import place_moved
from ledger.models import Participant


@receiver(place_moved)
def rewrite_participant_paths(sender, *, old_path: str, new_path: str, **kwargs) -> None:
    Participant.objects.filter(place_path__under=old_path).update(
        place_path=Concat(Value(new_path), Substr("place_path", len(old_path) + 1))
    )
