"""The engine's one door: `decide` and `require`, the rule registry, and what a decision says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from companies.models import Company
from csam.authz.actions import REAUTHENTICATION_REQUIRED, REQUIRED_ASSURANCE, Action
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


def _recency(action: Action) -> dt.timedelta | None:
    """How recently the action's level must have been proven (None: once per session is enough)."""
    return settings.REAUTHENTICATION_MAX_AGE if action in REAUTHENTICATION_REQUIRED else None


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
    within = _recency(action)
    # Deny when the session is below the action's level, keeping the rule's other reasons. A
    # sensitive act also denies a level proven too long ago (re-authentication), with the same
    # code: either way the person steps up, and pages still offer the act.
    if not actor.assurance.satisfies(required, within=within):
        if actor.assurance.satisfies(required):
            message = _("This requires confirming your identity again at the level “%(level)s”.")
        else:
            message = _("This requires the level of assurance “%(level)s”.")
        level_reason = Reason("assurance_too_low", message % {"level": required.label})
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
        raise StepUpRequired(
            decision.required_assurance,
            actor.assurance.effective_level(),
            within=_recency(action),
        )
    raise PermissionDenied(decision.reason)
