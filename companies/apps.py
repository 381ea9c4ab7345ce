from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Companies")

    def ready(self) -> None:
        # Registers the API key scheme with the OpenAPI generator.
        # Any change to the catalogue, by a service, the admin or a data fix, gives it a new
        # version, which also retires every cached decision.
        from django.db.models.signals import post_delete, post_save

        from companies import schema  # noqa: F401
        from companies.catalogue import catalogue_row_changed
        from companies.models import Domain, Role, Service

        for model in (Domain, Service, Role):
            uid = f"catalogue-{model.__name__}"
            post_save.connect(catalogue_row_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(catalogue_row_changed, sender=model, dispatch_uid=uid + "-deleted")
