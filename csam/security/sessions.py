"""Session lifetimes: an idle timeout and an absolute one, both counted from the server's side.

A log-in starts two clocks in the session: when it began and when it was last used. A request
after ``SESSION_IDLE_TIMEOUT`` without activity, or after ``SESSION_ABSOLUTE_TIMEOUT`` since the
log-in, ends the session (`SessionTimeoutMiddleware`). A step-up keeps the clocks: it proves more
about the same log-in, it does not start a new one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from csam.security import clock

STARTED_KEY = "csam_session_started"
LAST_SEEN_KEY = "csam_session_last_seen"


class Expiry(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"


@receiver(user_logged_in, dispatch_uid="csam.security.start_session_clocks")
def start_session_clocks(sender: Any, request: Any = None, user: Any = None, **kw: Any) -> None:
    """Every log-in (password, eID, or the same person again) starts both clocks afresh."""
    session = getattr(request, "session", None)
    if session is None:
        return
    at = int(clock.now())
    session[STARTED_KEY] = at
    session[LAST_SEEN_KEY] = at


def session_expiry(session: Any) -> Expiry | None:
    """Why this logged-in session has ended, or None while it lasts."""
    at = clock.now()
    started = session.get(STARTED_KEY)
    last_seen = session.get(LAST_SEEN_KEY)
    absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    # The absolute limit is checked first: it is the one activity cannot push back.
    if isinstance(started, int | float) and at - started > absolute:
        return Expiry.ABSOLUTE
    if isinstance(last_seen, int | float) and at - last_seen > idle:
        return Expiry.IDLE
    return None


def session_touch(session: Any) -> None:
    """Record activity. The stored time moves only when it is a little stale, so an active
    session is not written back on every request."""
    at = int(clock.now())
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    step = max(1, min(60, int(idle // 10)))
    if not isinstance(session.get(STARTED_KEY), int | float):
        # A session opened before the clocks existed: its lifetime counts from now.
        session[STARTED_KEY] = at
    last_seen = session.get(LAST_SEEN_KEY)
    if not isinstance(last_seen, int | float) or at - last_seen >= step:
        session[LAST_SEEN_KEY] = at
