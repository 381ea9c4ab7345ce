"""The service catalogue as the decision engine reads it: small and read on every decision, so
each process keeps the whole of it in memory, tagged with a version held in the shared cache.

A change to a service, role or domain gives the catalogue a new version after commit (and drops
this process's copy at once); every process then reads the catalogue again, in one query, the
next time it sees the new version. A version lost from the cache comes back as a new random
token, never as an old one, so a stale copy is never taken for a current one.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from csam.cache import CACHE_UNAVAILABLE

logger = logging.getLogger(__name__)

VERSION_KEY = "catalogue:version"


@dataclass(frozen=True)
class CatalogueRole:
    role_id: int
    service_id: int
    domain_id: int
    service_code: str
    role_code: str
    min_assurance: str
    for_clients_allowed: bool
    service_active: bool


# Service code -> role code -> role. A service without roles maps to an empty dict.
Catalogue = dict[str, dict[str, CatalogueRole]]

_lock = threading.Lock()
_copy: tuple[str, Catalogue] | None = None


def new_version() -> str:
    return uuid.uuid4().hex


def catalogue_version() -> str:
    """The catalogue's current version (a new one is made if the cache has none). With the
    cache unreachable, a new one each time: the catalogue is then read from the database."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, new_version(), None)
            version = cache.get(VERSION_KEY)
    except CACHE_UNAVAILABLE:
        return new_version()
    return str(version)


def catalogue_at(version: str) -> Catalogue:
    """The catalogue as this process holds it for ``version``, read again if that is not the
    version it holds."""
    global _copy
    held = _copy
    if held is not None and held[0] == version:
        return held[1]
    loaded = _load()
    with _lock:
        _copy = (version, loaded)
    return loaded


def _load() -> Catalogue:
    from companies.models import Role, Service

    catalogue: Catalogue = {code: {} for code in Service.objects.values_list("code", flat=True)}
    for role in Role.objects.select_related("service"):
        catalogue.setdefault(role.service.code, {})[role.code] = CatalogueRole(
            role_id=role.pk,
            service_id=role.service_id,
            domain_id=role.service.domain_id,
            service_code=role.service.code,
            role_code=role.code,
            min_assurance=role.min_assurance,
            for_clients_allowed=role.for_clients_allowed,
            service_active=role.service.is_active,
        )
    return catalogue


def catalogue_role(*, service_code: str, role_code: str) -> CatalogueRole | None:
    """The role ``role_code`` of service ``service_code``; None when either is unknown."""
    return catalogue_at(catalogue_version()).get(service_code, {}).get(role_code)


def catalogue_role_exists_service(*, service_code: str) -> bool:
    """Whether a service with this code exists (to tell an unknown service from a bad role)."""
    return service_code in catalogue_at(catalogue_version())


def catalogue_changed() -> None:
    """Give the catalogue a new version (call after a service or a role changes)."""
    forget_local_catalogue()
    try:
        cache.set(VERSION_KEY, new_version(), None)
    except CACHE_UNAVAILABLE as error:
        logger.error("catalogue version not renewed, cache unreachable: %s", error)


def forget_local_catalogue() -> None:
    global _copy
    with _lock:
        _copy = None


def catalogue_row_changed(**_kwargs: object) -> None:
    """Signal receiver for services, roles and domains: this process reads the catalogue again
    at once (its own transaction sees the change); every process does after commit."""
    forget_local_catalogue()
    transaction.on_commit(catalogue_changed)
