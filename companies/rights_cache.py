"""Versions of the rights of each person and company, for caching decisions.

A cached decision's key includes the current version of the subject and of the represented
party; any change to their grants, representations or mandates sets a new version after commit,
so the very next decision misses the cache and reads the database. Versions are random tokens,
never counters: a version lost from the cache comes back as a new token, never as an old one.
Keys hold a hash of the number, not the number.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

from csam.cache import CACHE_UNAVAILABLE

logger = logging.getLogger(__name__)


def _key(kind: str, number: str) -> str:
    return f"rights:{kind}:" + hashlib.sha256(f"{kind}:{number}".encode()).hexdigest()[:24]


def person_key(number: str) -> str:
    return _key("person", number)


def company_key(number: str) -> str:
    return _key("company", number)


def rights_changed(
    *, person_numbers: Iterable[str] = (), company_numbers: Iterable[str] = ()
) -> None:
    """After the current transaction commits, give these persons and companies new versions."""
    keys = [person_key(n) for n in person_numbers] + [company_key(n) for n in company_numbers]
    if not keys:
        return

    def bump() -> None:
        # The change is committed whatever happens here. With Redis down, no decision is cached
        # (`answer_asks` reads the database), but answers cached before the outage keep their
        # old versions: if Redis comes back with its data, they may be served until they
        # expire (five minutes for decisions about the present).
        try:
            cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
        except CACHE_UNAVAILABLE as error:
            logger.error("rights versions not renewed, cache unreachable: %s", error)

    transaction.on_commit(bump)
