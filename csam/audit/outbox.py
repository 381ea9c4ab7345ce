"""The outbox: side effects that survive a broker outage.

A service that wants a task run after its change calls `outbox_send` inside its transaction. The
message row commits or rolls back with the change, so a change never loses its side effect and a
rolled-back change never sends one. After commit the message is handed to Celery at once; if the
broker (Redis) is down, the request still succeeds and the message stays pending until
`outbox_deliver` runs again (the ``outbox_drain`` periodic task and management command).

Delivery is at least once: the receiving tasks must be idempotent (notices go through
``notice_deliver_once``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

import kombu.exceptions

from csam.audit.models import OutboxMessage
from csam.cache import CACHE_UNAVAILABLE

logger = logging.getLogger(__name__)

# What handing a message over raises when the broker cannot be reached.
BROKER_UNAVAILABLE: tuple[type[Exception], ...] = (
    kombu.exceptions.OperationalError,
    *CACHE_UNAVAILABLE,
)
# After the broker was found unreachable, this process stops handing messages over right after
# commit for this many seconds: each attempt waits for the client's connection retries (a few
# seconds), which a request should pay once, not every time. The drainer keeps trying.
BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = 0.0

# The drainer leaves younger messages to the hand-over that follows their commit.
DRAIN_AFTER = dt.timedelta(seconds=10)
# At most this many messages per drain, so one run stays short; the next run takes the rest.
DRAIN_BATCH = 500


def outbox_send(task: str, **kwargs: Any) -> OutboxMessage:
    """Record that ``task`` must run with ``kwargs`` (JSON values: ids, codes), in the current
    transaction, and hand it to the broker once that transaction commits.

    Never raises because the broker is down: the message then waits for the drainer.
    """
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    # robust: a failure after commit (the database gone as well) is logged, never raised into
    # the request whose change is already committed.
    transaction.on_commit(partial(_deliver_after_commit, message.pk), robust=True)
    return message


def _deliver_after_commit(message_id: int) -> None:
    if time.monotonic() < _broker_down_until:
        return  # the broker was just found down: leave the message to the drainer
    outbox_deliver(ids=[message_id])


def _hand_over(message: OutboxMessage) -> None:
    from csam.celery import app

    if message.task not in app.tasks:
        # Outside a worker the apps' task modules are imported on demand, here.
        app.loader.import_default_modules()
    task = app.tasks[message.task]
    # No publish retries: with the broker down, give up after the client's connection attempts
    # and leave the message to the drainer. No result subscription: nobody waits for results.
    task.apply_async(kwargs=message.kwargs, retry=False, ignore_result=True)


def outbox_deliver(*, ids: list[int] | None = None, older_than: dt.timedelta | None = None) -> int:
    """Hand pending messages (those in ``ids``, or those older than ``older_than``, or all) to
    Celery, oldest first; return how many the broker accepted.

    Each message is locked while it is handed over, and locked ones are skipped
    (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two drainers never send the same
    message twice. A message the broker refused keeps its place, with one more attempt and the
    error, and is logged as a warning; nothing is raised.
    """
    global _broker_down_until
    sent = 0
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(delivered_at__isnull=True)
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        if older_than is not None:
            pending = pending.filter(created_at__lte=timezone.now() - older_than)
        messages = list(pending.select_for_update(skip_locked=True).order_by("pk")[:DRAIN_BATCH])
        for message in messages:
            message.attempts += 1
            try:
                # A savepoint: a task run in-process (no broker configured) that fails cannot
                # break the transaction that holds the locks.
                with transaction.atomic():
                    _hand_over(message)
            except Exception as error:  # noqa: BLE001 - any refusal leaves the message pending
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                message.save(update_fields=["attempts", "last_error"])
                logger.warning(
                    "outbox message %s (%s) not delivered, left pending: %s",
                    message.pk,
                    message.task,
                    message.last_error,
                )
                if isinstance(error, BROKER_UNAVAILABLE):
                    # The broker is down: the other messages would wait for it in vain.
                    _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                    break
                continue
            message.delivered_at = timezone.now()
            message.save(update_fields=["attempts", "delivered_at"])
            sent += 1
    return sent


def outbox_drain() -> int:
    """Deliver every pending message older than `DRAIN_AFTER`; return how many went out."""
    return outbox_deliver(older_than=DRAIN_AFTER)
