"""Fixed-window event counters in the shared cache (Redis in production).

Each window is one cache key whose name carries the window's number, so a window ends by itself:
the next one is a new key, and the old one expires. A burst may straddle two windows and reach
twice the limit in a short time; that is the price of one Redis round trip per event.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from django.core.cache import cache

from csam.cache import CACHE_UNAVAILABLE, Counter, read_many
from csam.security import clock

logger = logging.getLogger(__name__)

KEY_PREFIX = "security"


@dataclass(frozen=True)
class Window:
    count: int  # events counted in the current window, this one included
    retry_after: int  # seconds until the current window ends


def _key(name: str, window: int, at: float) -> tuple[str, int]:
    index = int(at // window)
    remaining = max(1, int((index + 1) * window - at))
    return f"{KEY_PREFIX}:{name}:{window}:{index}", remaining


def window_hit(name: str, *, window: int) -> Window:
    """Count one event under ``name`` in the current window of ``window`` seconds."""
    key, remaining = _key(name, window, clock.now())
    try:
        # The same count as a `Limit` counted along with other reads (one round trip on Redis).
        count = read_many([], [Counter(key=key, expires=window + 1)])[1][0]
    except CACHE_UNAVAILABLE as error:
        # Fail open while Redis is down: refusing everyone would turn a cache outage into a
        # portal outage. Log-ins stay limited per username and address by django-axes, which
        # counts in the database.
        logger.warning("rate limit not counted, cache unreachable: %s", error)
        count = 0
    return Window(count=count, retry_after=remaining)


@dataclass(frozen=True)
class Limit:
    """A limit on the events under one name in the current window, for a caller that counts the
    event along with its own cache reads (`csam.cache.read_many`) rather than with `window_hit`."""

    counter: Counter
    limit: int
    retry_after: int  # seconds until the current window ends


class LimitReached(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def window_limit(name: str, *, window: int, limit: int) -> Limit:
    """The `Limit` of ``limit`` events under ``name`` per window of ``window`` seconds; counting
    through it counts the same events as `window_hit`."""
    key, remaining = _key(name, window, clock.now())
    return Limit(counter=Counter(key=key, expires=window + 1), limit=limit, retry_after=remaining)


def window_count(name: str, *, window: int) -> Window:
    """The events counted under ``name`` in the current window, without counting one."""
    key, remaining = _key(name, window, clock.now())
    try:
        count = int(cache.get(key) or 0)
    except CACHE_UNAVAILABLE as error:
        logger.warning("rate limit not read, cache unreachable: %s", error)  # open, as above
        count = 0
    return Window(count=count, retry_after=remaining)


def address_bucket(address: str) -> str:
    """The name an address is counted under. An IPv6 host usually holds a whole /64, so the /64
    counts as one address; anything unparsable is counted as written."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
