"""Rules for company access management: access managers, grants, the company's pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from companies.models import AccessManager, Company, Grant, LegalRepresentative, Role
from csam.authz.actions import Action
from csam.authz.context import ActingContext
from csam.authz.engine.core import Decision, Reason, _deny, rule
from csam.authz.permissions import (
    DOMAIN_KINDS,
    MAIN_KINDS,
    user_managed_domain_ids,
    user_manages_all,
)


def _acting_for(actor: ActingContext, tenant: Company | None) -> list[Reason]:
    reasons: list[Reason] = []
    # Company acts happen only while acting for that very company (the tenant comes from the
    # acting context, never from the request).
    if tenant is None or actor.company is None or actor.company.pk != tenant.pk:
        reasons.append(
            Reason("not_acting_for_company", _("Act for this company first (switch at the top)."))
        )
        return reasons
    # A stopped company's rights no longer work, management included.
    if not tenant.is_active:
        reasons.append(Reason("company_stopped", _("This company has stopped its activity.")))
    return reasons


def _designations(
    actor: ActingContext, tenant: Company, at: dt.datetime | None
) -> list[AccessManager]:
    return list(AccessManager.objects.current(at).for_tenant(tenant).filter(person=actor.person))


def _manages_all(actor: ActingContext, tenant: Company, at: dt.datetime | None) -> list[int]:
    """Ids of the current main/co-main designations, if the account also holds the permission."""
    ids = [d.pk for d in _designations(actor, tenant, at) if d.kind in MAIN_KINDS]
    # Both the designation and the object permission: a missed permission sync only denies.
    if ids and actor.user is not None and user_manages_all(user=actor.user, company=tenant):
        return ids
    return []


def _manages_domain(
    actor: ActingContext, tenant: Company, domain_id: int, at: dt.datetime | None
) -> list[int]:
    ids = [
        d.pk
        for d in _designations(actor, tenant, at)
        if d.kind in DOMAIN_KINDS and d.domain_id == domain_id
    ]
    if (
        ids
        and actor.user is not None
        and domain_id in user_managed_domain_ids(user=actor.user, company=tenant)
    ):
        return ids
    return []


def _is_legal_representative(
    actor: ActingContext, tenant: Company, at: dt.datetime | None
) -> list[int]:
    return list(
        LegalRepresentative.objects.current(at)
        .for_tenant(tenant)
        .filter(person=actor.person)
        .values_list("id", flat=True)
    )


def _domain_authority(
    actor: ActingContext, tenant: Company, domain_id: int, at: dt.datetime | None
) -> Decision:
    reasons = _acting_for(actor, tenant)
    if reasons:
        return _deny(*reasons)
    main = _manages_all(actor, tenant, at)
    # The main (or a co-main) access manager manages every domain.
    if main:
        return Decision(allowed=True, via=tuple({"kind": "access_manager", "id": i} for i in main))
    domain = _manages_domain(actor, tenant, domain_id, at)
    # A domain access manager manages only the services of that domain.
    if domain:
        return Decision(
            allowed=True, via=tuple({"kind": "access_manager", "id": i} for i in domain)
        )
    return _deny(
        Reason(
            "not_manager_of_domain",
            _("You are not an access manager of this company for this domain."),
        )
    )


@rule(Action.COMPANIES_VIEW)
def _view_company(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    reasons = _acting_for(actor, tenant)
    if reasons:
        return _deny(*reasons)
    assert tenant is not None  # noqa: S101 - _acting_for denied otherwise
    designations = _designations(actor, tenant, at)
    via = [{"kind": "access_manager", "id": d.pk} for d in designations]
    # Access managers (any domain) see the company's rights; legal representatives see them
    # too, since they designate the main access manager.
    via += [
        {"kind": "legal_representative", "id": i}
        for i in _is_legal_representative(actor, tenant, at)
    ]
    if not via:
        return _deny(
            Reason("not_access_manager", _("Only the company's access managers can see this."))
        )
    return Decision(allowed=True, via=tuple(via))


@rule(Action.COMPANIES_DESIGNATE_MAIN_MANAGER)
def _designate_main(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    reasons = _acting_for(actor, tenant)
    if reasons:
        return _deny(*reasons)
    assert tenant is not None  # noqa: S101
    reps = _is_legal_representative(actor, tenant, at)
    # Only a legal representative listed by the enterprise register designates the main manager.
    if not reps:
        return _deny(
            Reason(
                "not_legal_representative",
                _(
                    "Only a legal representative of the company can designate its main "
                    "access manager."
                ),
            )
        )
    return Decision(
        allowed=True, via=tuple({"kind": "legal_representative", "id": i} for i in reps)
    )


@rule(Action.COMPANIES_DESIGNATE_MANAGER)
def _designate_manager(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    reasons = _acting_for(actor, tenant)
    if reasons:
        return _deny(*reasons)
    assert tenant is not None  # noqa: S101
    main = _manages_all(actor, tenant, at)
    # Co-main and domain managers are designated by the main (or a co-main) access manager.
    if not main:
        return _deny(
            Reason(
                "not_main_manager",
                _("Only the main access manager can designate access managers."),
            )
        )
    return Decision(allowed=True, via=tuple({"kind": "access_manager", "id": i} for i in main))


@rule(Action.COMPANIES_DESIGNATE_DOMAIN_CO_MANAGER)
def _designate_co_manager(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    # The target is (kind, domain): a domain's manager designates co-managers of that domain.
    domain = target[1] if isinstance(target, tuple) and len(target) == 2 else None
    if domain is None:
        return _deny(Reason("no_domain", _("Choose a domain.")))
    return _domain_authority(actor, tenant, domain.pk, at)  # type: ignore[arg-type]


@rule(Action.COMPANIES_GRANT_ROLE)
def _grant_role(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    # The target is the role: its service's domain decides who may grant it.
    if not isinstance(target, Role):
        return _deny(Reason("not_a_role", _("Choose a role.")))
    return _domain_authority(actor, tenant, target.service.domain_id, at)  # type: ignore[arg-type]


@rule(Action.COMPANIES_REVOKE_GRANT)
def _revoke_grant(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    # The grant must be the tenant's; its role's domain decides who may revoke it.
    if not isinstance(target, Grant) or tenant is None or target.company_id != tenant.pk:
        return _deny(Reason("not_found", _("This grant does not exist.")))
    return _domain_authority(actor, tenant, target.role.service.domain_id, at)
