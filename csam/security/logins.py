"""Failed log-ins per address, so that one address cannot try one password on many usernames.

django-axes locks a username and address pair after ``LOGIN_FAILURE_LIMIT`` failures. That does
not stop an address that tries each username only a few times, so failures are also counted per
address, whatever the username, and `LoginThrottleMiddleware` refuses password log-ins from an
address that reached ``LOGIN_ADDRESS_FAILURE_LIMIT`` within ``LOGIN_ADDRESS_WINDOW``. That limit
is higher than the pair's: many people may share one address (an office behind NAT).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from csam.security.counters import address_bucket, window_count, window_hit
from identity.services import client_ip

logger = logging.getLogger(__name__)

# The views that check a password; a POST to any of them counts as a log-in attempt.
PASSWORD_LOGIN_VIEWS = frozenset({"identity:login", "admin:login"})


def address_key(address: str) -> str:
    return f"login-address:{address_bucket(address)}"


def _window_seconds() -> int:
    return max(1, int(settings.LOGIN_ADDRESS_WINDOW.total_seconds()))


@receiver(user_login_failed, dispatch_uid="csam.security.count_failed_login")
def count_failed_login(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    """Count a failed log-in against the address it came from."""
    address = client_ip(request) if isinstance(request, HttpRequest) else None
    if not address or settings.LOGIN_ADDRESS_FAILURE_LIMIT <= 0:
        return
    window = window_hit(address_key(address), window=_window_seconds())
    if window.count == settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        logger.warning("log-in paused for an address after %d failures", window.count)


def login_address_retry_after(request: HttpRequest) -> int | None:
    """Seconds until ``request``'s address may log in again, or None when it may now."""
    address = client_ip(request)
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    if not address or limit <= 0:
        return None
    window = window_count(address_key(address), window=_window_seconds())
    if window.count < limit:
        return None
    return window.retry_after
