"""Django's createsuperuser, holding the password to the same policy as every other account
(with --noinput Django would take DJANGO_SUPERUSER_PASSWORD as it is)."""

import os

from django.contrib.auth import password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options.get("interactive") and password is not None:
            try:
                password_validation.validate_password(password)
            except ValidationError as exc:
                raise CommandError(
                    _("密码不符合要求：%(errors)s") % {"errors": "；".join(exc.messages)}
                ) from None
        return super().handle(*args, **options)
