"""Who manages a company's access rights: the main access manager (designated by a legal
representative), co-main managers, and access managers (and co-managers) per domain."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.exceptions import Conflict
from companies.models import AccessManager, AccessManagerKind, Company, Domain, EndReason
from companies.services._common import insert_unique, require_action
from csam.audit.services import audit_act
from identity.services import person_get_or_create

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

# Which action designating (or ending) each kind needs, for the engine.
DESIGNATE_ACTION = {
    AccessManagerKind.MAIN: "companies.designate_main_manager",
    AccessManagerKind.CO_MAIN: "companies.designate_manager",
    AccessManagerKind.DOMAIN: "companies.designate_manager",
    AccessManagerKind.CO_DOMAIN: "companies.designate_domain_co_manager",
}


def designation_snapshot(designation: AccessManager) -> dict[str, Any]:
    return {
        "id": designation.pk,
        "person_id": designation.person_id,
        "kind": designation.kind,
        "domain": designation.domain.code if designation.domain_id else None,
        "valid_from": designation.valid_from.isoformat(),
        "valid_until": designation.valid_until.isoformat() if designation.valid_until else None,
        "ended_at": designation.ended_at.isoformat() if designation.ended_at else None,
        "end_reason": designation.end_reason,
    }


def _sync(person_id: int, tenant: Company) -> None:
    """Bring the person's object permissions in line with their designations, after commit."""
    from csam.authz.permissions import manager_permissions_sync

    transaction.on_commit(lambda: manager_permissions_sync(person_id=person_id, company=tenant))


@transaction.atomic
def access_manager_designate(
    *,
    actor: ActingContext,
    tenant: Company,
    national_number: str,
    kind: str,
    domain: Domain | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> AccessManager:
    """Designate the person named by ``national_number`` as an access manager of ``tenant``.

    Rules (the engine checks the actor's authority, at level high): a legal representative
    designates the main access manager; the main (or a co-main) manager designates co-main and
    domain managers; a domain manager designates co-managers of their own domain. Main kinds
    have no domain; domain kinds exactly one. Designating a new main manager ends the previous
    one's designation (replaced). The period is ordered and does not start in the past. Audited.

    Raises `PermissionDenied` / `StepUpRequired` or `ValidationError`.
    """
    try:
        kind = AccessManagerKind(kind)
    except ValueError:
        raise ValidationError({"kind": [_("Choose a kind of access manager.")]}) from None
    is_domain_kind = kind in (AccessManagerKind.DOMAIN, AccessManagerKind.CO_DOMAIN)
    if is_domain_kind and domain is None:
        raise ValidationError({"domain": [_("Choose the domain this manager manages.")]})
    if not is_domain_kind and domain is not None:
        raise ValidationError({"domain": [_("A main access manager manages every domain.")]})
    require_action(actor, DESIGNATE_ACTION[kind], (kind, domain), tenant)
    today = timezone.localdate()
    valid_from = valid_from or today
    errors: dict[str, list[str]] = {}
    if valid_from < today:
        errors["valid_from"] = [_("A designation cannot start in the past.")]
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = [_("The end date cannot be before the start date.")]
    if errors:
        raise ValidationError(errors)
    person, _created = person_get_or_create(national_number=national_number)
    if kind == AccessManagerKind.MAIN:
        for previous in (
            AccessManager.objects.for_tenant(tenant)
            .select_for_update(of=("self",))
            .filter(kind=AccessManagerKind.MAIN, ended_at__isnull=True)
            .exclude(person=person)
        ):
            _end(actor, tenant, previous, EndReason.REPLACED)
    designation = AccessManager(
        company=tenant,
        person=person,
        kind=kind,
        domain=domain,
        valid_from=valid_from,
        valid_until=valid_until,
        designated_by=actor.person,
    )
    insert_unique(
        designation,
        field="national_number",
        message=_("This person already holds this designation."),
    )
    audit_act(
        actor=actor,
        action="companies.access_manager_designated",
        tenant_id=tenant.pk,
        object_type="access_manager",
        object_id=designation.pk,
        after=designation_snapshot(designation),
    )
    _sync(person.pk, tenant)
    return designation


def _end(actor: Any, tenant: Company, designation: AccessManager, reason: str) -> None:
    before = designation_snapshot(designation)
    designation.ended_at = timezone.now()
    designation.end_reason = reason
    designation.ended_by = getattr(actor, "person", None)
    designation.save(update_fields=["ended_at", "end_reason", "ended_by"])
    audit_act(
        actor=actor,
        action="companies.access_manager_ended",
        tenant_id=tenant.pk,
        object_type="access_manager",
        object_id=designation.pk,
        before=before,
        after=designation_snapshot(designation),
    )
    _sync(designation.person_id, tenant)


@transaction.atomic
def access_manager_end(
    *, actor: ActingContext, tenant: Company, designation: AccessManager
) -> AccessManager:
    """End a designation now (kept in the history). Same authority as designating that kind.

    Raises `AccessManager.DoesNotExist` for another tenant's designation, `Conflict` when it has
    ended already, `PermissionDenied` / `StepUpRequired` when the actor may not.
    """
    locked = (
        AccessManager.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("domain")
        .get(pk=designation.pk)
    )
    require_action(
        actor,
        DESIGNATE_ACTION[AccessManagerKind(locked.kind)],
        (locked.kind, locked.domain),
        tenant,
    )
    if locked.ended_at is not None:
        raise Conflict(_("This designation has ended already."))
    _end(actor, tenant, locked, EndReason.REVOKED)
    return locked
