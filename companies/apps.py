from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Companies")

    def ready(self) -> None:
        # Registers the API key scheme with the OpenAPI generator.
        from companies import schema  # noqa: F401
