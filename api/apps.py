from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from api import receivers  # noqa: F401  (connects the signal receivers)
