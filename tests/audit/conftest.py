"""Helpers that tamper with the audit table the way an intruder with database access would."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from csam.audit.services import audit_record

TRIGGER = "audit_auditevent_append_only"


@contextmanager
def trigger_disabled() -> Iterator[None]:
    """On PostgreSQL, what only the table's owner can do: switch the append-only trigger off.

    Inside the test's transaction, so the switch is rolled back with it. Elsewhere a no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {TRIGGER}")


def tamper(sql: str, params: list[object]) -> None:
    """Run a raw statement against the audit table, past the trigger."""
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def record_events(count: int, **kwargs: object) -> list:
    return [audit_record(action=f"test.event_{n}", data={"n": n}, **kwargs) for n in range(count)]
