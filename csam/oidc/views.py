"""The OpenID Connect endpoints: authorization (with step-up and the choice of whom to act
for), token (with RFC 8693 token exchange), introspection, discovery and log-out.

The toolkit's views serve JWKS, userinfo and revocation unchanged; the validator
(csam/oidc/validators.py) adapts what they do.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import (
    ConnectDiscoveryInfoView,
    RPInitiatedLogoutView,
    TokenView,
)
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OauthlibRequest
from oauthlib.common import add_params_to_uri

from companies.selectors import company_get_by_id, company_list_with_ties
from csam.authz.services import (
    acting_choose_company,
    acting_choose_mandate,
    acting_mandate_options,
)
from csam.oidc.claims import CLAIMS_SUPPORTED, acr_value
from csam.oidc.models import ServiceApplication
from csam.oidc.scopes import SCOPE_DESCRIPTIONS
from csam.oidc.services import (
    GRANT_TYPE_EXCHANGE,
    TOKEN_TYPE_ACCESS,
    ActingChoice,
    ExchangeRefused,
    acting_choice_for_mandate,
    audit_refusal,
    required_level,
    token_basis_build,
    token_exchange,
    token_introspect,
)
from identity.assurance import AssuranceLevel, assurance_of
from mandates.selectors import mandate_get_by_id


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


# --- Authorization endpoint -------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class AuthorizeView(OAuthLibMixin, View):
    """OpenID Connect authorization with the code flow and PKCE.

    The request is checked first (client, redirect URI, PKCE, scopes the client is allowed),
    so a bad request is refused before anyone logs in; a bad client or redirect URI gets an
    error page, never a redirect. Then: log-in; the level of assurance the client asks with
    ``acr_values`` (or its registered minimum), reached by a step-up; the person's consent and
    their choice of whom to act for, decided by the engine; and the code.
    """

    template_name = "oidc/authorize.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._handle(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._handle(request)

    # Errors ----------------------------------------------------------------------------------

    def _fatal(self, request: HttpRequest, error: OAuthToolkitError) -> HttpResponse:
        oauthlib_error = error.oauthlib_error
        audit_refusal(
            action="oidc.authorization_refused",
            client_id=request.GET.get("client_id", ""),
            user=request.user,
            error=oauthlib_error.error,
        )
        return render(
            request,
            "oidc/error.html",
            {"error": oauthlib_error.error, "description": oauthlib_error.description},
            status=oauthlib_error.status_code,
        )

    def _redirect_error(
        self,
        request: HttpRequest,
        credentials: dict[str, Any],
        application: ServiceApplication | None,
        error: str,
        description: str,
    ) -> HttpResponse:
        audit_refusal(
            action="oidc.authorization_refused",
            client_id=credentials.get("client_id") or "",
            user=request.user,
            error=error,
        )
        params = [("error", error), ("error_description", description)]
        if credentials.get("state"):
            params.append(("state", credentials["state"]))
        params.append(("iss", _issuer(request)))
        uri = add_params_to_uri(credentials["redirect_uri"], params)
        schemes = (
            application.get_allowed_schemes()
            if application is not None
            else oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES
        )
        return OAuth2ResponseRedirect(uri, schemes)

    # The flow --------------------------------------------------------------------------------

    def _handle(self, request: HttpRequest) -> HttpResponse:
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except FatalClientError as error:
            return self._fatal(request, error)
        except OAuthToolkitError as error:
            oauthlib_error = error.oauthlib_error
            if not oauthlib_error.redirect_uri:
                return self._fatal(request, error)
            return self._redirect_error(
                request,
                {
                    "redirect_uri": oauthlib_error.redirect_uri,
                    "state": oauthlib_error.state,
                    "client_id": request.GET.get("client_id", ""),
                },
                None,
                oauthlib_error.error,
                oauthlib_error.description or "",
            )
        application = credentials["request"].client
        # PKCE with S256 only (RFC 9700 §2.1.1): "plain" would show the verifier to the browser.
        if credentials.get("code_challenge_method") != "S256":
            return self._redirect_error(
                request,
                credentials,
                application,
                "invalid_request",
                "PKCE with code_challenge_method=S256 is required.",
            )
        prompt = set(request.GET.get("prompt", "").split())
        try:
            level, as_urn = required_level(
                request.GET.get("acr_values", ""),
                minimum=AssuranceLevel(application.min_assurance),
            )
        except ValueError:
            return self._redirect_error(
                request,
                credentials,
                application,
                "invalid_request",
                "None of the acr_values is known: use low, substantial or high, or their URNs.",
            )
        if "login" in prompt and request.method == "GET":
            return self._login_again(request)
        if not request.user.is_authenticated:
            if "none" in prompt:
                return self._redirect_error(
                    request, credentials, application, "login_required", "Log-in required."
                )
            return redirect_to_login(request.get_full_path())
        assurance = assurance_of(request)
        if not assurance.satisfies(level):
            if "none" in prompt:
                return self._redirect_error(
                    request,
                    credentials,
                    application,
                    "interaction_required",
                    f"The level of assurance {level.value} needs a step-up.",
                )
            query = urlencode({"level": level.value, "next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('identity:step_up')}?{query}")
        if request.user.person is None:
            return self._redirect_error(
                request, credentials, application, "access_denied", "No person behind the account."
            )
        if "none" in prompt:
            return self._issue(
                request, scopes, credentials, application, self._current_choice(request), as_urn
            )
        if request.method == "POST":
            return self._decide(request, scopes, credentials, application, as_urn)
        return self._render(request, scopes, credentials, application, level)

    def _login_again(self, request: HttpRequest) -> HttpResponse:
        """prompt=login: end the session and come back here, without the prompt, after log-in."""
        query = request.GET.copy()
        query.pop("prompt", None)
        auth_logout(request)
        return redirect_to_login(f"{request.path}?{query.urlencode()}")

    def _current_choice(self, request: HttpRequest) -> ActingChoice:
        acting = request.acting  # type: ignore[attr-defined]
        if acting.mandate is not None:
            return acting_choice_for_mandate(mandate=acting.mandate)
        if acting.company is not None:
            return ActingChoice(company=acting.company)
        return ActingChoice()

    def _render(
        self,
        request: HttpRequest,
        scopes: list[str],
        credentials: dict[str, Any],
        application: ServiceApplication,
        level: AssuranceLevel,
        errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        person = request.user.person  # type: ignore[union-attr]
        acting = request.acting  # type: ignore[attr-defined]
        if acting.mandate is not None:
            current = f"mandate-{acting.mandate.pk}"
        elif acting.company is not None:
            current = f"company-{acting.company.pk}"
        else:
            current = "self"
        response = render(
            request,
            self.template_name,
            {
                "application": application,
                "scopes": [(s, SCOPE_DESCRIPTIONS.get(s, s)) for s in scopes],
                "companies": [
                    {"value": f"company-{c.pk}", "company": c}
                    for c in company_list_with_ties(person=person)
                    if c.is_active
                ],
                "mandates": [
                    {"value": f"mandate-{o.mandate.pk}", "represented": o.represented}
                    for o in acting_mandate_options(request=request)
                ],
                "current": current,
                "level": level,
                "session_level": assurance_of(request).effective_level(),
                "errors": errors or [],
            },
            status=status,
        )
        # The consent form's answer is a redirect to the client: the page's Content-Security-
        # Policy (form-action 'self') must also allow the client's registered origin.
        redirect = urlsplit(credentials["redirect_uri"])
        response._csp_update = {"form-action": [f"{redirect.scheme}://{redirect.netloc}"]}  # type: ignore[attr-defined]
        return response

    def _decide(
        self,
        request: HttpRequest,
        scopes: list[str],
        credentials: dict[str, Any],
        application: ServiceApplication,
        as_urn: bool,
    ) -> HttpResponse:
        if request.POST.get("decision") != "allow":
            return self._redirect_error(
                request, credentials, application, "access_denied", "The person declined."
            )
        choice_value = request.POST.get("acting", "self")
        level = assurance_of(request).effective_level() or AssuranceLevel.LOW
        denied = _("You cannot act for this party.")
        choice: ActingChoice
        if choice_value == "self":
            acting_choose_company(request=request, company=None)
            choice = ActingChoice()
        elif choice_value.startswith("company-") and choice_value[8:].isdigit():
            company = company_get_by_id(company_id=int(choice_value[8:]))
            decision = acting_choose_company(request=request, company=company) if company else None
            if decision is None or not decision.allowed:
                reasons = [r.message for r in decision.reasons] if decision else [denied]
                return self._render(
                    request, scopes, credentials, application, level, reasons, status=403
                )
            choice = ActingChoice(company=company)
        elif choice_value.startswith("mandate-") and choice_value[8:].isdigit():
            mandate = mandate_get_by_id(mandate_id=int(choice_value[8:]))
            decision = acting_choose_mandate(request=request, mandate=mandate) if mandate else None
            if decision is None or not decision.allowed:
                reasons = [r.message for r in decision.reasons] if decision else [denied]
                return self._render(
                    request, scopes, credentials, application, level, reasons, status=403
                )
            choice = acting_choice_for_mandate(mandate=mandate)  # type: ignore[arg-type]
        else:
            return self._render(
                request, scopes, credentials, application, level, [denied], status=400
            )
        return self._issue(request, scopes, credentials, application, choice, as_urn)

    def _issue(
        self,
        request: HttpRequest,
        scopes: list[str],
        credentials: dict[str, Any],
        application: ServiceApplication,
        choice: ActingChoice,
        as_urn: bool,
    ) -> HttpResponse:
        assurance = assurance_of(request)
        level = assurance.effective_level() or AssuranceLevel.LOW
        credentials["csam_basis"] = token_basis_build(
            user=request.user,  # type: ignore[arg-type]
            assurance=assurance,
            acr=acr_value(level, as_urn=as_urn),
            choice=choice,
        )
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self._redirect_error(
                request,
                credentials,
                application,
                error.oauthlib_error.error,
                error.oauthlib_error.description or "",
            )
        return OAuth2ResponseRedirect(uri, application.get_allowed_schemes())


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
