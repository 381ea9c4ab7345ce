"""The scopes a relying party may ask for, and which of them each client may receive."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from oauth2_provider.scopes import BaseScopes

from csam.oidc.models import SCOPE_NAMES

# What a person is told on the consent page, per scope.
SCOPE_DESCRIPTIONS = {
    "openid": _("who you are to this service (an identifier, not your national number)"),
    "profile": _("your name and preferred language"),
    "egovnrn": _("your national register number"),
    "enterprise": _("the company you act for"),
    "roles": _("your roles in this service, for whom you act"),
    "mandate": _("the mandate you act under and whom it represents"),
    "age": _("whether you are over 16, 18 and 21 (not your birth date)"),
}


class ServiceScopes(BaseScopes):
    """A client may receive only the scopes staff allowed it (``allowed_scopes``)."""

    def get_all_scopes(self) -> dict[str, Any]:
        return {name: SCOPE_DESCRIPTIONS[name] for name in SCOPE_NAMES}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            # Discovery: every scope the portal knows.
            return list(SCOPE_NAMES)
        return [name for name in SCOPE_NAMES if name in application.allowed_scope_set]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return ["openid"]
