"""API rate limits (DRF throttles): per service client, per logged-in person and per address.

Each counts requests in fixed windows in the shared cache (`csam.security.counters`): one Redis
round trip per request, whatever the rate, where DRF's own throttles keep a list of every
request's time. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (set from the
environment); a rate of None turns that limit off. An exceeded limit answers 429 with DRF's
message and a ``Retry-After`` header.
"""

from __future__ import annotations

import functools
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from companies.models import ServiceClient
from csam.security.counters import Limit, address_bucket, window_hit, window_limit
from identity.services import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.lru_cache(maxsize=64)
def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"600/minute"`` → (600, 60). None, "" or "off" → None (no limit)."""
    if rate is None or rate.strip().lower() in {"", "off", "none"}:
        return None
    number, _sep, period = rate.partition("/")
    try:
        return int(number), _PERIODS[period.strip().lower()[:1]]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"not a rate: {rate!r} (expected e.g. 600/minute)") from exc


class _WindowRateThrottle(BaseThrottle):
    scope: str = ""

    def __init__(self) -> None:
        self._wait: int | None = None

    def caller_key(self, request: Request) -> str | None:
        """Whom to count this request against; None when this throttle does not apply."""
        raise NotImplementedError

    def _rate_and_name(self, request: Request) -> tuple[int, int, str] | None:
        rate = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        if rate is None:
            return None
        key = self.caller_key(request)
        if key is None:
            return None
        return rate[0], rate[1], f"api:{self.scope}:{key}"

    def limit_for(self, request: Request) -> Limit | None:
        """This request's limit, for a caller that counts the request itself along with its
        own cache reads (the decision endpoints' lean path); None when this throttle does not
        apply."""
        found = self._rate_and_name(request)
        if found is None:
            return None
        limit, period, name = found
        return window_limit(name, window=period, limit=limit)

    def allow_request(self, request: Request, view: Any) -> bool:
        found = self._rate_and_name(request)
        if found is None:
            return True
        if getattr(getattr(request, "_request", request), "csam_rate_counted", False):
            return True  # counted once already, by the decision endpoints' lean path
        limit, period, name = found
        window = window_hit(name, window=period)
        if window.count <= limit:
            return True
        self._wait = window.retry_after
        return False

    def wait(self) -> int | None:
        return self._wait


class ServiceClientRateThrottle(_WindowRateThrottle):
    """Per e-government service client (API key): rate ``service_client``."""

    scope = "service_client"

    def caller_key(self, request: Request) -> str | None:
        client = request.auth
        return str(client.pk) if isinstance(client, ServiceClient) else None


class PersonRateThrottle(_WindowRateThrottle):
    """Per logged-in person using the API with their session: rate ``user``."""

    scope = "user"

    def caller_key(self, request: Request) -> str | None:
        user = request.user
        if isinstance(request.auth, ServiceClient) or not user.is_authenticated:
            return None
        return str(user.pk)


class AddressRateThrottle(_WindowRateThrottle):
    """Per address for requests without credentials (the public register): rate ``anon``."""

    scope = "anon"

    def caller_key(self, request: Request) -> str | None:
        if request.user.is_authenticated:
            return None
        return address_bucket(client_ip(request._request) or "unknown")
