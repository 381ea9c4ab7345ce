"""The decision engine: one door for every authorisation question, deny by default.

`decide` answers with a `Decision` that explains itself: for an allow, the facts that allow it
(``via``); for a deny, every reason, each with a code and a message. `require` raises on a deny:
`StepUpRequired` when the level of assurance is the only thing missing, `PermissionDenied`
otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from companies.models import Company
from companies.selectors import company_ties
from csam.authz.actions import REQUIRED_ASSURANCE, Action
from csam.authz.context import ActingContext
from identity.assurance import AssuranceLevel, StepUpRequired


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...] = ()
    via: tuple[dict[str, Any], ...] = ()
    required_assurance: AssuranceLevel | None = None

    @property
    def reason(self) -> str:
        """The first reason's message (for a one-line explanation)."""
        return self.reasons[0].message if self.reasons else ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def _deny(*reasons: Reason, required: AssuranceLevel | None = None) -> Decision:
    return Decision(allowed=False, reasons=reasons, required_assurance=required)


Rule = Callable[[ActingContext, Any, "Company | None", "dt.datetime | None"], Decision]
_RULES: dict[Action, Rule] = {}


def rule(action: Action) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        _RULES[action] = fn
        return fn

    return register


def decide(
    *,
    actor: ActingContext,
    action: Action,
    target: Any = None,
    tenant: Company | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """Decide whether ``actor`` may do ``action`` on ``target`` within ``tenant``.

    Deny by default: an unknown action, an anonymous actor, a missing rule or a rule that finds no
    fact allowing the act all deny. The level of assurance the action declares is checked first and
    reported as its own reason, so the caller can offer a step-up.
    """
    required = REQUIRED_ASSURANCE.get(action)
    # Deny an action that declares no level: every action must say what it needs.
    if required is None:
        return _deny(Reason("unknown_action", _("This action is not known.")))
    # Deny an anonymous actor: nobody acts without a person behind the request.
    if not actor.is_authenticated or actor.person is None:
        return _deny(Reason("not_authenticated", _("Please log in first.")), required=required)
    fn = _RULES.get(action)
    # Deny when no rule covers the action (never default-allow).
    if fn is None:
        return _deny(Reason("no_rule", _("This action is not allowed.")))
    decision = fn(actor, target, tenant, at)
    # Deny when the session is below the action's level, keeping the rule's other reasons.
    if not actor.assurance.satisfies(required):
        level_reason = Reason(
            "assurance_too_low",
            _("This requires the level of assurance “%(level)s”.") % {"level": required.label},
        )
        other = tuple(r for r in decision.reasons) if not decision.allowed else ()
        return _deny(level_reason, *other, required=required)
    return decision


def require(
    *,
    actor: ActingContext,
    action: Action,
    target: Any = None,
    tenant: Company | None = None,
) -> Decision:
    """Like `decide`, but raise when denied (`StepUpRequired` if only the level is missing)."""
    decision = decide(actor=actor, action=action, target=target, tenant=tenant)
    if decision.allowed:
        return decision
    if decision.codes == ("assurance_too_low",) and decision.required_assurance is not None:
        raise StepUpRequired(decision.required_assurance, actor.assurance.effective_level())
    raise PermissionDenied(decision.reason)


# --- Rules ----------------------------------------------------------------------------------------


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
