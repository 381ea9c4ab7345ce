"""Answers of the security package: 413 for a request that is too large (HTML or JSON), the 400
handler that turns Django's "too big" errors into that 413, and the API documentation page with
its own, slightly wider, content security policy."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import defaults

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView


def is_api_request(request: HttpRequest) -> bool:
    """API requests get JSON answers; pages get HTML (the same test as the step-up answer)."""
    return request.path.startswith("/api/")


def request_too_large(
    request: HttpRequest, *, limit: int | None = None, message: str = ""
) -> HttpResponse:
    """413: the request body (or an upload in it) is larger than the portal accepts."""
    limit = limit if limit is not None else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    kib = max(1, limit // 1024)
    if not message:
        message = _("The request is too large: the portal accepts at most %(size)d KiB.") % {
            "size": kib
        }
    if is_api_request(request):
        return JsonResponse(
            {"detail": message, "code": "request_too_large", "max_bytes": limit}, status=413
        )
    return render(request, "413.html", {"message": message, "max_kib": kib}, status=413)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler, except that a body or a form over the limits is a 413."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = _("The request has too many fields or files.")
        return request_too_large(request, message=message)
    return defaults.bad_request(request, exception)


# The API documentation (Redoc, served from our own static files) has no inline script: the page
# is our template, which loads Redoc and a static start-up file. Redoc itself writes its styles
# into <style> elements at run time and runs its search in a worker made from a blob, so this one
# page allows inline styles (never inline scripts), blob workers and data: images.
API_DOCS_CSP = {
    "style-src": ["'unsafe-inline'"],
    "worker-src": ["'self'", "blob:"],
    "img-src": ["data:"],
}


@method_decorator(csp_update(API_DOCS_CSP), name="dispatch")
class ApiDocsView(SpectacularRedocView):
    pass
