"""``/metrics``: the Prometheus exposition, for the configured monitoring addresses only."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from csam.observability.metrics import registry

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(addresses: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(address, strict=False) for address in addresses)


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether this request may read the metrics.

    Only a direct caller from ``METRICS_ALLOWED_ADDRESSES`` (addresses or networks) may: a
    request that came through the TLS proxy (it always adds ``X-Forwarded-For``) never does, even
    when the proxy's own address is allowed, so a visitor cannot read them through it.
    """
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in _networks(tuple(settings.METRICS_ALLOWED_ADDRESSES)))


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics in the Prometheus text format; "not found" for anyone else, like any
    address the portal does not serve."""
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
