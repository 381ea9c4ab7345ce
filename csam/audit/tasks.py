"""Background work of the audit package: draining the outbox."""

from celery import shared_task

from csam.audit.services import outbox_drain


@shared_task(name="csam.audit.tasks.outbox_drain")
def outbox_drain_task() -> int:
    """Hand every pending outbox message older than a few seconds to the broker.

    Safe to run concurrently and repeatedly: locked messages are skipped and delivered ones are
    never sent again. With the broker down, this task is not running either; the first run after
    the broker is back (or ``manage.py outbox_drain``) catches up."""
    return outbox_drain()
