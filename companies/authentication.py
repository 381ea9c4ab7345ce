"""DRF authentication for e-government service clients: ``Authorization: Bearer <key>``."""

from django.utils.translation import gettext_lazy as _

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from companies.models import ServiceClient
from companies.services import service_client_key_matches, split_api_key


class ServiceClientAuthentication(authentication.BaseAuthentication):
    """A request with a Bearer key is a service client's, or it is refused with 401.

    Requests without an Authorization header fall through to the next authenticator (sessions).
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ServiceClient, ServiceClient] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme != self.keyword:
            return None
        key = key.strip()
        parts = split_api_key(key)
        if parts is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        prefix, secret = parts
        client = (
            ServiceClient.objects.filter(key_prefix=prefix, is_active=True)
            .select_related("organisation")
            .first()
        )
        # Same answer for an unknown prefix and a wrong secret: nothing to learn by probing.
        if client is None or not service_client_key_matches(client=client, secret=secret):
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        return client, client

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
