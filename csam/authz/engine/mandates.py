"""Rules for mandates: acting for a party of a mandate, and choosing a mandate to act through."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from companies.models import Company
from csam.authz.actions import Action
from csam.authz.context import ActingContext
from csam.authz.engine.companies import _acting_for, _manages_all, _manages_domain
from csam.authz.engine.core import Decision, Reason, _deny, rule
from mandates.models import Mandate
from mandates.selectors import client_grants_covered, mandate_chain_in_force, mandate_root


def _party_authority(
    actor: ActingContext, party: Any, domain_ids: frozenset[int], at: dt.datetime | None
) -> Decision:
    """May the actor act, now, as ``party`` (a person or a company) for these domains?"""
    if isinstance(party, Company):
        reasons = _acting_for(actor, party)
        if reasons:
            return _deny(*reasons)
        main = _manages_all(actor, party, at)
        # The main (or co-main) access manager acts for the company in every domain.
        if main:
            return Decision(
                allowed=True, via=tuple({"kind": "access_manager", "id": i} for i in main)
            )
        via: list[dict[str, Any]] = []
        for domain_id in sorted(domain_ids):
            ids = _manages_domain(actor, party, domain_id, at)
            # A domain manager acts for the company only within the domains they manage.
            if not ids:
                return _deny(
                    Reason(
                        "not_manager_of_domain",
                        _(
                            "You are not an access manager of this company for every domain "
                            "this mandate covers."
                        ),
                    )
                )
            via += [{"kind": "access_manager", "id": i} for i in ids]
        if not via:
            return _deny(Reason("not_access_manager", _("You are not an access manager here.")))
        return Decision(allowed=True, via=tuple(via))
    # A person acts for themselves only, and only while acting in their own name.
    if actor.person is None or getattr(party, "pk", None) != actor.person.pk:
        return _deny(Reason("not_this_person", _("Only the person concerned can do this.")))
    if not actor.acts_for_self:
        return _deny(
            Reason("not_acting_for_self", _("Act in your own name first (switch at the top)."))
        )
    return Decision(allowed=True, via=({"kind": "self"},))


@rule(Action.MANDATES_PROPOSE)
@rule(Action.MANDATES_SUBDELEGATE)
@rule(Action.MANDATES_ACCEPT)
@rule(Action.MANDATES_REFUSE)
@rule(Action.MANDATES_REVOKE)
@rule(Action.MANDATES_WITHDRAW)
def _mandate_party_act(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    # The target is (party, domain ids of the mandate's scope).
    if not (isinstance(target, tuple) and len(target) == 2):
        return _deny(Reason("no_party", _("This mandate has no party to act for.")))
    party, domain_ids = target
    return _party_authority(actor, party, frozenset(domain_ids), at)


@rule(Action.ACTING_CHOOSE_MANDATE)
def _choose_mandate(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    # The target is the mandate the actor would act under.
    if not isinstance(target, Mandate):
        return _deny(Reason("not_a_mandate", _("Choose a mandate.")))
    chain = mandate_chain_in_force(mandate=target, at=at)
    # Every link from this mandate up to the mandator must be accepted and in force.
    if chain is None:
        return _deny(Reason("mandate_not_in_force", _("This mandate is not in force.")))
    root = mandate_root(mandate=target)
    reasons: list[Reason] = []
    via = [{"kind": "mandate", "id": m.pk} for m in chain]
    if target.mandatary_person_id is not None:
        # A person mandatary acts personally.
        if target.mandatary_person_id != actor.person.pk:
            reasons.append(Reason("not_mandatary", _("This mandate was not given to you.")))
    else:
        grants = client_grants_covered(
            person=actor.person, provider=target.mandatary_company, mandate=target, at=at
        )
        # A company mandatary acts through collaborators it granted a role "for clients" that
        # the mandate covers.
        if not grants:
            reasons.append(
                Reason(
                    "no_client_grant",
                    _(
                        "Your company has not given you a role for clients that this mandate "
                        "covers."
                    ),
                )
            )
        via += [{"kind": "grant", "id": g} for g in grants]
    represented = root.mandator_company
    # A stopped company can no longer be represented.
    if represented is not None and not represented.is_active:
        reasons.append(Reason("company_stopped", _("This company has stopped its activity.")))
    if reasons:
        return _deny(*reasons)
    return Decision(allowed=True, via=tuple(via))
