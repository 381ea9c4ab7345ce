"""The authorization endpoint: log-in and step-up to the level asked, the choice of whom to act
for, consent, and the code."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import add_params_to_uri

from companies.selectors import company_get_by_id, company_list_with_ties
from csam.authz.engine import Decision
from csam.authz.services import (
    acting_choose_company,
    acting_choose_mandate,
    acting_mandate_options,
)
from csam.oidc.claims import acr_value
from csam.oidc.models import ServiceApplication
from csam.oidc.scopes import SCOPE_DESCRIPTIONS
from csam.oidc.services import (
    ActingChoice,
    acting_choice_for_mandate,
    audit_refusal,
    required_level,
    token_basis_build,
)
from csam.oidc.views._common import _issuer
from identity.assurance import AssuranceLevel, assurance_of
from mandates.selectors import mandate_get_by_id


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
        else:
            kind, _sep, number = choice_value.partition("-")
            if kind not in ("company", "mandate") or not number.isdigit():
                return self._render(
                    request, scopes, credentials, application, level, [denied], status=400
                )
            decision, found = self._choose(request, kind, int(number))
            if decision is None or not decision.allowed:
                reasons = [r.message for r in decision.reasons] if decision else [denied]
                return self._render(
                    request, scopes, credentials, application, level, reasons, status=403
                )
            choice = (
                ActingChoice(company=found)
                if kind == "company"
                else acting_choice_for_mandate(mandate=found)
            )
        return self._issue(request, scopes, credentials, application, choice, as_urn)

    @staticmethod
    def _choose(request: HttpRequest, kind: str, pk: int) -> tuple[Decision | None, Any]:
        """The engine's decision on acting for the company or under the mandate ``pk`` (chosen
        on the consent page), and what was chosen; (None, None) when there is no such thing."""
        if kind == "company":
            company = company_get_by_id(company_id=pk)
            if company is None:
                return None, None
            return acting_choose_company(request=request, company=company), company
        mandate = mandate_get_by_id(mandate_id=pk)
        if mandate is None:
            return None, None
        return acting_choose_mandate(request=request, mandate=mandate), mandate

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
