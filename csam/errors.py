"""The 500 handler, which answers 503 when the error is that PostgreSQL cannot be reached.

A lost database connection can surface anywhere: in a middleware (loading the session, the user,
the acting context) as well as in a view, so this is Django's ``handler500`` and reads the
exception being handled. The answer touches neither the database nor the cache: a plain page
for people, JSON for the API.

No partial write is left behind: every change goes through a service under
``transaction.atomic``, so a connection lost in the middle of one rolls the whole change back
(PostgreSQL discards an uncommitted transaction when its connection ends).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from csam.security.views import is_api_request

# Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) says the database could not be reached or used."""
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503: the database is unreachable; nothing was saved, try again later."""
    message = _(
        "The portal cannot reach its database at the moment. Nothing was saved. "
        "Please try again in a few minutes."
    )
    if is_api_request(request):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "database_unavailable"}, status=503
        )
    else:
        # No request context: its processors (the user, the acting context) read the database.
        body = loader.render_to_string("503.html", {"message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler, except that an unreachable database is a 503."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable(request)
    return defaults.server_error(request)
