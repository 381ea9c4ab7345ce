"""What the OpenID Connect endpoints share: the issuer, the calling client, JSON errors."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OauthlibRequest

from csam.oidc.models import ServiceApplication


def _issuer(request: HttpRequest) -> str:
    return oauth2_settings.oidc_issuer(request)


def _authenticated_client(view: OAuthLibMixin, request: HttpRequest) -> ServiceApplication | None:
    """The confidential client authenticated by this request (Basic or body credentials)."""
    core = view.get_oauthlib_core()
    uri, method, body, headers = core._extract_params(request)
    oauth_request = OauthlibRequest(uri, method, body, headers)
    if not core.server.request_validator.authenticate_client(oauth_request):
        return None
    client = oauth_request.client
    return client if isinstance(client, ServiceApplication) else None


def _error_json(error: str, description: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response
