"""The outbox: a side effect commits or rolls back with its change, is handed to the broker
after commit, waits while the broker refuses, and is never handed over twice."""

import datetime as dt
import threading

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

import pytest

from csam.audit import outbox
from csam.audit.models import OutboxMessage
from csam.audit.services import outbox_drain, outbox_send

pytestmark = pytest.mark.django_db

# A registered task without arguments that does nothing harmful when it runs.
TASK = "identity.tasks.lockouts_purge_expired"


@pytest.fixture(autouse=True)
def _broker_not_known_down(monkeypatch):
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)


def _age(message: OutboxMessage, seconds: int = 60) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_outbox_send_rolled_back_with_change_when_transaction_fails():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_send(TASK)
        raise RuntimeError("the change failed")

    assert not OutboxMessage.objects.exists()


def test_outbox_send_delivers_after_commit_when_broker_up(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = outbox_send(TASK)
    assert OutboxMessage.objects.get(pk=message.pk).delivered_at is None

    for callback in callbacks:
        callback()

    delivered = OutboxMessage.objects.get(pk=message.pk)
    assert delivered.delivered_at is not None
    assert delivered.attempts == 1


def test_outbox_deliver_leaves_message_pending_when_task_refused(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_send("no.such.task")

    pending = OutboxMessage.objects.get(pk=message.pk)
    assert pending.delivered_at is None
    assert pending.attempts == 1
    assert "NotRegistered" in pending.last_error


def test_outbox_drain_sends_only_messages_older_than_a_few_seconds():
    old, young = outbox_send(TASK), outbox_send(TASK)
    _age(old)

    assert outbox_drain() == 1

    assert OutboxMessage.objects.get(pk=old.pk).delivered_at is not None
    assert OutboxMessage.objects.get(pk=young.pk).delivered_at is None


def test_outbox_drain_sends_nothing_twice_when_run_again():
    message = outbox_send(TASK)
    _age(message)

    assert outbox_drain() == 1
    assert outbox_drain() == 0
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1


def test_outbox_drain_command_reports_delivered_count(capsys):
    _age(outbox_send(TASK))

    call_command("outbox_drain")

    assert "1 outbox message(s) delivered." in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_outbox_drain_skips_message_locked_by_another_drainer():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    # Pending, as if the broker had been down when it was written.
    message = OutboxMessage.objects.create(task=TASK)
    _age(message)
    locked, release = threading.Event(), threading.Event()

    def other_drainer() -> None:
        # Holds the row's lock, as a drainer handing it over at this moment does.
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=message.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_drainer)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        assert outbox_drain() == 0
    finally:
        release.set()
        thread.join(timeout=10)
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 0


def test_outbox_drain_task_scheduled_and_delivers_pending_message(settings):
    from csam.audit.tasks import outbox_drain_task

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "csam.audit.tasks.outbox_drain" in scheduled
    message = OutboxMessage.objects.create(task=TASK)
    _age(message)

    assert outbox_drain_task.delay().get() == 1

    assert OutboxMessage.objects.get(pk=message.pk).delivered_at is not None
