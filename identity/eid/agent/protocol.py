"""What the agent speaks: its address, paths, limits, refusals and the form of a web origin."""

import re
from http import HTTPStatus
from urllib.parse import urlsplit

from django.utils.functional import Promise

DEFAULT_PORT = 38470
LOOPBACK = "127.0.0.1"
# Host names a browser may use for the agent (see the DNS rebinding check in `identity.eid.agent`).
LOOPBACK_HOST_NAMES = frozenset({"127.0.0.1", "localhost"})
MAX_BODY_BYTES = 8 * 1024
# A refused body up to this size is read and dropped so the client gets our answer (see
# `AgentRequestHandler._discard_unread_body`); a larger one is cut off.
DISCARD_LIMIT_BYTES = 64 * 1024
CHALLENGE_MIN_BYTES = 32
CHALLENGE_MAX_BYTES = 1024
# ASCII digits only: ``\d`` would also match other scripts' digits, which no card accepts.
PIN_PATTERN = re.compile(r"[0-9]{4,12}")
STATUS_PATH = "/v1/status"
SIGN_PATH = "/v1/sign"
# The methods each path answers, also announced in preflight answers and 405 responses.
ROUTES: dict[str, str] = {STATUS_PATH: "GET", SIGN_PATH: "POST"}
# Preflight answers may be cached this long by the browser (seconds).
PREFLIGHT_MAX_AGE = 600
# How long a connection may stay silent while we read the request: a stalled client must not hold
# a thread. Signing itself (a pinpad may take long) is not limited by this.
SOCKET_TIMEOUT_SECONDS = 15


class AgentRefusal(Exception):
    """A request the agent answers with an error: HTTP status, stable code, translatable message.

    The message never holds the PIN or anything else the request carried.
    """

    def __init__(self, status: HTTPStatus, code: str, message: Promise | str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(code)


def normalise_origin(value: str) -> str:
    """The ASCII serialisation of a web origin (``scheme://host[:port]``) as browsers send it.

    Accepts a base URL with a path (``https://portal.example/`` -> ``https://portal.example``),
    lowercases scheme and host, drops the scheme's default port. Raises ``ValueError`` for anything
    that is not an http(s) URL with a host, including ``*`` and ``null``.
    """
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) origin: {value!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"an origin has no user name or password: {value!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"an origin needs a host: {value!r}")
    port = parts.port  # raises ValueError on a port that is not a number
    if ":" in host:  # IPv6 literals keep their brackets in an origin
        host = f"[{host}]"
    default_port = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" if port in (None, default_port) else f"{scheme}://{host}:{port}"
