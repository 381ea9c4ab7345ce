from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "csam.security"
    label = "csam_security"
    verbose_name = _("Security")

    def ready(self) -> None:
        # Connect the log-in signal receivers (failed log-ins per address, session clocks).
        from csam.security import logins, sessions  # noqa: F401
