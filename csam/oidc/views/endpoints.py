"""The token endpoint (with RFC 8693 token exchange), introspection, discovery and log-out."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from oauth2_provider.views import (
    ConnectDiscoveryInfoView,
    RPInitiatedLogoutView,
    TokenView,
)
from oauth2_provider.views.mixins import OAuthLibMixin

from csam.oidc.claims import CLAIMS_SUPPORTED
from csam.oidc.services import (
    GRANT_TYPE_EXCHANGE,
    TOKEN_TYPE_ACCESS,
    ExchangeRefused,
    audit_refusal,
    token_exchange,
    token_introspect,
)
from csam.oidc.views._common import _authenticated_client, _error_json, _issuer
from identity.assurance import AssuranceLevel

# --- Token endpoint ---------------------------------------------------------------------------


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret", "subject_token"), name="dispatch")
class PortalTokenView(TokenView):
    """The toolkit's token endpoint, plus RFC 8693 token exchange; every refusal is audited."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("grant_type") == GRANT_TYPE_EXCHANGE:
            return self._exchange(request)
        response = super().post(request, *args, **kwargs)
        if response.status_code != 200:
            try:
                error = json.loads(response.content).get("error", "")
            except ValueError:
                error = ""
            audit_refusal(
                action="oidc.token_refused",
                client_id=request.POST.get("client_id", ""),
                error=str(error),
            )
        return response

    def _exchange(self, request: HttpRequest) -> HttpResponse:
        client = _authenticated_client(self, request)
        if client is None or not client.is_usable(request):
            audit_refusal(
                action="oidc.token_exchange_refused", client_id="", error="invalid_client"
            )
            return _error_json("invalid_client", "Client authentication failed.", status=401)
        subject_token = request.POST.get("subject_token", "")
        on_behalf_of = request.POST.get("on_behalf_of", "")
        if not subject_token or not on_behalf_of:
            audit_refusal(
                action="oidc.token_exchange_refused",
                client_id=client.client_id,
                error="invalid_request",
            )
            return _error_json("invalid_request", "subject_token and on_behalf_of are required.")
        try:
            result = token_exchange(
                client=client,
                subject_token=subject_token,
                subject_token_type=request.POST.get("subject_token_type", ""),
                on_behalf_of=on_behalf_of,
                scope=request.POST.get("scope") or None,
                issuer=_issuer(request),
            )
        except ExchangeRefused as refused:
            response = JsonResponse(
                {
                    "error": refused.error,
                    "error_description": refused.description,
                    "reasons": list(refused.reasons),
                },
                status=400,
            )
            response["Cache-Control"] = "no-store"
            return response
        response = JsonResponse(
            {
                "access_token": result.access_token,
                "issued_token_type": TOKEN_TYPE_ACCESS,
                "token_type": "Bearer",
                "expires_in": result.expires_in,
                "scope": result.scope,
            }
        )
        response["Cache-Control"] = "no-store"
        return response


# --- Introspection ----------------------------------------------------------------------------


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret", "token"), name="dispatch")
class IntrospectView(OAuthLibMixin, View):
    """RFC 7662 for the confidential clients of a service: the same subject, ``act``, ``acr``
    and ``amr`` as the token, after the rights behind it are checked again."""

    def post(self, request: HttpRequest) -> HttpResponse:
        client = _authenticated_client(self, request)
        if client is None or not client.is_usable(request):
            return _error_json("invalid_client", "Client authentication failed.", status=401)
        token = request.POST.get("token", "")
        if not token:
            return _error_json("invalid_request", "The token parameter is missing.")
        answer = token_introspect(client=client, raw_token=token, issuer=_issuer(request))
        response = JsonResponse(answer)
        response["Cache-Control"] = "no-store"
        return response


# --- Discovery and log-out --------------------------------------------------------------------


class DiscoveryView(ConnectDiscoveryInfoView):
    """The toolkit's discovery document, with the portal's levels, claims and endpoints."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "acr_values_supported": [
                    value for level in AssuranceLevel for value in (level.value, level.acr)
                ],
                "claims_supported": CLAIMS_SUPPORTED,
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", GRANT_TYPE_EXCHANGE],
                "introspection_endpoint": request.build_absolute_uri(
                    reverse("oauth2_provider:introspect")
                ),
                "revocation_endpoint": request.build_absolute_uri(
                    reverse("oauth2_provider:revoke-token")
                ),
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )
        patched = JsonResponse(data)
        patched["Access-Control-Allow-Origin"] = "*"
        return patched


class LogoutView(RPInitiatedLogoutView):
    """RP-initiated log-out, on the portal's own page."""

    template_name = "oidc/logout_confirm.html"

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        application = context.get("application")
        if application is not None:
            # The confirmation form's answer redirects to the client's post-logout address.
            origins = {
                f"{parts.scheme}://{parts.netloc}"
                for parts in map(urlsplit, application.post_logout_redirect_uris.split())
            }
            response._csp_update = {"form-action": sorted(origins)}  # type: ignore[attr-defined]
        return response
