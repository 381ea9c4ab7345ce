"""Grants: a company gives a collaborator a role on an e-government service, for a period."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.exceptions import Conflict
from companies.models import Company, EndReason, Grant, Role
from companies.rights_cache import rights_changed
from companies.services._common import insert_unique, require_action
from csam.audit.services import audit_act, outbox_send
from identity.models import Person
from identity.services import person_get_or_create

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


def grant_snapshot(grant: Grant) -> dict[str, Any]:
    """What the audit log keeps of a grant (never the national register number)."""
    return {
        "id": grant.pk,
        "person_id": grant.person_id,
        "service": grant.role.service.code,
        "role": grant.role.code,
        "for_clients": grant.for_clients,
        "valid_from": grant.valid_from.isoformat(),
        "valid_until": grant.valid_until.isoformat() if grant.valid_until else None,
        "ended_at": grant.ended_at.isoformat() if grant.ended_at else None,
        "end_reason": grant.end_reason,
    }


def _notify_after_commit(grant_id: int, tenant_id: int, event: str) -> None:
    # Through the outbox: the notice commits with the change and survives a broker outage.
    outbox_send("companies.tasks.grant_notify", grant_id=grant_id, tenant_id=tenant_id, event=event)


def grant_validate(
    *,
    tenant: Company,
    person: Person | None,
    role: Role,
    valid_from: dt.date,
    valid_until: dt.date | None,
    for_clients: bool,
    today: dt.date | None = None,
) -> dict[str, list[str]]:
    """Check a new grant's data (not the actor's authority); return errors per field."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if valid_from < today:
        errors.setdefault("valid_from", []).append(
            _("A grant cannot start in the past: history is never rewritten.")
        )
    if valid_until is not None and valid_until < valid_from:
        errors.setdefault("valid_until", []).append(
            _("The end date cannot be before the start date.")
        )
    if for_clients and not role.for_clients_allowed:
        errors.setdefault("for_clients", []).append(_("This role cannot be held for clients."))
    if not role.service.is_active:
        errors.setdefault("role", []).append(_("This service is no longer offered."))
    if (
        person is not None
        and Grant.objects.for_tenant(tenant)
        .filter(person=person, role=role, for_clients=for_clients, ended_at__isnull=True)
        .exclude(valid_until__lt=today)
        .exists()
    ):
        errors.setdefault("role", []).append(
            _("This collaborator already holds this role in this company.")
        )
    return errors


@transaction.atomic
def grant_create(
    *,
    actor: ActingContext,
    tenant: Company,
    national_number: str,
    role: Role,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    for_clients: bool = False,
) -> Grant:
    """Give the collaborator named by ``national_number`` the ``role`` in ``tenant``.

    Rules: the actor manages the role's domain in this company, at level high (the engine); the
    number is valid; the period is ordered and does not start in the past; a role held for
    clients must allow it; the collaborator does not already hold the role (also enforced by a
    unique constraint, so two managers granting at once leave one grant). The collaborator may
    not have logged in yet. Audited; the collaborator is told by e-mail after commit.

    Raises `PermissionDenied` / `StepUpRequired` (authority) or `ValidationError` (data).
    """
    require_action(actor, "companies.grant_role", role, tenant)
    valid_from = valid_from or timezone.localdate()
    person, _created = person_get_or_create(national_number=national_number)
    # An expired grant still open (the daily task has not run yet) must not block a new one.
    grants_expire(tenant=tenant, person=person, role=role)
    errors = grant_validate(
        tenant=tenant,
        person=person,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        for_clients=for_clients,
    )
    if errors:
        raise ValidationError(errors)
    grant = Grant(
        company=tenant,
        person=person,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        for_clients=for_clients,
        granted_by=actor.person,
    )
    insert_unique(
        grant, field="role", message=_("This collaborator already holds this role in this company.")
    )
    audit_act(
        actor=actor,
        action="companies.grant_created",
        tenant_id=tenant.pk,
        object_type="grant",
        object_id=grant.pk,
        after=grant_snapshot(grant),
    )
    rights_changed(
        person_numbers=[person.national_number], company_numbers=[tenant.enterprise_number]
    )
    _notify_after_commit(grant.pk, tenant.pk, "granted")
    return grant


@transaction.atomic
def grant_revoke(*, actor: ActingContext, tenant: Company, grant: Grant) -> Grant:
    """End ``grant`` now. The row is kept (history), marked revoked, by whom and when.

    Rules: the grant belongs to ``tenant`` (else `Grant.DoesNotExist`: another tenant's object
    is "not found"); the actor manages its domain at level high; it is not ended already
    (`Conflict`; the row is locked so two managers revoking at once revoke it once). Audited;
    the collaborator is told after commit.
    """
    locked = (
        Grant.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("role__service", "person")
        .get(pk=grant.pk)
    )
    require_action(actor, "companies.revoke_grant", locked, tenant)
    if locked.ended_at is not None:
        raise Conflict(_("This grant has ended already."))
    before = grant_snapshot(locked)
    locked.ended_at = timezone.now()
    locked.end_reason = EndReason.REVOKED
    locked.ended_by = actor.person
    locked.save(update_fields=["ended_at", "end_reason", "ended_by"])
    audit_act(
        actor=actor,
        action="companies.grant_revoked",
        tenant_id=tenant.pk,
        object_type="grant",
        object_id=locked.pk,
        before=before,
        after=grant_snapshot(locked),
    )
    rights_changed(
        person_numbers=[locked.person.national_number],
        company_numbers=[tenant.enterprise_number],
    )
    _notify_after_commit(locked.pk, tenant.pk, "revoked")
    return locked


@transaction.atomic
def grants_expire(
    *,
    tenant: Company,
    today: dt.date | None = None,
    person: Person | None = None,
    role: Role | None = None,
) -> int:
    """Mark the tenant's grants whose end date has passed as expired; return how many.

    Idempotent: an expired grant is not touched again. The end moment recorded is the end of
    the last valid day, so "as of" questions keep their answer. Each expiry is audited.
    """
    from csam.authz.context import SYSTEM_ACTOR

    today = today or timezone.localdate()
    stale = (
        Grant.objects.for_tenant(tenant)
        .filter(ended_at__isnull=True, valid_until__lt=today)
        .select_related("role__service", "person")
        .select_for_update(of=("self",))
    )
    if person is not None:
        stale = stale.filter(person=person)
    if role is not None:
        stale = stale.filter(role=role)
    count = 0
    for grant in stale:
        before = grant_snapshot(grant)
        end_of_day = dt.datetime.combine(
            grant.valid_until + dt.timedelta(days=1),
            dt.time.min,
            tzinfo=timezone.get_current_timezone(),
        )
        grant.ended_at = end_of_day
        grant.end_reason = EndReason.EXPIRED
        grant.save(update_fields=["ended_at", "end_reason"])
        rights_changed(
            person_numbers=[grant.person.national_number],
            company_numbers=[tenant.enterprise_number],
        )
        audit_act(
            actor=SYSTEM_ACTOR,
            action="companies.grant_expired",
            tenant_id=tenant.pk,
            object_type="grant",
            object_id=grant.pk,
            before=before,
            after=grant_snapshot(grant),
        )
        count += 1
    return count
