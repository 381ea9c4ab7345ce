"""gunicorn settings for one CSAM app server.

    gunicorn --config deploy/gunicorn.conf.py csam.wsgi:application

Sync workers, one per core: a request holds its worker for its whole duration, so nginx in front
buffers slow clients and the cores stay busy with Python. Each worker keeps one persistent
database connection (``DATABASE_CONN_MAX_AGE``, 600 s unless the environment says otherwise),
so PostgreSQL needs ``max_connections`` above app servers x workers (+ Celery worker processes).

Environment (all optional):

- ``GUNICORN_BIND``: address and port, or several comma-separated (default 127.0.0.1:8000);
- ``GUNICORN_WORKERS``: worker processes (default: the number of cores);
- ``GUNICORN_TIMEOUT``: seconds before a silent worker is killed and replaced (default 30);
- ``PROMETHEUS_MULTIPROC_DIR``: where workers keep their metrics (see csam/observability/
  metrics.py); emptied when the server starts. Default: a new temporary directory.

Nothing of the project is imported here: the master process must not hold project code, or a
reload (``kill -HUP``) after an upgrade would keep old modules.
"""

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = int(os.environ.get("GUNICORN_WORKERS") or os.cpu_count() or 1)
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
# On SIGTERM, requests under way may finish within this time.
graceful_timeout = 30
backlog = 2048
# nginx writes the access log (with the request id); gunicorn's own messages go to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"
# No control socket (gunicorn 25.1+ makes one in the home directory, shared by every server
# of the same user): systemd and signals manage the server.
control_socket_disable = True
# Never a worker restart after N requests: each would leave metric files behind that every scrape
# reads again.
max_requests = 0

# Persistent database connections, one per worker.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")

# Metrics shared by the workers. Set before any worker imports prometheus_client.
_TEMPORARY_PREFIX = "csam-metrics-"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=_TEMPORARY_PREFIX)


class JsonFormatter(logging.Formatter):
    """gunicorn's own messages (start, worker exits, timeouts) as JSON lines, like the portal's
    (which come from csam.observability.logs once a worker has loaded the application)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server: object) -> None:
    """Start the metrics afresh: files of an earlier run's workers would add to this run's."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def on_exit(server: object) -> None:
    """Remove the metrics directory when it is the temporary one made above."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if directory.parent == Path(tempfile.gettempdir()) and directory.name.startswith(
        _TEMPORARY_PREFIX
    ):
        shutil.rmtree(directory, ignore_errors=True)
