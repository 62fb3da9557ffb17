from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("评选救助与民意")

    def ready(self) -> None:
        from programs.ledgers import register_all

        register_all()
