"""Liveness and readiness, cheap enough for a load balancer to call every second.

``/readyz`` costs one ``SELECT 1`` on the worker's persistent connection and one Redis ``PING``
on a kept connection; the migration plan is read only until it is once found complete. Each
check fails fast (Redis: half a second, one retry for a connection Redis closed meanwhile) and
recovers by itself: a broken database connection is dropped at the end of the request and a
new one opened on the next.
"""

from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Once every migration is known applied, this process does not ask again: migrations are applied
# before a new release's processes start, never while they run.
_migrations_applied = False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return f"unreachable: {exc.__class__.__name__}"
    return None


def _migrations() -> str | None:
    global _migrations_applied
    if _migrations_applied:
        return None
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return f"unreadable: {exc.__class__.__name__}"
    if pending:
        return f"{len(pending)} not applied"
    _migrations_applied = True
    return None


# One client per Redis URL, kept: a new TCP connection per probe would cost more than the probe.
_redis_clients: dict[str, Any] = {}


def _redis_client(url: str) -> Any:
    client = _redis_clients.get(url)
    if client is None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = _redis_clients[url] = redis.Redis.from_url(
            url,
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            # Once: a kept connection that Redis closed (a restart) is replaced at once.
            retry=Retry(NoBackoff(), 1),
        )
    return client


def _redis() -> str | None:
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        _redis_client(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        return f"unreachable: {exc.__class__.__name__}"
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and Redis answer and every migration is applied; 503 names what fails."""
    database = _database()
    checks = {
        "database": database,
        "migrations": _migrations() if database is None else "unknown: database unreachable",
        "redis": _redis(),
    }
    failing = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "fail" if failing else "ok",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    return JsonResponse(body, status=503 if failing else 200)
