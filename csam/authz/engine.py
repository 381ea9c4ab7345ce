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

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from companies.models import AccessManager, Company, Grant, LegalRepresentative, Role
from companies.selectors import company_ties
from csam.authz.actions import REAUTHENTICATION_REQUIRED, REQUIRED_ASSURANCE, Action
from csam.authz.context import ActingContext
from csam.authz.permissions import (
    DOMAIN_KINDS,
    MAIN_KINDS,
    user_managed_domain_ids,
    user_manages_all,
)
from identity.assurance import AssuranceLevel, StepUpRequired
from mandates.models import Mandate
from mandates.selectors import client_grants_covered, mandate_chain_in_force, mandate_root


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


# --- Company access management ------------------------------------------------------------------


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


# --- Mandates -------------------------------------------------------------------------------------


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


# --- Governance -----------------------------------------------------------------------------------


def _governance_day(at: dt.datetime | None) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(at) if at is not None else timezone.localdate()


@rule(Action.GOVERNANCE_RECORD_MEETING)
@rule(Action.GOVERNANCE_RECORD_DECISION)
def _record_for_body(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import Body
    from governance.selectors import seat_ids_held

    # The target is the body whose meeting or decision is recorded.
    if not isinstance(target, Body):
        return _deny(Reason("not_a_body", _("Choose a body.")))
    seats = seat_ids_held(
        person=actor.person, body=target, role="secretary", day=_governance_day(at)
    )
    # Only the body's own secretary, holding that seat today, keeps its minutes and decisions.
    if not seats:
        return _deny(
            Reason(
                "not_secretary",
                _("Only the secretary of %(body)s can record its meetings and decisions.")
                % {"body": target.name},
            )
        )
    return Decision(allowed=True, via=tuple({"kind": "seat", "id": i} for i in seats))


@rule(Action.GOVERNANCE_MANAGE_APPLICATIONS)
def _manage_applications(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import BodyKind
    from governance.selectors import body_get_by_kind, seat_ids_held

    group = body_get_by_kind(kind=BodyKind.OPERATIONAL_GROUP)
    seats = (
        seat_ids_held(person=actor.person, body=group, role="secretary", day=_governance_day(at))
        if group is not None
        else []
    )
    # Applications reach the Operational Management Group, which prepares the report the
    # Management Committee decides on: its secretary registers them and records the report.
    if not seats:
        return _deny(
            Reason(
                "not_group_secretary",
                _(
                    "Only the secretary of the Operational Management Group registers "
                    "applications and their reports."
                ),
            )
        )
    return Decision(allowed=True, via=tuple({"kind": "seat", "id": i} for i in seats))


@rule(Action.GOVERNANCE_DRAFT_PLAN)
def _draft_plan(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import Body
    from governance.selectors import seat_ids_held

    # The target is the drafting body.
    if not isinstance(target, Body):
        return _deny(Reason("not_a_body", _("Choose a body.")))
    seats = seat_ids_held(person=actor.person, body=target, day=_governance_day(at))
    # A plan is drafted by the people who sit on the drafting body, and by nobody else.
    if not seats:
        return _deny(
            Reason(
                "no_seat",
                _("Only those who sit on %(body)s draft its plans.") % {"body": target.name},
            )
        )
    return Decision(allowed=True, via=tuple({"kind": "seat", "id": i} for i in seats))


@rule(Action.CATALOGUE_REGISTER_SERVICE)
def _register_service(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import Organisation
    from governance.selectors import organisation_representative_facts

    # The target is the organisation that will own the service.
    if not isinstance(target, Organisation):
        return _deny(Reason("not_an_organisation", _("Choose an organisation.")))
    via = organisation_representative_facts(
        person=actor.person, organisation=target, day=_governance_day(at)
    )
    # Only the organisation's representative registers its services: someone holding a seat for
    # it today, or the representative named in its approved membership application.
    if not via:
        return _deny(
            Reason(
                "not_representative",
                _("Only a representative of %(organisation)s registers its services.")
                % {"organisation": target.name},
            )
        )
    return Decision(allowed=True, via=tuple(via))
