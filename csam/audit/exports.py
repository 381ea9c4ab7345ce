"""The audit log as CSV or JSON lines, for authorised staff.

Both formats carry every stored field, ``hash`` and ``prev_hash`` included, so a record can be
matched against the live chain later. JSON lines keep the values exactly as stored. CSV is for
spreadsheets: a text cell that a spreadsheet would run as a formula is prefixed with a quote, and
``data`` is one cell of compact JSON.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any

from django.utils import timezone

from csam.audit.models import AuditEvent
from csam.audit.services import CHAINED_FIELDS

FIELDS = ("id", *CHAINED_FIELDS, "hash")


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    @property
    def content_type(self) -> str:
        return {
            ExportFormat.CSV: "text/csv; charset=utf-8",
            ExportFormat.JSONL: "application/jsonl; charset=utf-8",
        }[self]


def period_bounds(
    since: dt.date | dt.datetime, until: dt.date | dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Turn the ends of a period into aware datetimes ``[start, end)``.

    A date stands for whole days in the portal's time zone, both ends included: ``since`` is its
    first moment, ``until`` the first moment of the next day. A naive datetime is read in the
    portal's time zone. Raises ``ValueError`` when the period ends before it starts.
    """
    start = _moment(since)
    end = _moment(until, next_day=not isinstance(until, dt.datetime))
    if end <= start:
        raise ValueError("the period ends before it starts")
    return start, end


def _moment(value: dt.date | dt.datetime, *, next_day: bool = False) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        day = value + dt.timedelta(days=1) if next_day else value
        value = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def export_record(event: AuditEvent) -> dict[str, Any]:
    """One event as a flat mapping of the exported fields."""
    record = {field: getattr(event, field) for field in FIELDS}
    record["id"] = event.pk
    record["at"] = event.at.astimezone(dt.UTC).isoformat()
    return record


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = str(value)
    # Why: a label such as "=HYPERLINK(...)" chosen by a user must not run in the reader's
    # spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_lines(*, events: Iterable[AuditEvent], fmt: ExportFormat) -> Iterator[str]:
    """The export, line by line (a CSV header first), ready to write or stream."""
    if fmt is ExportFormat.JSONL:
        for event in events:
            yield json.dumps(export_record(event), ensure_ascii=False, sort_keys=True) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> str:
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line

    writer.writerow(FIELDS)
    yield flush()
    for event in events:
        record = export_record(event)
        writer.writerow([_csv_cell(record[name]) for name in FIELDS])
        yield flush()
