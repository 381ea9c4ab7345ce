"""``manage.py eid_agent``: run the local eID signer the log-in page talks to.

The server itself is `identity.eid.agent`; this command only reads the options and prints where
the agent listens.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from identity.eid.agent import DEFAULT_PORT, LOOPBACK, build_agent_server, serve


class Command(BaseCommand):
    help = (
        "Run the local eID signer on this computer, so that the portal's log-in page can use the "
        "eID card in your card reader. It listens on 127.0.0.1 only and answers only the "
        "portal's own pages (EID_AGENT_ALLOWED_ORIGINS, by default the origin of "
        "PORTAL_BASE_URL). Your PIN code never leaves this computer: it goes from the page to "
        "this program and on to your card, and the portal receives only the card's certificate "
        "and its signature. Stop it with Ctrl+C."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=DEFAULT_PORT,
            help=f"Port to listen on, on {LOOPBACK} (default {DEFAULT_PORT}).",
        )
        parser.add_argument(
            "--module",
            metavar="PATH",
            default=None,
            help="PKCS#11 module of your card reader software (default: EID_PKCS11_MODULE).",
        )
        parser.add_argument(
            "--card",
            metavar="SERIAL",
            default=None,
            help="Serial of the card to use when several eID cards are inserted.",
        )

    def handle(
        self, *args: Any, port: int, module: str | None, card: str | None, **options: Any
    ) -> None:
        """Bind the agent and serve until Ctrl+C. Raises `CommandError` when it cannot start."""
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        try:
            server = build_agent_server(port=port, module_path=module, card_serial=card)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            # Usually another agent (or program) already holds the port.
            raise CommandError(f"Cannot listen on {LOOPBACK}:{port}: {exc.strerror}.") from exc
        self.stdout.write(f"eID agent listening on {server.url}")
        self.stdout.write(f"Pages allowed to use it: {', '.join(server.allowed_origins)}")
        self.stdout.write("Your PIN code never leaves this computer. Stop with Ctrl+C.")
        serve(server)
