"""Walk the audit chain and name the first record where it breaks."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from csam.audit.services import ChainFault, audit_chain_verify

FAULTS = {
    ChainFault.CONTENT_CHANGED: "its content no longer matches its hash: the record was changed",
    ChainFault.LINK_BROKEN: (
        "it does not link to the record before it: a record before it was removed, inserted or "
        "rewritten"
    ),
}


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain from its first record. Exits with an error naming the "
        "first record where the chain breaks. Keep the last hash it prints somewhere else and "
        "pass it back with --expect: that also catches the removal of the newest records."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect",
            action="append",
            default=[],
            metavar="HASH",
            help="a hash printed by an earlier run, which must still be in the chain (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify(anchors=options["expect"])
        event = report.first_break
        if event is not None and report.fault is not None:
            raise CommandError(
                f"Audit chain broken at record #{event.pk} ({event.at:%Y-%m-%d %H:%M:%S%z}, "
                f"{event.action}): {FAULTS[report.fault]}. {report.checked} records before it "
                "hold."
            )
        if report.missing_anchors:
            raise CommandError(
                f"Audit chain holds over {report.checked} records, but no record carries the "
                f"expected hash {', '.join(report.missing_anchors)}: records were removed."
            )
        if report.last is None:
            self.stdout.write(self.style.SUCCESS("Audit log is empty."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} records, the last #{report.last.pk} "
                f"with hash {report.last.hash}."
            )
        )
