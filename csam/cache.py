"""The Redis cache backend, with one Redis client per connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache call. Building one rebuilds
its table of response callbacks (a few hundred entries), which costs more CPU than the round
trip to Redis itself: on a decision that makes a handful of cache calls it was the largest single
cost. A ``redis.Redis`` object is safe to share (each command borrows a connection from the
pool), so each pool gets one, made on first use.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

import redis

# What a cache call raises while Redis is down or unreachable. The cache only ever speeds things
# up: callers that catch these go on without it (read from the database, skip the write).
CACHE_UNAVAILABLE: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


class PooledRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._pools.get(index)
            if pool is None:
                pool = self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = PooledRedisCacheClient

    def write_many(self, writes: list[CacheWrite]) -> None:
        """See `write_many`: one pipeline (not a transaction) for all the writes."""
        client = self._cache.get_client(write=True)
        dumps = self._cache._serializer.dumps
        pipe = client.pipeline(transaction=False)
        for key, value, timeout, only_if_free in writes:
            pipe.set(
                self.make_and_validate_key(key),
                dumps(value),
                ex=self.get_backend_timeout(timeout),
                nx=only_if_free,
            )
        pipe.execute()


# A cache write: key, value, timeout in seconds (None: no expiry), and whether to write only
# where the key is free.
CacheWrite = tuple[str, Any, int | None, bool]


def write_many(writes: list[CacheWrite]) -> None:
    """Make ``writes``: in one round trip on Redis, one by one on other backends."""
    from django.core.cache import caches

    if not writes:
        return
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        backend.write_many(writes)
        return
    for key, value, timeout, only_if_free in writes:
        if only_if_free:
            backend.add(key, value, timeout)
        else:
            backend.set(key, value, timeout)
