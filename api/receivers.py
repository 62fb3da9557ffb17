"""An account whose credentials change or are taken away loses its API tokens."""

from django.dispatch import receiver

from accounts.signals import credentials_changed
from api import services


@receiver(credentials_changed)
def revoke_tokens(sender, user, reason: str, by, **kwargs) -> None:
    services.revoke_all(user, reason=reason, by=by)
