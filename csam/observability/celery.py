"""Celery hooks: the worker and beat log like the web processes, a task's log lines carry the
request id of the request that sent it, and every finished task is counted.

`connect` is called once, by `csam.celery`.

- ``setup_logging``: with a receiver, Celery leaves logging alone, so Django's ``LOGGING``
  (JSON lines, the redacting filter) applies to the worker and beat as well.
- ``before_task_publish``: the current request id (if any) goes into the message headers as
  ``csam_request_id``; Celery hands custom headers to the task as ``task.request`` attributes.
- ``task_prerun`` / ``task_postrun``: the task's id, name and request id are set for its log
  lines, then reset; the run is counted with its state and duration
  (`csam.observability.metrics.task_result_record`).
"""

from __future__ import annotations

import logging.config
from time import perf_counter
from typing import Any

from celery import Celery, signals

from csam.observability.context import request_id_var, task_id_var, task_name_var
from csam.observability.metrics import task_result_record

REQUEST_ID_HEADER = "csam_request_id"

# Task id -> (start, the context variables set for it, to reset at the end).
_running: dict[str, tuple[float, list[tuple[Any, Any]]]] = {}


def _setup_logging(**kwargs: Any) -> None:
    # Django has usually configured logging from LOGGING already (the worker sets Django up
    # first); then there is nothing to do. Otherwise configure it the same way.
    if logging.getLogger().handlers:
        return
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _publish_with_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


def _task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id is None or task is None:
        return
    tokens = [
        (task_id_var, task_id_var.set(task_id)),
        (task_name_var, task_name_var.set(task.name)),
    ]
    # A worker makes every message header an attribute of the request; a task run in-process
    # with apply(headers=...) keeps them in ``headers``.
    request_id = getattr(task.request, REQUEST_ID_HEADER, None) or (
        getattr(task.request, "headers", None) or {}
    ).get(REQUEST_ID_HEADER)
    if isinstance(request_id, str) and request_id:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    _running[task_id] = (perf_counter(), tokens)


def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any
) -> None:
    started = _running.pop(task_id, None) if task_id else None
    if started is None:
        return
    start, tokens = started
    if task is not None:
        # No state: the task raised and the error went straight to the caller (a task run
        # in-process with CELERY_TASK_EAGER_PROPAGATES), which is a failure.
        task_result_record(task.name, state or "FAILURE", perf_counter() - start)
    for var, token in reversed(tokens):
        var.reset(token)


def connect(app: Celery) -> None:
    """Connect the hooks (signals are process-wide; connecting twice changes nothing)."""
    signals.setup_logging.connect(_setup_logging, weak=False, dispatch_uid="csam-logging")
    signals.before_task_publish.connect(
        _publish_with_request_id, weak=False, dispatch_uid="csam-request-id"
    )
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="csam-task-started")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="csam-task-finished")
