"""Resolves the acting context once per request, and turns step-up demands into prompts."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from csam.authz.services import acting_context_resolve
from identity.assurance import StepUpRequired


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
