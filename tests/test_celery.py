"""A task travels through the real broker to a real worker (Redis in CI)."""

from django.conf import settings

import pytest

from csam.celery import app


@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_broker_and_worker():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: without it tasks run in-process (make run's default)")
    from celery.contrib.testing.worker import start_worker

    from identity.tasks import lockouts_purge_expired_task

    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
            result = lockouts_purge_expired_task.delay()
            assert result.get(timeout=20) == 0
    finally:
        app.conf.task_always_eager = True
