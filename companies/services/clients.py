"""Writes in the companies app: service clients and their keys."""

import hashlib
import secrets

from django.db import transaction

from companies.models import Service, ServiceClient
from csam.audit.services import audit_record
from governance.models import Organisation

KEY_SCHEME = "csam"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_api_key(key: str) -> tuple[str, str] | None:
    """``csam_<prefix>_<secret>`` → (prefix, secret); None when the shape is wrong."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def service_client_key_matches(*, client: ServiceClient, secret: str) -> bool:
    return secrets.compare_digest(client.key_hash, _hash_secret(secret))


@transaction.atomic
def service_client_issue_key(*, client: ServiceClient, actor_label: str) -> str:
    """Give the client a new key (replacing any old one) and return it. Shown once; never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    client.key_prefix = prefix
    client.key_hash = _hash_secret(secret)
    client.save(update_fields=["key_prefix", "key_hash"])
    audit_record(
        action="companies.service_client_key_issued",
        actor_label=actor_label,
        object_type="service_client",
        object_id=client.pk,
        data={"key_prefix": prefix},
    )
    return f"{KEY_SCHEME}_{prefix}_{secret}"


@transaction.atomic
def service_client_create(
    *,
    name: str,
    organisation: Organisation,
    services: list[Service],
    actor_label: str,
) -> tuple[ServiceClient, str]:
    """Register a service client and issue its first key. Returns the client and the key."""
    client = ServiceClient(name=name, organisation=organisation)
    # A placeholder that can never match a real key until the real one is issued below.
    client.key_prefix = "pending-" + secrets.token_hex(4)
    client.key_hash = "!"
    client.full_clean()
    client.save()
    client.services.set(services)
    audit_record(
        action="companies.service_client_created",
        actor_label=actor_label,
        object_type="service_client",
        object_id=client.pk,
        data={"name": name, "services": [s.code for s in services]},
    )
    return client, service_client_issue_key(client=client, actor_label=actor_label)
