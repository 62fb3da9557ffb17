from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("工作记录")

    def ready(self) -> None:
        from ledger import receivers  # noqa: F401  (participants follow a moved grid)
        from ledger.importing import RecordsImport
        from ledger.ledgers import register_all
        from people import importing

        register_all()
        importing.register(RecordsImport())
