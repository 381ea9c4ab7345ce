"""Export the audit log of a period, for all companies or one, as CSV or JSON lines."""

import argparse
import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import QuerySet

from csam.audit.exports import ExportFormat, export_lines, period_bounds
from csam.audit.models import AuditEvent
from csam.audit.selectors import audit_event_list_for_period
from csam.audit.services import audit_record


def _date_or_datetime(value: str) -> dt.date | dt.datetime:
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date (YYYY-MM-DD) or a date and time (ISO 8601): {value!r}"
        ) from None


class Command(BaseCommand):
    help = (
        "Export the audit events of a period as CSV or JSON lines. A date covers the whole day "
        "in the portal's time zone (both ends included); a date and time (ISO 8601) is exact, "
        "the end excluded. With --company, only that company's events: those recorded while "
        "acting for it, its mandates and the choices to act for it. The export holds personal "
        "data: for authorised staff only. The export itself is recorded in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, type=_date_or_datetime, metavar="DATE")
        parser.add_argument("--until", required=True, type=_date_or_datetime, metavar="DATE")
        parser.add_argument("--company", default="", metavar="ENTERPRISE_NUMBER")
        parser.add_argument("--format", required=True, choices=[f.value for f in ExportFormat])
        parser.add_argument(
            "--output", default="-", metavar="PATH", help="file to write (default: stdout)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since, until = period_bounds(options["since"], options["until"])
        except ValueError as exc:
            raise CommandError(f"Wrong period: {exc}.") from None
        fmt = ExportFormat(options["format"])
        tenant_id = self._tenant_id(options["company"])
        output: str = options["output"]
        # One snapshot for the whole export, and the export's own event in the same transaction.
        with transaction.atomic():
            events = audit_event_list_for_period(since=since, until=until, tenant_id=tenant_id)
            if output == "-":
                count = self._write(events, fmt, lambda line: self.stdout.write(line, ending=""))
            else:
                count = self._write_file(output, events, fmt)
            audit_record(
                action="audit.exported",
                actor_label="command line",
                tenant_id=tenant_id,
                data={
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                    "format": fmt.value,
                    "records": count,
                    "channel": "command",
                },
            )
        if output != "-":
            self.stderr.write(f"Exported {count} audit records to {output}.")

    def _tenant_id(self, number: str) -> int | None:
        if not number:
            return None
        # The companies app sits above the audit log: look it up at call time.
        from companies.numbers import parse_enterprise_number
        from companies.selectors import company_get_by_number

        try:
            digits = parse_enterprise_number(number)
        except ValidationError as exc:
            raise CommandError(f"Wrong enterprise number: {' '.join(exc.messages)}") from None
        company = company_get_by_number(enterprise_number=digits)
        if company is None:
            raise CommandError(f"No company with enterprise number {digits}.")
        return company.pk

    def _write(
        self, events: QuerySet[AuditEvent], fmt: ExportFormat, write: Callable[[str], object]
    ) -> int:
        count = 0

        def counted() -> Iterator[AuditEvent]:
            nonlocal count
            for event in events.iterator(chunk_size=2000):
                count += 1
                yield event

        for line in export_lines(events=counted(), fmt=fmt):
            write(line)
        return count

    def _write_file(self, path: str, events: QuerySet[AuditEvent], fmt: ExportFormat) -> int:
        # Why 0600: the export holds personal data (names, addresses); only its owner reads it.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from None
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            return self._write(events, fmt, handle.write)
