"""The request id: taken from X-Request-ID when sane, else made; returned in the response; carried
into every log line of the request and into the Celery tasks it sends."""

import logging

from django.conf import settings

import pytest

from csam.celery import app
from csam.observability.celery import REQUEST_ID_HEADER
from csam.observability.context import request_id_var

pytestmark = pytest.mark.django_db
logger = logging.getLogger("csam.tests.operations")


@app.task(name="tests.operations.log_in_task")
def log_in_task(note: str) -> str | None:
    logger.info("Task says %s", note)
    return request_id_var.get()


def test_request_id_returned_when_incoming_one_is_sane(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="0f8e4c2a-9d1b-4e6f-8a3c-2b7d5e9f1a04")
    assert response["X-Request-ID"] == "0f8e4c2a-9d1b-4e6f-8a3c-2b7d5e9f1a04"


@pytest.mark.parametrize(
    "incoming",
    ["short", "x" * 129, "id with spaces 1234", "id\nInjected: line", "<script>1234567</script>"],
)
def test_request_id_replaced_when_incoming_one_is_not_sane(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    made = response["X-Request-ID"]
    assert made != incoming
    assert len(made) == 32
    assert int(made, 16) >= 0


def test_request_id_made_when_none_comes_and_differs_per_request(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_request_id_on_error_answers_too(client):
    response = client.post("/readyz", HTTP_X_REQUEST_ID="abcdef0123456789")
    assert response.status_code == 405
    assert response["X-Request-ID"] == "abcdef0123456789"


def test_task_run_during_request_logs_the_request_id(json_log):
    token = request_id_var.set("req-eager-0123456789")
    try:
        log_in_task.delay("hello")  # tasks run in-process in the tests
    finally:
        request_id_var.reset(token)
    [line] = [x for x in json_log() if x["message"] == "Task says hello"]
    assert line["request_id"] == "req-eager-0123456789"
    assert line["task_name"] == "tests.operations.log_in_task"
    assert line["task_id"]


def test_task_published_during_request_carries_request_id_header():
    from csam.observability.celery import _publish_with_request_id

    headers: dict = {}
    token = request_id_var.set("req-header-0123456789")
    try:
        _publish_with_request_id(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers == {REQUEST_ID_HEADER: "req-header-0123456789"}


def test_task_logs_request_id_from_its_headers_and_forgets_it_after(json_log):
    result = log_in_task.apply(("from headers",), headers={REQUEST_ID_HEADER: "req-hdr-0123456789"})
    assert result.get() == "req-hdr-0123456789"
    assert request_id_var.get() is None
    [line] = [x for x in json_log() if x["message"] == "Task says from headers"]
    assert line["request_id"] == "req-hdr-0123456789"


@pytest.mark.django_db(transaction=True)
def test_task_in_worker_logs_request_id_of_the_request_that_sent_it(json_log):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: without it tasks run in-process (make run's default)")
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
            json_log.attach()  # the worker set Django, and so logging, up again
            token = request_id_var.set("req-worker-0123456789")
            try:
                result = log_in_task.delay("through the broker")
            finally:
                request_id_var.reset(token)
            # The worker runs in another thread, with a context of its own: the id came
            # through the message headers.
            assert result.get(timeout=20) == "req-worker-0123456789"
    finally:
        app.conf.task_always_eager = True
    [line] = [x for x in json_log() if x["message"] == "Task says through the broker"]
    assert line["request_id"] == "req-worker-0123456789"
