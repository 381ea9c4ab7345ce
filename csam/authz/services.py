"""Choosing and resolving the acting context."""

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

SESSION_KEY = "csam_acting_company"


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


def acting_choose_company(*, request: HttpRequest, company: Company | None) -> Decision:
    """Act for ``company`` from now on (None: in one's own name), if the engine allows it.

    Returns the decision; on a deny the session is left as it was. Either way the attempt is
    audited.
    """
    actor = _base_context(request)
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
