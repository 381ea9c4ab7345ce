from django.apps import AppConfig
from django.core.signals import request_finished


class ObservabilityConfig(AppConfig):
    name = "csam.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from csam.observability.middleware import request_id_forget

        request_finished.connect(request_id_forget, dispatch_uid="csam-request-id-forget")
