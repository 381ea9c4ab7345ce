"""The Redis cache backend, with one Redis client per connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache call. Building one rebuilds
its table of response callbacks (a few hundred entries), which costs more CPU than the round
trip to Redis itself: on a decision that makes a handful of cache calls it was the largest single
cost. A ``redis.Redis`` object is safe to share (each command borrows a connection from the
pool), so each pool gets one, made on first use.

The decision engine's calls (`read_many`, `write_many(wait=False)`) go further: one round trip
reads every key and counts the rate limit, and the answers are written without waiting, on
connections of the process's own (see `_OwnConnection`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

import redis

try:
    import hiredis
except ImportError:  # pragma: no cover - a dependency; the client's packer does without
    hiredis = None

logger = logging.getLogger(__name__)

_UNREADABLE = object()

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


def _packed(connection: Any, commands: list[tuple[Any, ...]]) -> Any:
    """The commands in Redis's protocol: by hiredis straight away when it is installed (the
    client's own packer adds a third to a decision's cache work), else by the client."""
    if hiredis is None:
        return connection.pack_commands(commands)
    return [b"".join([hiredis.pack_command(command) for command in commands])]


class _OwnConnection:
    """A connection to Redis of one process and thread's own, outside the pool, for the
    decision's two calls: a read that waits for its replies, and writes sent without waiting on
    a connection Redis does not answer on (``CLIENT REPLY OFF``, said again after every
    reconnection). Going past the pool and the client's command layer halves the CPU a round
    trip costs; it also means no retry: a call that fails raises `CACHE_UNAVAILABLE` (callers
    go on without the cache) and the next call connects again."""

    def __init__(self, pool: Any, *, reply_off: bool) -> None:
        self.pid = os.getpid()
        self.connection = pool.connection_class(**pool.connection_kwargs)
        if reply_off:
            self.connection.register_connect_callback(self._reply_off)

    def _reply_off(self, connection: Any) -> None:
        connection.send_command("CLIENT", "REPLY", "OFF", check_health=False)

    def send(self, commands: list[tuple[Any, ...]]) -> None:
        connection = self.connection
        try:
            connection.send_packed_command(_packed(connection, commands), check_health=False)
        except BaseException:
            connection.disconnect()
            raise

    def call(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        connection = self.connection
        try:
            connection.send_packed_command(_packed(connection, commands), check_health=False)
            return [connection.read_response() for _ in commands]
        except BaseException:
            # A reply left unread would be taken for the next call's.
            connection.disconnect()
            raise


# What a claimed key holds until its real value is written (see `read_many`).
SEEN = "csam.cache:seen"


@dataclass(frozen=True)
class Counter:
    """An event counter read and incremented along with a `RedisCache.read_many`: ``key`` (a
    cache key) is made with an expiry of ``expires`` seconds if it does not exist."""

    key: str
    expires: int


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
        self._own = threading.local()

    def _own_connection(self, kind: str) -> _OwnConnection:
        own = getattr(self._own, kind, None)
        if own is None or own.pid != os.getpid():
            pool = self._cache.get_client(write=True).connection_pool
            own = _OwnConnection(pool, reply_off=kind == "sender")
            setattr(self._own, kind, own)
        return own

    def read_many(
        self, keys: list[str], counters: list[Counter], claims: Sequence[Claim] = ()
    ) -> tuple[dict[str, Any], list[int]]:
        """`get_many` of ``keys`` and the incremented value of each counter, in one round trip
        (on the primary: a counter is a write), then each claim's key set to `SEEN` where it is
        free. Keys are made, not validated: validation only warns of keys memcached would
        refuse."""
        commands: list[tuple[Any, ...]] = []
        for counter in counters:
            full_key = self.make_key(counter.key)
            commands.append(("SET", full_key, 0, "EX", counter.expires, "NX"))
            commands.append(("INCR", full_key))
        if keys:
            commands.append(("MGET", *(self.make_key(key) for key in keys)))
        if claims:
            seen = self._cache._serializer.dumps(SEEN)
            for key, expires in claims:
                commands.append(("SET", self.make_key(key), seen, "EX", expires, "NX"))
        replies = self._own_connection("reader").call(commands)
        counts = [int(count) for count in replies[1 : 2 * len(counters) : 2]]
        if not keys:
            return {}, counts
        found = {}
        for key, value in zip(keys, replies[2 * len(counters)], strict=True):
            if value is not None and (loaded := self._loaded(key, value)) is not _UNREADABLE:
                found[key] = loaded
        return found, counts

    def _loaded(self, key: str, value: bytes) -> Any:
        """The value, or `_UNREADABLE` for one this code cannot read back (written by another
        release, whose classes moved or changed): a miss, not an error."""
        try:
            return self._cache._serializer.loads(value)
        except Exception as error:  # noqa: BLE001 - any failure to unpickle is a miss
            logger.warning("cache value of %s unreadable, taken as missing: %r", key, error)
            return _UNREADABLE

    def send_many(self, writes: list[CacheWrite]) -> None:
        """`write_many` without waiting for Redis: the writes go on a connection Redis does not
        answer on, so they cost no round trip. Redis applies them in order and before anything
        sent to it afterwards on another connection, but a failed write goes unnoticed: only
        for writes whose loss costs nothing but a cache miss."""
        dumps = self._cache._serializer.dumps
        commands: list[tuple[Any, ...]] = []
        for key, value, timeout, only_if_free in writes:
            command: tuple[Any, ...] = ("SET", self.make_key(key), dumps(value))
            seconds = self.get_backend_timeout(timeout)
            if seconds is not None:
                command += ("EX", seconds)
            if only_if_free:
                command += ("NX",)
            commands.append(command)
        self._own_connection("sender").send(commands)

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


# A claim made along with a `read_many`: a key, and the expiry in seconds of the `SEEN` marker
# set where the key is free.
Claim = tuple[str, int]

# A cache write: key, value, timeout in seconds (None: no expiry), and whether to write only
# where the key is free.
CacheWrite = tuple[str, Any, int | None, bool]


def write_many(writes: list[CacheWrite], *, wait: bool = True) -> None:
    """Make ``writes``: in one round trip on Redis (none with ``wait=False``: see
    `RedisCache.send_many`), one by one on other backends."""
    from django.core.cache import caches

    if not writes:
        return
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        if wait:
            backend.write_many(writes)
        else:
            backend.send_many(writes)
        return
    for key, value, timeout, only_if_free in writes:
        if only_if_free:
            backend.add(key, value, timeout)
        else:
            backend.set(key, value, timeout)


def read_many(
    keys: list[str], counters: Sequence[Counter] = (), claims: Sequence[Claim] = ()
) -> tuple[dict[str, Any], list[int]]:
    """The values of ``keys`` that the cache holds, and each counter incremented; then every
    claimed key that is free is set to `SEEN` (with the claim's expiry), so that a later read
    tells a key asked for before from one never asked for. In one round trip on Redis; on other
    backends one call for the keys, two per counter and one per claim."""
    from django.core.cache import caches

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend.read_many(list(keys), list(counters), claims)
    counts = []
    for counter in counters:
        backend.add(counter.key, 0, counter.expires)
        try:
            counts.append(backend.incr(counter.key))
        except ValueError:
            # Expired in between; `add` loses to a concurrent first event: count on top.
            added = backend.add(counter.key, 1, counter.expires)
            counts.append(1 if added else backend.incr(counter.key))
    found = backend.get_many(keys)
    for key, expires in claims:
        backend.add(key, SEEN, expires)
    return found, counts
