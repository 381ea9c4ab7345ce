"""Prometheus metrics: requests and their latency, decisions and their outcomes, Celery tasks.

Requests and decisions are counted in the process that answers them, with prometheus_client. A
gunicorn server runs several worker processes, so the gunicorn configuration points
``PROMETHEUS_MULTIPROC_DIR`` at a directory of its own before any worker starts: each worker
then keeps its counters in a memory-mapped file there, and ``/metrics`` adds them up, whichever
worker answers the scrape. Without it (``runserver``, tests) the counters live in memory.

Celery tasks run in other processes, often on other hosts, so their results are counted in
Redis (one ``HINCRBY`` per finished task, never per request) and read back at each scrape; those
series are the same on every app server (aggregate them with ``max``, not ``sum``). Without
Redis, tasks run in the web process and are counted there.

Label values are bounded: views are the URL patterns' names, methods the standard ones,
statuses three digits, tasks the registered task names.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "csam_http_requests",
    "HTTP requests answered, by view (URL pattern name), method and status.",
    ["view", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "csam_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by view.",
    ["view"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DECISIONS = Counter(
    "csam_decisions",
    "Decisions answered (API and OpenID Connect claims), by outcome (allow, deny, "
    "unknown_service, unknown_role) and source (cache or database).",
    ["outcome", "source"],
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Label children looked up once: `labels()` takes a lock and builds a key on every call.
_request_children: dict[tuple[str, str, int], Any] = {}
_latency_children: dict[str, Any] = {}
_decision_children: dict[tuple[str, str], Any] = {}


def request_observe(view: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    if method not in _METHODS:
        method = "other"  # any string may arrive as a method: keep the label bounded
    key = (view, method, status)
    counter = _request_children.get(key)
    if counter is None:
        counter = _request_children[key] = REQUESTS.labels(view, method, str(status))
    counter.inc()
    histogram = _latency_children.get(view)
    if histogram is None:
        histogram = _latency_children[view] = REQUEST_SECONDS.labels(view)
    histogram.observe(seconds)


def decisions_observe(results: Sequence[Any], from_database: Iterable[int]) -> None:
    """Count the answers of one call of the decision engine. ``results`` holds answers (with
    ``allowed``) or the code of an unknown service or role; ``from_database`` the indexes of
    those that were not in the cache."""
    database = set(from_database)
    counts: dict[tuple[str, str], int] = {}
    for index, result in enumerate(results):
        allowed = getattr(result, "allowed", None)
        outcome = str(result) if allowed is None else "allow" if allowed else "deny"
        key = (outcome, "database" if index in database else "cache")
        counts[key] = counts.get(key, 0) + 1
    for key, count in counts.items():
        counter = _decision_children.get(key)
        if counter is None:
            counter = _decision_children[key] = DECISIONS.labels(*key)
        counter.inc(count)


# --- Celery tasks, counted across processes --------------------------------------------------


def _redis_key(name: str) -> str:
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX") or "csam"
    return f"{prefix}:observability:{name}"


TASKS_KEY = "celery-tasks"  # hash: "<task>\t<state>" -> count
TASK_SECONDS_KEY = "celery-task-seconds"  # hash: "<task>" -> seconds spent
HEARTBEAT_KEY = "celery-heartbeat"  # the time the last heartbeat task ran
BROKER_QUEUE = "celery"  # the default queue's list on the Redis broker

_redis_clients: dict[str, Any] = {}
_redis_lock = threading.Lock()


def _redis() -> Any:
    """One client per Redis URL and process (redis-py resets its pool after a fork). Short
    timeouts: a scrape or a finished task must not hang on an unreachable Redis."""
    url = settings.REDIS_URL
    client = _redis_clients.get(url)
    if client is None:
        import redis

        with _redis_lock:
            client = _redis_clients.setdefault(
                url,
                redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1),
            )
    return client


# Without Redis (tasks run in the web process): the same figures, in memory.
_local_tasks: dict[tuple[str, str], int] = {}
_local_task_seconds: dict[str, float] = {}
_local_heartbeat: list[float] = []


def task_result_record(task: str, state: str, seconds: float) -> None:
    """Count a finished task run (state: SUCCESS, FAILURE, RETRY, ...) and its duration. Never
    raises: metrics must not fail a task."""
    if not settings.REDIS_URL:
        _local_tasks[(task, state)] = _local_tasks.get((task, state), 0) + 1
        _local_task_seconds[task] = _local_task_seconds.get(task, 0.0) + seconds
        return
    import redis

    try:
        pipe = _redis().pipeline(transaction=False)
        pipe.hincrby(_redis_key(TASKS_KEY), f"{task}\t{state}", 1)
        pipe.hincrbyfloat(_redis_key(TASK_SECONDS_KEY), task, seconds)
        pipe.execute()
    except redis.RedisError as exc:
        logger.warning("Task result not counted: Redis error %s", exc.__class__.__name__)


def heartbeat_record(at: float | None = None) -> None:
    """Note that the heartbeat task ran now (see `csam.observability.tasks.heartbeat`)."""
    at = time.time() if at is None else at
    if not settings.REDIS_URL:
        _local_heartbeat[:] = [at]
        return
    _redis().set(_redis_key(HEARTBEAT_KEY), repr(at))


def _families() -> tuple[CounterMetricFamily, CounterMetricFamily, GaugeMetricFamily]:
    return (
        CounterMetricFamily(
            "csam_celery_tasks",
            "Celery task runs finished, by task and state (all workers; the same on every app "
            "server).",
            labels=["task", "state"],
        ),
        CounterMetricFamily(
            "csam_celery_task_seconds",
            "Seconds Celery workers spent running each task (all workers).",
            labels=["task"],
        ),
        GaugeMetricFamily(
            "csam_celery_heartbeat_timestamp_seconds",
            "When a worker last ran the heartbeat task that beat schedules (Unix time); "
            "old means beat, the broker or every worker is down.",
        ),
    )


class TaskCollector(Collector):
    """Reads the Celery figures at each scrape: one Redis round trip."""

    def describe(self) -> Iterator[Metric]:
        # Registering must not reach Redis: describe the families without samples.
        yield from _families()
        yield GaugeMetricFamily("csam_celery_queue_messages", "")

    def collect(self) -> Iterator[Metric]:
        tasks, seconds, heartbeat = _families()
        if settings.REDIS_URL:
            import redis

            try:
                pipe = _redis().pipeline(transaction=False)
                pipe.hgetall(_redis_key(TASKS_KEY))
                pipe.hgetall(_redis_key(TASK_SECONDS_KEY))
                pipe.get(_redis_key(HEARTBEAT_KEY))
                pipe.llen(BROKER_QUEUE)
                counts, spent, beat, queued = pipe.execute()
            except redis.RedisError as exc:
                logger.warning("Celery metrics unavailable: Redis error %s", exc.__class__.__name__)
                return
            task_counts = {
                tuple(field.decode().split("\t", 1)): int(value) for field, value in counts.items()
            }
            task_seconds = {field.decode(): float(value) for field, value in spent.items()}
            last = [float(beat)] if beat else []
            queue = GaugeMetricFamily(
                "csam_celery_queue_messages",
                "Messages waiting in the Celery queue on the broker.",
                labels=["queue"],
            )
            queue.add_metric([BROKER_QUEUE], queued)
            yield queue
        else:
            task_counts = dict(_local_tasks)
            task_seconds = dict(_local_task_seconds)
            last = list(_local_heartbeat)
        for (task, state), count in sorted(task_counts.items()):
            tasks.add_metric([task, state], count)
        for task, spent_seconds in sorted(task_seconds.items()):
            seconds.add_metric([task], spent_seconds)
        if last:
            heartbeat.add_metric([], last[0])
        yield tasks
        yield seconds
        if last:
            yield heartbeat


TASKS = TaskCollector()
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    REGISTRY.register(TASKS)


def registry() -> CollectorRegistry:
    """What a scrape reads: this process's registry, or every worker's files added up."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    combined.register(TASKS)
    return combined
