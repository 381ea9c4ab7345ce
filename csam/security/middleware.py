"""Middleware of the security package. Their places in ``MIDDLEWARE`` matter; see settings."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext

from csp.middleware import CSPMiddleware, PolicyParts

from csam.audit.services import audit_record
from csam.security.logins import PASSWORD_LOGIN_VIEWS, login_address_retry_after
from csam.security.sessions import Expiry, session_expiry, session_touch
from csam.security.views import is_api_request, request_too_large
from identity.services import client_ip

# Browser features no page of the portal uses. The eID card is read by a signer program on the
# citizen's computer, reached over HTTP, so not even WebUSB or WebHID is needed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "payment",
        "publickey-credentials-get",
        "serial",
        "usb",
    )
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with one addition read at each answer: ``connect-src`` also names
    the origin of the eID signer on the citizen's computer (``EID_AGENT_URL``), which the eID
    script of the log-in and step-up pages calls."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and settings.EID_AGENT_URL:
            update = dict(parts.update or {})
            update["connect-src"] = [
                *update.get("connect-src", []),
                _origin(settings.EID_AGENT_URL),
            ]
            parts.update = update
        return parts


class SecurityHeadersMiddleware:
    """The headers Django's SecurityMiddleware does not set: Permissions-Policy, and
    Cross-Origin-Resource-Policy (no other site may load our pages or API answers as resources).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _size_limit(request: HttpRequest) -> int | None:
    multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
    return settings.REQUEST_MAX_UPLOAD_SIZE if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def request_within_size_limit(request: HttpRequest) -> bool:
    """Whether `RequestSizeLimitMiddleware` lets the request through."""
    limit = _size_limit(request)
    return limit is None or _content_length(request) <= limit


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is over the limit with 413, before anything reads it.

    Uploads (multipart) may be up to ``REQUEST_MAX_UPLOAD_SIZE``; any other body up to
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``. Django checks the latter only for forms, and files not at
    all, and DRF's JSON parser reads the body without a limit, so the check is made here, once,
    for everything. A form field past the limit in an upload still raises Django's
    `RequestDataTooBig`, which the 400 handler answers with 413 too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = _size_limit(request)
        if limit is not None and _content_length(request) > limit:
            return request_too_large(request, limit=limit)
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """End a logged-in session after ``SESSION_IDLE_TIMEOUT`` without activity or
    ``SESSION_ABSOLUTE_TIMEOUT`` after the log-in, whichever comes first.

    The person is logged out, the end is audited, and they land on the log-in page with a message
    saying why (pages), or get 401 with ``"code": "session_expired"`` (API). Placed after the
    messages middleware, which carries the message across the log-out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expiry = session_expiry(request.session)
            if expiry is not None:
                return self._end(request, expiry)
            session_touch(request.session)
        return self.get_response(request)

    def _end(self, request: HttpRequest, expiry: Expiry) -> HttpResponse:
        user: Any = request.user
        audit_record(
            action="identity.session_expired",
            actor_user_id=user.pk,
            actor_label=user.get_username(),
            ip_address=client_ip(request),
            data={"reason": expiry.value},
        )
        logout(request)
        message = self.message(expiry)
        if is_api_request(request):
            return JsonResponse({"detail": message, "code": "session_expired"}, status=401)
        messages.warning(request, message)
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('identity:login')}?{query}")

    @staticmethod
    def message(expiry: Expiry) -> str:
        if expiry is Expiry.IDLE:
            minutes = max(1, round(settings.SESSION_IDLE_TIMEOUT.total_seconds() / 60))
            return ngettext(
                "You were logged out after %(minutes)d minute without activity. "
                "Please log in again.",
                "You were logged out after %(minutes)d minutes without activity. "
                "Please log in again.",
                minutes,
            ) % {"minutes": minutes}
        hours = max(1, round(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() / 3600))
        return ngettext(
            "You were logged out: a session lasts at most %(hours)d hour. Please log in again.",
            "You were logged out: a session lasts at most %(hours)d hours. Please log in again.",
            hours,
        ) % {"hours": hours}


class LoginThrottleMiddleware:
    """Refuse password log-ins (429) from an address with too many recent failed log-ins,
    whatever the usernames tried (`csam.security.logins`). The per-username lock-out of the same
    address is django-axes's, whose middleware follows this one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in PASSWORD_LOGIN_VIEWS:
            return None
        retry_after = login_address_retry_after(request)
        if retry_after is None:
            return None
        minutes = max(1, math.ceil(retry_after / 60))
        response = render(
            request, "security/login_throttled.html", {"minutes": minutes}, status=429
        )
        response["Retry-After"] = str(retry_after)
        return response
