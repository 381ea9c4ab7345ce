"""Hand the pending outbox messages to the broker, e.g. after a broker outage."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from csam.audit.outbox import outbox_deliver
from csam.audit.services import outbox_drain


class Command(BaseCommand):
    help = "Hand the pending outbox messages to the Celery broker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Also the messages of the last few seconds (their own hand-over may still run).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = outbox_deliver() if options["all"] else outbox_drain()
        self.stdout.write(f"{sent} outbox message(s) delivered.")
