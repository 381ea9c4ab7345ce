"""The server: its allowed origins, binding to the loopback address, and serving."""

import logging
import socketserver
from collections.abc import Iterable, Sequence
from http.server import ThreadingHTTPServer

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from identity.eid.agent.handler import AgentRequestHandler
from identity.eid.agent.protocol import DEFAULT_PORT, LOOPBACK, normalise_origin

# Records carry the package's name, ``identity.eid.agent``, whichever submodule logs.
logger = logging.getLogger(__package__)


# --- Allowed origins ------------------------------------------------------------------------------


def configured_allowed_origins() -> tuple[str, ...]:
    """The origins whose pages may use the agent (``EID_AGENT_ALLOWED_ORIGINS``), normalised.

    Defaults to the origin of ``PORTAL_BASE_URL``. Raises ``ImproperlyConfigured`` when the
    setting is a bare string, empty, or holds something that is not an origin (``*`` included):
    an agent open to every site would sign for any page the citizen visits.
    """
    value = getattr(settings, "EID_AGENT_ALLOWED_ORIGINS", [settings.PORTAL_BASE_URL])
    if isinstance(value, str):
        raise ImproperlyConfigured("EID_AGENT_ALLOWED_ORIGINS must be a list of origins.")
    return _normalised_origins(value)


def _normalised_origins(values: Iterable[str]) -> tuple[str, ...]:
    try:
        origins = tuple(dict.fromkeys(normalise_origin(str(v)) for v in values))
    except ValueError as exc:
        raise ImproperlyConfigured(f"EID_AGENT_ALLOWED_ORIGINS: {exc}") from None
    if not origins:
        raise ImproperlyConfigured("EID_AGENT_ALLOWED_ORIGINS must name at least one origin.")
    return origins


# --- The server -----------------------------------------------------------------------------------


class AgentServer(ThreadingHTTPServer):
    """The agent's HTTP server, bound to 127.0.0.1; one thread per request.

    It keeps what every request needs: the PKCS#11 module, an optional card serial and the allowed
    origins. Signing calls are serialised by `identity.eid.pkcs11` itself.
    """

    daemon_threads = True  # a hung request must not keep the process alive on Ctrl+C

    def __init__(
        self,
        port: int,
        *,
        allowed_origins: tuple[str, ...],
        module_path: str | None,
        card_serial: str | None,
    ) -> None:
        self.allowed_origins = allowed_origins
        self.module_path = module_path
        self.card_serial = card_serial
        super().__init__((LOOPBACK, port), AgentRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also looks up the host's FQDN, a DNS query we do not need.
        socketserver.TCPServer.server_bind(self)
        self.server_name = LOOPBACK
        self.server_port = int(self.server_address[1])

    @property
    def port(self) -> int:
        """The port listened on (the real one when built with port 0)."""
        return self.server_port

    @property
    def url(self) -> str:
        """The base URL pages use to reach the agent."""
        return f"http://{LOOPBACK}:{self.server_port}"


def build_agent_server(
    *,
    host: str = LOOPBACK,
    port: int = DEFAULT_PORT,
    module_path: str | None = None,
    card_serial: str | None = None,
    allowed_origins: Sequence[str] | None = None,
) -> AgentServer:
    """Bind the agent to ``host:port`` and return it, not yet serving (call ``serve_forever``).

    ``host`` must be ``127.0.0.1``: any other address raises ``ImproperlyConfigured`` before a
    socket is opened. ``port`` 0 picks a free port (tests). ``module_path`` defaults to
    ``EID_PKCS11_MODULE``; ``card_serial`` picks a card when several are inserted;
    ``allowed_origins`` defaults to `configured_allowed_origins`. Raises ``OSError`` when the
    port is taken.
    """
    # Why: "localhost" may resolve to another address and 0.0.0.0 listens on every interface;
    # only the loopback address keeps the card out of the network's reach.
    if host != LOOPBACK:
        raise ImproperlyConfigured(f"The eID agent listens on {LOOPBACK} only, not on {host!r}.")
    origins = (
        configured_allowed_origins()
        if allowed_origins is None
        else _normalised_origins(allowed_origins)
    )
    return AgentServer(
        port, allowed_origins=origins, module_path=module_path, card_serial=card_serial
    )


def serve(server: AgentServer) -> None:
    """Serve until interrupted (Ctrl+C), then close the socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("eID agent stopped.")
    finally:
        server.server_close()
