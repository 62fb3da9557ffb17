from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassesValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            [
                any(c in string.ascii_uppercase for c in password),
                any(c in string.ascii_lowercase for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )

    def validate(self, password: str, user=None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。") % {
            "n": self.min_classes
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with its message in Chinese: Django 5.2 changed the English text and
    its Chinese catalogue no longer matches it."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要%(n)d个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要%(n)d个字符。") % {"n": self.min_length}


class PasswordHistoryValidator:
    """Not the current password nor any of the account's last `keep` ones. Django calls
    `password_changed` after a new password is saved, which keeps the history."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def _recent(self, user) -> list[str]:
        from accounts.models import PasswordHistory

        kept = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[
                : self.keep
            ]
        )
        # `__class__`, not `type()`: the view passes `request.user`, a lazy wrapper.
        current = user.__class__.objects.filter(pk=user.pk).values_list("password", flat=True)
        return list(dict.fromkeys([*current, *kept]))[: self.keep]

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        if any(check_password(password, encoded) for encoded in self._recent(user)):
            raise ValidationError(
                _("不能使用最近%(n)d次用过的密码。") % {"n": self.keep}, code="password_reused"
            )

    def password_changed(self, password: str, user=None) -> None:
        from accounts.models import PasswordHistory

        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        old = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.keep :]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()

    def get_help_text(self) -> str:
        return _("不能使用最近%(n)d次用过的密码。") % {"n": self.keep}
