"""Resolves the acting context once per request, and turns step-up demands into prompts."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, ResolverMatch, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from csam.authz.services import acting_context_resolve
from identity.assurance import StepUpRequired

# The content security policy of API answers: a JSON answer loads nothing and is never framed.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class DecisionShortcutMiddleware:
    """Answers a service's well-formed decision request ahead of the browser middleware.

    E-government services ask on every request that matters. Their calls carry an API key and no
    cookie, so sessions, CSRF, user authentication, one-time codes, messages, session timeouts
    and the acting context have nothing to do for them, and a page's content security policy
    (which scripts, styles and frames a page may use) has nothing to say about a JSON answer.
    This middleware sits above those (below the request id, metrics and the other security
    headers), gives its answers the policy for API answers (`API_CONTENT_SECURITY_POLICY`: load
    nothing, be framed by no one), and answers through the decision endpoints'
    lean path (`csam.authz.apis.lean_decision_answer`): the same key check, rate limit,
    validation, engine and JSON as the endpoints themselves, in the language of the request's
    ``Accept-Language`` (or language cookie). Anything else — another path, no key, a bad key,
    a body over the size limit, a malformed or refused question, a rate limit reached — goes down
    the whole stack as before, and is answered by the endpoints through DRF.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Where the decision endpoints resolved (a handful of paths: only matches are kept).
        self._matches: dict[str, ResolverMatch] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "POST"
            and request.path_info.startswith("/api/")
            and request.META.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
        ):
            response = self._answer(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _answer(self, request: HttpRequest) -> HttpResponse | None:
        from csam.authz.apis import is_lean_decision_view, lean_decision_answer
        from csam.security.middleware import request_within_size_limit

        match = self._matches.get(request.path_info)
        if match is None:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return None
            if not is_lean_decision_view(getattr(match.func, "view_class", None)):
                return None
            self._matches[request.path_info] = match
        if not request_within_size_limit(request):
            return None
        view_class = match.func.view_class  # type: ignore[attr-defined]
        language = translation.get_language_from_request(request)
        request.resolver_match = match
        current = translation.get_language()
        if language == current:
            response = lean_decision_answer(request, view_class)
        else:
            with translation.override(language):
                response = lean_decision_answer(request, view_class)
        if response is None:
            request.resolver_match = None
            return None
        # As LocaleMiddleware would have.
        patch_vary_headers(response, ("Accept-Language",))
        response.headers["Content-Language"] = language
        response.headers["Content-Security-Policy"] = API_CONTENT_SECURITY_POLICY
        return response


class ActingContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.acting = SimpleLazyObject(lambda: acting_context_resolve(request))
        return self.get_response(request)


class AssuranceMiddleware:
    """A view that raised `StepUpRequired` sends the user to the step-up page, then back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, StepUpRequired):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(exception.payload(), status=403)
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('identity:login')}?{query}")
        messages.info(request, exception.message)
        params = {"level": exception.required.value}
        if exception.within is not None:
            # Re-authentication: the step-up page asks for the level even if the session has it.
            params["reauthenticate"] = "1"
        query = urlencode({**params, "next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('identity:step_up')}?{query}")
