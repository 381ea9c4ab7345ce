"""Rules for acting in one's own name or for a company, and for one's own identity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from companies.models import Company
from companies.selectors import company_ties
from csam.authz.actions import Action
from csam.authz.context import ActingContext
from csam.authz.engine.core import Decision, Reason, _deny, rule


@rule(Action.ACTING_CHOOSE_COMPANY)
def _choose_company(
    actor: ActingContext, target: Company, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    # The target must be a company: anything else is not a tenant one can act for.
    if not isinstance(target, Company):
        return _deny(Reason("not_a_company", _("Choose a company.")))
    ties = company_ties(person=actor.person, tenant=target, at=at)
    reasons: list[Reason] = []
    # A person acts for a company only through a current tie: a grant, a designation as access
    # manager or a legal representation listed by the enterprise register.
    if not ties.any:
        reasons.append(Reason("no_right_in_company", _("You hold no right in this company.")))
    # A stopped company's rights no longer work.
    if not target.is_active:
        reasons.append(Reason("company_stopped", _("This company has stopped its activity.")))
    if reasons:
        return _deny(*reasons)
    via: list[dict[str, Any]] = []
    via += [{"kind": "grant", "id": i} for i in ties.grant_ids]
    via += [{"kind": "access_manager", "id": i} for i in ties.access_manager_ids]
    via += [{"kind": "legal_representative", "id": i} for i in ties.legal_representative_ids]
    return Decision(allowed=True, via=tuple(via))


@rule(Action.IDENTITY_VIEW_OWN)
@rule(Action.IDENTITY_MANAGE_SECURITY)
def _own_identity(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    # Only one's own account: the target is the acting person's user id.
    if target != actor.user_id:
        return _deny(Reason("not_own_account", _("This is not your account.")))
    return Decision(allowed=True, via=({"kind": "self"},))
