"""Signals accounts sends for other apps to follow, so that accounts imports none of them."""

from django.dispatch import Signal

# An account's credentials were changed or taken away: its password changed or was reset, it
# was deactivated, or its second factor was reset. Sent inside the change's transaction with
# `user`, `reason` (the audit action of the change) and `by`. The API revokes the account's
# tokens on it (api/receivers.py).
credentials_changed = Signal()
