"""The service catalogue as the decision engine reads it: small, read on every decision, so
kept in the cache (shared by every worker) and dropped whenever a service or role changes."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from companies.models import Role

_KEY = "catalogue:role:{service}:{role}"
_VERSION_KEY = "catalogue:version"
_MISSING = "-"


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


def _version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        import uuid

        cache.add(_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(_VERSION_KEY)
    return str(version)


def catalogue_role(*, service_code: str, role_code: str) -> CatalogueRole | None:
    """The role ``role_code`` of service ``service_code``; None when either is unknown."""
    key = _KEY.format(service=service_code, role=role_code) + ":" + _version()
    cached = cache.get(key)
    if cached == _MISSING:
        return None
    if isinstance(cached, CatalogueRole):
        return cached
    role = (
        Role.objects.select_related("service")
        .filter(service__code=service_code, code=role_code)
        .first()
    )
    value = (
        CatalogueRole(
            role_id=role.pk,
            service_id=role.service_id,
            domain_id=role.service.domain_id,
            service_code=service_code,
            role_code=role_code,
            min_assurance=role.min_assurance,
            for_clients_allowed=role.for_clients_allowed,
            service_active=role.service.is_active,
        )
        if role is not None
        else None
    )
    cache.set(key, value if value is not None else _MISSING, 3600)
    return value


def catalogue_changed() -> None:
    """Forget every cached catalogue entry (call after a service or a role changes)."""
    import uuid

    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)


def catalogue_role_exists_service(*, service_code: str) -> bool:
    """Whether a service with this code exists (to tell an unknown service from a bad role)."""
    from companies.models import Service

    return Service.objects.filter(code=service_code).exists()
