"""Periodic work of the operations package."""

from __future__ import annotations

from celery import shared_task

from csam.observability.metrics import heartbeat_record


@shared_task(name="csam.observability.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that beat scheduled a task and a worker ran it (the metric
    ``csam_celery_heartbeat_timestamp_seconds``). Idempotent: it only writes the time."""
    heartbeat_record()
