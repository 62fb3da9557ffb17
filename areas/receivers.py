"""Records that carry a place path follow their place when a grid moves."""

from django.apps import apps
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from areas.models import Placed
from areas.services import place_moved


@receiver(place_moved)
def rewrite_record_paths(sender, *, old_path: str, new_path: str, **kwargs) -> None:
    for model in apps.get_models():
        if issubclass(model, Placed):
            model._default_manager.filter(place_path__under=old_path).update(
                place_path=Concat(Value(new_path), Substr("place_path", len(old_path) + 1))
            )
