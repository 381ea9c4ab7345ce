"""The local eID signer ("agent"): a small HTTP server on the citizen's own computer.

The log-in page cannot reach a card reader, so the citizen runs ``python manage.py eid_agent``
next to the browser. The page asks the portal for a challenge, hands challenge and PIN to the
agent, and sends the certificate and signature the card returns to the portal. The PIN goes from
the page to this process and on to the card's PKCS#11 module, nowhere else: the agent never logs
it, never echoes it in a response and never keeps it after the request.

Endpoints (JSON in and out):

- ``GET /v1/status`` -> ``{"cards": <number of eID cards present>}`` (only the chosen card when the
  agent was started with a card serial).
- ``POST /v1/sign`` with ``{"challenge": "<base64 of 32..1024 bytes>", "pin": "<4..12 digits>"}``
  -> ``{"certificate": "<base64 DER>", "signature": "<base64>", "key_type": "rsa"|"ec"}``, through
  `identity.eid.pkcs11.sign_challenge`.
- Every error -> ``{"code": ..., "message": ...}``: 400 bad input, 401 wrong PIN (the message says
  when tries run low), 403 refused host or origin, 404, 405, 409 several cards, 411, 413 body over
  8 KiB, 415 not JSON, 423 PIN blocked, 502 other card failure, 503 no reader or no card.
  Messages are translated into the language of the request's ``Accept-Language`` header (the
  page sends its own language), among ``settings.LANGUAGES``.

Who may talk to it, and why each check exists:

- It listens on 127.0.0.1 only (`build_agent_server` refuses any other address): nothing on the
  network may ask the card for a signature.
- Every request must carry an ``Origin`` that is one of ``EID_AGENT_ALLOWED_ORIGINS`` (default:
  the origin of ``PORTAL_BASE_URL``). Browsers set ``Origin`` on cross-origin requests and pages
  cannot forge it, so any other web site the citizen visits is refused (403), and so is a request
  without ``Origin``. The answer names the one allowed origin, never ``*``.
- The ``Host`` header must name the loopback address and our port: a page on a hostile domain
  that resolves to 127.0.0.1 (DNS rebinding) sends its own host name and is refused.
- ``POST /v1/sign`` requires ``Content-Type: application/json``, which makes every browser send a
  CORS preflight first; the preflight is answered only for allowed origins, with
  ``Access-Control-Allow-Private-Network: true`` for Chrome's Private Network Access.

The settings are read when the server is built (`build_agent_server`), so a test can change them
with pytest-django's ``settings`` fixture first.

The submodules, all re-exported here (import from ``identity.eid.agent``):

- `protocol`: the address, paths and limits, `AgentRefusal` and `normalise_origin`.
- `server`: the allowed origins from the settings, `AgentServer`, `build_agent_server`, `serve`.
- `handler`: `AgentRequestHandler`, which answers each request.
"""

from identity.eid.agent.handler import AgentRequestHandler
from identity.eid.agent.protocol import (
    CHALLENGE_MAX_BYTES,
    CHALLENGE_MIN_BYTES,
    DEFAULT_PORT,
    DISCARD_LIMIT_BYTES,
    LOOPBACK,
    LOOPBACK_HOST_NAMES,
    MAX_BODY_BYTES,
    PIN_PATTERN,
    PREFLIGHT_MAX_AGE,
    ROUTES,
    SIGN_PATH,
    SOCKET_TIMEOUT_SECONDS,
    STATUS_PATH,
    AgentRefusal,
    normalise_origin,
)
from identity.eid.agent.server import (
    AgentServer,
    build_agent_server,
    configured_allowed_origins,
    serve,
)

__all__ = [
    "CHALLENGE_MAX_BYTES",
    "CHALLENGE_MIN_BYTES",
    "DEFAULT_PORT",
    "DISCARD_LIMIT_BYTES",
    "LOOPBACK",
    "LOOPBACK_HOST_NAMES",
    "MAX_BODY_BYTES",
    "PIN_PATTERN",
    "PREFLIGHT_MAX_AGE",
    "ROUTES",
    "SIGN_PATH",
    "SOCKET_TIMEOUT_SECONDS",
    "STATUS_PATH",
    "AgentRefusal",
    "AgentRequestHandler",
    "AgentServer",
    "build_agent_server",
    "configured_allowed_origins",
    "normalise_origin",
    "serve",
]
