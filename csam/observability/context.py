"""What the current log line belongs to: the request id, and the Celery task being run.

Context variables, so each thread (a gunicorn or Celery worker) and each task sees its own.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("csam_request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("csam_task_id", default=None)
task_name_var: ContextVar[str | None] = ContextVar("csam_task_name", default=None)

# An incoming X-Request-ID is kept when it looks like an id (a UUID, nginx's $request_id, a
# tracing id), never when it could smuggle anything else into the logs.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def request_id_from(incoming: str | None) -> str:
    """``incoming`` when it is a sane request id, else a new one (32 hexadecimal digits)."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return os.urandom(16).hex()
