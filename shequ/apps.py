from django.apps import AppConfig


class ShequConfig(AppConfig):
    name = "shequ"
    verbose_name = "shequ"
