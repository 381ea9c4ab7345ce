"""Request id and request metrics. Both go first in ``MIDDLEWARE``, so that every log line of a
request carries its id and the measured time covers every other middleware."""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter

from django.http import HttpRequest, HttpResponseBase

from csam.observability.context import request_id_from, request_id_var
from csam.observability.metrics import request_observe

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Takes a sane incoming ``X-Request-ID`` (nginx passes its own, or the client's) or makes
    one; puts it on ``request.request_id``, in every log line of the request and in the headers
    of the Celery tasks it sends, and returns it in the response's ``X-Request-ID``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Kept until the response is closed (`request_id_forget`), not only until this returns:
        # Django logs a 4xx answer ("Not Found: ...") after the whole middleware chain.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def request_id_forget(**kwargs: object) -> None:
    """``request_finished`` receiver: lines logged after the request carry no id."""
    request_id_var.set(None)


class MetricsMiddleware:
    """Counts each answered request by view, method and status, and observes its duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        # No match: a 404, or a middleware answered before the URL was resolved.
        view = match.view_name if match is not None else "<none>"
        request_observe(view, request.method or "", response.status_code, perf_counter() - started)
        return response
