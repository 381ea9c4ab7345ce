"""Choosing and resolving the acting context."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from companies.models import Company
from companies.selectors import company_get_by_id
from csam.audit.services import audit_record
from csam.authz.actions import Action
from csam.authz.context import ActingContext
from csam.authz.engine import Decision, decide
from csam.authz.permissions import manager_permissions_sync
from identity.assurance import assurance_of
from identity.models import Person
from mandates.models import Mandate
from mandates.selectors import mandate_get_by_id, mandate_options_for, mandate_root

SESSION_KEY = "csam_acting_company"
MANDATE_SESSION_KEY = "csam_acting_mandate"


def _base_context(request: HttpRequest) -> ActingContext:
    user = request.user
    if not user.is_authenticated:
        return ActingContext(person=None)
    return ActingContext(
        person=user.person,
        assurance=assurance_of(request),
        user_id=user.pk,
        label=user.get_username(),
        user=user,
    )


def acting_context_resolve(request: HttpRequest) -> ActingContext:
    """Build ``request.acting`` from the session, re-checking the chosen company every time.

    A right that ended since the choice (grant revoked, company stopped) drops the user back to
    acting in their own name, with a message, rather than letting a stale choice keep working.
    """
    base = _base_context(request)
    mandate_id = request.session.get(MANDATE_SESSION_KEY) if base.is_authenticated else None
    if mandate_id is not None:
        return _resolve_mandate(request, base, mandate_id)
    company_id = request.session.get(SESSION_KEY) if base.is_authenticated else None
    if company_id is None:
        return base
    company = company_get_by_id(company_id=company_id) if isinstance(company_id, int) else None
    if company is not None:
        decision = decide(actor=base, action=Action.ACTING_CHOOSE_COMPANY, target=company)
        if decision.allowed:
            return ActingContext(
                person=base.person,
                assurance=base.assurance,
                company=company,
                user_id=base.user_id,
                label=base.label,
                user=base.user,
            )
    request.session.pop(SESSION_KEY, None)
    messages.warning(
        request, _("You can no longer act for that company. You now act in your own name.")
    )
    return base


def _under_mandate(base: ActingContext, mandate: Mandate) -> ActingContext:
    root = mandate_root(mandate=mandate)
    return ActingContext(
        person=base.person,
        assurance=base.assurance,
        company=root.mandator_company,
        mandate=mandate,
        represented_person=root.mandator_person,
        user_id=base.user_id,
        label=base.label,
        user=base.user,
    )


def _resolve_mandate(
    request: HttpRequest, base: ActingContext, mandate_id: object
) -> ActingContext:
    mandate = mandate_get_by_id(mandate_id=mandate_id) if isinstance(mandate_id, int) else None
    if mandate is not None:
        decision = decide(actor=base, action=Action.ACTING_CHOOSE_MANDATE, target=mandate)
        if decision.allowed:
            return _under_mandate(base, mandate)
    # The mandate ended (revoked, expired, the chain broke): back to one's own name.
    request.session.pop(MANDATE_SESSION_KEY, None)
    messages.warning(
        request, _("You can no longer act under that mandate. You now act in your own name.")
    )
    return base


def acting_choose_mandate(*, request: HttpRequest, mandate: Mandate) -> Decision:
    """Act for the mandator of ``mandate`` (the first mandator of its chain), if the engine
    allows it: the chain is in force and the mandate is the actor's, personally or through a
    role "for clients" it covers. Audited either way."""
    actor = _base_context(request)
    decision = decide(actor=actor, action=Action.ACTING_CHOOSE_MANDATE, target=mandate)
    represented = mandate_root(mandate=mandate).mandator
    audit_record(
        action="acting.choose_mandate",
        outcome="success" if decision.allowed else "denied",
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        acting_for=str(represented) if decision.allowed else "",
        tenant_id=represented.pk if decision.allowed and isinstance(represented, Company) else None,
        object_type="mandate",
        object_id=mandate.pk,
        data={"reasons": list(decision.codes)},
    )
    if decision.allowed:
        request.session.pop(SESSION_KEY, None)
        request.session[MANDATE_SESSION_KEY] = mandate.pk
    return decision


def acting_choose_company(*, request: HttpRequest, company: Company | None) -> Decision:
    """Act for ``company`` from now on (None: in one's own name), if the engine allows it.

    Returns the decision; on a deny the session is left as it was. Either way the attempt is
    audited.
    """
    actor = _base_context(request)
    request.session.pop(MANDATE_SESSION_KEY, None)
    if company is None:
        request.session.pop(SESSION_KEY, None)
        audit_record(
            action="acting.choose_self",
            actor_user_id=actor.user_id,
            actor_label=actor.label,
        )
        return Decision(allowed=True, via=({"kind": "self"},))
    decision = decide(actor=actor, action=Action.ACTING_CHOOSE_COMPANY, target=company)
    audit_record(
        action="acting.choose_company",
        outcome="success" if decision.allowed else "denied",
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        acting_for=str(company) if decision.allowed else "",
        tenant_id=company.pk if decision.allowed else None,
        data={"reasons": list(decision.codes)},
    )
    if decision.allowed:
        request.session[SESSION_KEY] = company.pk
        if actor.person is not None:
            # An account made after its designation gets its permissions when it starts acting.
            manager_permissions_sync(person_id=actor.person.pk, company=company)
    return decision


@dataclass(frozen=True)
class MandateOption:
    mandate: Mandate
    represented: Person | Company


def mandate_decisions(*, actor: ActingContext) -> list[tuple[MandateOption, Decision]]:
    """Every mandate in force the actor's person might act under, with the party it lets them
    represent and the engine's decision on acting under it now (allowed or not, with reasons)."""
    if actor.person is None:
        return []
    return [
        (
            MandateOption(mandate=mandate, represented=mandate_root(mandate=mandate).mandator),
            decide(actor=actor, action=Action.ACTING_CHOOSE_MANDATE, target=mandate),
        )
        for mandate in mandate_options_for(person=actor.person)
    ]


def acting_mandate_options(*, request: HttpRequest) -> list[MandateOption]:
    """The mandators the user may act for now, each with the mandate that allows it."""
    return [
        option
        for option, decision in mandate_decisions(actor=_base_context(request))
        if decision.allowed
    ]
