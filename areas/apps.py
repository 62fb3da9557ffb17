from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "areas"
    verbose_name = _("区划")

    def ready(self) -> None:
        from areas import receivers  # noqa: F401  (records follow a moved grid)
