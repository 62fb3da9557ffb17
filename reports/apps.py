from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        from reports import rollups
        from reports.dashboard import tiles
        from shequ import home

        rollups.connect()

        if tiles not in home.PROVIDERS:
            home.PROVIDERS.append(tiles)
