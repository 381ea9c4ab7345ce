"""DRF authentication for e-government service clients: ``Authorization: Bearer <key>``."""

from __future__ import annotations

import threading
import time

from django.utils.translation import gettext_lazy as _

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from companies.models import ServiceClient
from companies.services import service_client_key_matches, split_api_key

# The key check runs on every API request of a service; each worker remembers a checked client
# for a few seconds so a busy service costs no query per request. A deactivated client or a
# replaced key stops working within that time.
KEY_CACHE_SECONDS = 15
_cache: dict[str, tuple[float, ServiceClient, str]] = {}
_lock = threading.Lock()


def _load(prefix: str) -> ServiceClient | None:
    with _lock:
        entry = _cache.get(prefix)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
    client = (
        ServiceClient.objects.filter(key_prefix=prefix, is_active=True)
        .select_related("organisation")
        .prefetch_related("services")
        .first()
    )
    if client is not None:
        # Evaluate the services now so later requests read them from memory.
        client.service_codes = frozenset(s.code for s in client.services.all())  # type: ignore[attr-defined]
        with _lock:
            if len(_cache) > 10_000:
                _cache.clear()
            _cache[prefix] = (time.monotonic() + KEY_CACHE_SECONDS, client, client.key_hash)
    return client


def forget_cached_clients() -> None:
    """Drop every remembered client (tests, and after staff change a client)."""
    with _lock:
        _cache.clear()


class ServiceClientAuthentication(authentication.BaseAuthentication):
    """A request with a Bearer key is a service client's, or it is refused with 401.

    Requests without an Authorization header fall through to the next authenticator (sessions).
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ServiceClient, ServiceClient] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme != self.keyword:
            return None
        parts = split_api_key(key.strip())
        if parts is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        prefix, secret = parts
        client = _load(prefix)
        # Same answer for an unknown prefix and a wrong secret: nothing to learn by probing.
        if client is None or not service_client_key_matches(client=client, secret=secret):
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        return client, client

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
