from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("案件")

    def ready(self) -> None:
        from cases.ledgers import register_all
        from cases.services import refuse_ending_a_followed_membership
        from people.services import MEMBERSHIP_END_CHECKS

        register_all()
        if refuse_ending_a_followed_membership not in MEMBERSHIP_END_CHECKS:
            MEMBERSHIP_END_CHECKS.append(refuse_ending_a_followed_membership)
