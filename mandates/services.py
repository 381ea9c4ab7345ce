"""Writes in the mandates app: propose, request, sub-delegate, accept, refuse, revoke, expire.

Who may act for a party is the engine's question (`csam.authz`): a person acts for themselves
while acting in their own name; a company through an access manager of every domain the mandate
covers, while acting for that company. Every step is a `MandateEvent` and an audit record, and
the other party is told by e-mail after commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Company, Domain, Role, Service
from companies.numbers import parse_enterprise_number
from companies.selectors import company_get_by_number
from companies.services import rights_changed
from csam.audit.services import audit_act, outbox_send
from identity.models import Person
from identity.services import person_get_or_create
from mandates.exceptions import MandateConflict
from mandates.models import (
    MAX_DEPTH_LIMIT,
    Initiator,
    Mandate,
    MandateEvent,
    MandateEventKind,
    MandateScope,
    MandateState,
)

if TYPE_CHECKING:
    from csam.authz.context import ActingContext

Party = Person | Company


@dataclass(frozen=True)
class ScopeItem:
    """One element of a requested scope; exactly one is set."""

    domain: Domain | None = None
    service: Service | None = None
    role: Role | None = None

    @property
    def domain_id(self) -> int:
        if self.role is not None:
            return self.role.service.domain_id
        if self.service is not None:
            return self.service.domain_id
        assert self.domain is not None  # noqa: S101 - exactly one is set
        return self.domain.pk

    def within(self, scope: list[MandateScope]) -> bool:
        """Whether ``scope`` (a parent's) covers this item entirely."""
        for item in scope:
            if item.domain_id is not None and item.domain_id == self.domain_id:
                return True
            if item.service_id is not None:
                if self.service is not None and item.service_id == self.service.pk:
                    return True
                if self.role is not None and item.service_id == self.role.service_id:
                    return True
            if item.role_id is not None and self.role is not None and item.role_id == self.role.pk:
                return True
        return False


def _require(actor: ActingContext, action: str, party: Party, domain_ids: set[int]) -> None:
    # The engine sits above this app: look it up at call time (one-way dependencies).
    from csam.authz.actions import Action
    from csam.authz.engine import require

    require(
        actor=actor,
        action=Action(action),
        target=(party, frozenset(domain_ids)),
        tenant=party if isinstance(party, Company) else None,
    )


def _acting_party(actor: ActingContext) -> Party:
    """The party the actor acts for now: their company, or themselves."""
    if actor.company is not None:
        return actor.company
    if actor.person is None:
        raise ValidationError(_("Log in as a person first."))
    return actor.person


def party_from_number(*, kind: str, number: str) -> Party:
    """The person (created if new: they may not have logged in yet) or the registered company a
    number names. Raises `ValidationError` on ``number`` for an invalid or unknown number."""
    if kind == "person":
        try:
            person, _created = person_get_or_create(national_number=number)
        except ValidationError as exc:
            raise ValidationError({"number": exc.messages}) from None
        return person
    if kind == "company":
        try:
            digits = parse_enterprise_number(number)
        except ValidationError as exc:
            raise ValidationError({"number": exc.messages}) from None
        company = company_get_by_number(enterprise_number=digits)
        if company is None:
            raise ValidationError(
                {"number": [_("No company with this enterprise number is registered.")]}
            )
        return company
    raise ValidationError({"kind": [_("Choose a person or a company.")]})


def _same(a: Party, b: Party) -> bool:
    return type(a) is type(b) and a.pk == b.pk


def _set_parties(mandate: Mandate, mandator: Party, mandatary: Party) -> None:
    if isinstance(mandator, Person):
        mandate.mandator_person = mandator
    else:
        mandate.mandator_company = mandator
    if isinstance(mandatary, Person):
        mandate.mandatary_person = mandatary
    else:
        mandate.mandatary_company = mandatary


def _party_label(party: Party) -> str:
    return f"company:{party.pk}" if isinstance(party, Company) else f"person:{party.pk}"


def mandate_snapshot(mandate: Mandate) -> dict[str, Any]:
    """What the audit log keeps of a mandate (ids, never national register numbers)."""
    return {
        "id": mandate.pk,
        "mandator": _party_label(mandate.mandator),
        "mandatary": _party_label(mandate.mandatary),
        "state": mandate.state,
        "valid_from": mandate.valid_from.isoformat(),
        "valid_until": mandate.valid_until.isoformat() if mandate.valid_until else None,
        "parent": mandate.parent_id,
        "depth": mandate.depth,
    }


def _party_numbers(parties: list[Party]) -> tuple[list[str], list[str]]:
    persons = [p.national_number for p in parties if isinstance(p, Person)]
    companies = [p.enterprise_number for p in parties if isinstance(p, Company)]
    return persons, companies


def _record(actor: Any, mandate: Mandate, kind: str, before: dict[str, Any] | None = None) -> None:
    # Decisions made on behalf of anyone in the chain change: their cached answers must go.
    persons, companies = _party_numbers(_chain_parties(mandate))
    rights_changed(person_numbers=persons, company_numbers=companies)
    MandateEvent.objects.create(
        mandate=mandate,
        kind=kind,
        actor=getattr(actor, "person", None),
        acting_for=getattr(actor, "company", None),
    )
    # Each company party sees the act in its own history and audit export: a mandate between two
    # companies is recorded once for each, saying which side that company is on.
    sides = [("mandator", mandate.mandator_company), ("mandatary", mandate.mandatary_company)]
    companies = [(side, company) for side, company in sides if company is not None]
    for side, company in companies or [("", None)]:
        audit_act(
            actor=actor,
            action=f"mandates.{kind}",
            tenant_id=company.pk if company else None,
            object_type="mandate",
            object_id=mandate.pk,
            before=before,
            after=mandate_snapshot(mandate),
            extra={"company_side": side} if len(companies) > 1 else None,
        )
    # Through the outbox: the notice commits with the change and survives a broker outage.
    outbox_send("mandates.tasks.mandate_notify", mandate_id=mandate.pk, event=kind)


def _validate_period(
    valid_from: dt.date, valid_until: dt.date | None, errors: dict[str, list[str]]
) -> None:
    if valid_from < timezone.localdate():
        errors.setdefault("valid_from", []).append(_("A mandate cannot start in the past."))
    if valid_until is not None and valid_until < valid_from:
        errors.setdefault("valid_until", []).append(
            _("The end date cannot be before the start date.")
        )


def _validate_scope(scope: list[ScopeItem], mandatary: Party, errors: dict[str, list[str]]) -> None:
    if not scope:
        errors.setdefault("scope", []).append(_("Choose at least one domain, service or role."))
    for item in scope:
        if sum(x is not None for x in (item.domain, item.service, item.role)) != 1:
            errors.setdefault("scope", []).append(
                _("Each scope item is one domain, service or role.")
            )
        if (
            isinstance(mandatary, Company)
            and item.role is not None
            and not item.role.for_clients_allowed
        ):
            errors.setdefault("scope", []).append(
                _("The role %(role)s cannot be held by a company for its clients.")
                % {"role": item.role.name}
            )


def _create(
    *,
    actor: ActingContext,
    mandator: Party,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date,
    valid_until: dt.date | None,
    allows_subdelegation: bool,
    max_depth: int,
    initiated_by: str,
    parent: Mandate | None = None,
) -> Mandate:
    mandate = Mandate(
        valid_from=valid_from,
        valid_until=valid_until,
        initiated_by=initiated_by,
        allows_subdelegation=allows_subdelegation and max_depth > 0,
        max_depth=max_depth if allows_subdelegation else 0,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        proposed_by=actor.person,
    )
    _set_parties(mandate, mandator, mandatary)
    mandate.full_clean()
    mandate.save()
    MandateScope.objects.bulk_create(
        [
            MandateScope(mandate=mandate, domain=i.domain, service=i.service, role=i.role)
            for i in scope
        ]
    )
    kind = (
        MandateEventKind.REQUESTED
        if initiated_by == Initiator.MANDATARY
        else MandateEventKind.PROPOSED
    )
    _record(actor, mandate, kind)
    return mandate


def _common_checks(
    mandator: Party,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date,
    valid_until: dt.date | None,
    max_depth: int,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if _same(mandator, mandatary):
        errors.setdefault("number", []).append(_("A mandate cannot be given to oneself."))
    _validate_period(valid_from, valid_until, errors)
    _validate_scope(scope, mandatary, errors)
    if not 0 <= max_depth <= MAX_DEPTH_LIMIT:
        errors.setdefault("max_depth", []).append(
            _("The depth limit is between 0 and %(limit)d.") % {"limit": MAX_DEPTH_LIMIT}
        )
    return errors


@transaction.atomic
def mandate_propose(
    *,
    actor: ActingContext,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    allows_subdelegation: bool = False,
    max_depth: int = 0,
) -> Mandate:
    """The actor's party (themselves, or the company they act for) proposes to let
    ``mandatary`` act for it within ``scope``; the mandatary then accepts or refuses.

    Rules: a company mandator acts through an access manager of every domain of the scope; not
    to oneself; the period is ordered and does not start in the past; a company mandatary can
    hold only roles allowed for clients; the depth limit is at most MAX_DEPTH_LIMIT.
    Raises `ValidationError`, `PermissionDenied` or `StepUpRequired`.
    """
    mandator = _acting_party(actor)
    valid_from = valid_from or timezone.localdate()
    errors = _common_checks(mandator, mandatary, scope, valid_from, valid_until, max_depth)
    if errors:
        raise ValidationError(errors)
    _require(actor, "mandates.propose", mandator, {i.domain_id for i in scope})
    return _create(
        actor=actor,
        mandator=mandator,
        mandatary=mandatary,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        allows_subdelegation=allows_subdelegation,
        max_depth=max_depth,
        initiated_by=Initiator.MANDATOR,
    )


@transaction.atomic
def mandate_request(
    *,
    actor: ActingContext,
    mandator: Party,
    scope: list[ScopeItem],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Mandate:
    """The actor's party asks ``mandator`` for a mandate; the mandator approves or refuses.
    Same rules as `mandate_propose`, seen from the other side."""
    mandatary = _acting_party(actor)
    valid_from = valid_from or timezone.localdate()
    errors = _common_checks(mandator, mandatary, scope, valid_from, valid_until, 0)
    if errors:
        raise ValidationError(errors)
    _require(actor, "mandates.propose", mandatary, {i.domain_id for i in scope})
    return _create(
        actor=actor,
        mandator=mandator,
        mandatary=mandatary,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        allows_subdelegation=False,
        max_depth=0,
        initiated_by=Initiator.MANDATARY,
    )


def _chain_parties(mandate: Mandate) -> list[Party]:
    parties: list[Party] = []
    node: Mandate | None = mandate
    while node is not None:
        parties += [node.mandator, node.mandatary]
        node = node.parent
    return parties


@transaction.atomic
def mandate_subdelegate(
    *,
    actor: ActingContext,
    parent: Mandate,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    allows_subdelegation: bool = False,
    max_depth: int = 0,
) -> Mandate:
    """The parent's mandatary passes part of its mandate on to ``mandatary``.

    Rules: the parent is accepted, in force and allows sub-delegation; the actor acts for the
    parent's mandatary; the scope and the period stay within the parent's; the depth limit
    shrinks by one at each link; the chain may not come back to a party already in it (no
    cycle). Raises `ValidationError`, `PermissionDenied`, `StepUpRequired`, `MandateConflict`.
    """
    locked = Mandate.objects.select_for_update().get(pk=parent.pk)
    if locked.state != MandateState.ACCEPTED or locked.ended_at is not None:
        raise MandateConflict(_("Only an accepted mandate in force can be sub-delegated."))
    mandator = locked.mandatary
    valid_from = valid_from or max(timezone.localdate(), locked.valid_from)
    errors = _common_checks(mandator, mandatary, scope, valid_from, valid_until, max_depth)
    if not locked.allows_subdelegation or locked.max_depth < 1:
        errors.setdefault("parent", []).append(_("This mandate may not be sub-delegated."))
    elif max_depth > locked.max_depth - 1:
        errors.setdefault("max_depth", []).append(
            _("The depth limit can be at most %(limit)d here.") % {"limit": locked.max_depth - 1}
        )
    parent_scope = list(locked.scope.all())
    if any(not item.within(parent_scope) for item in scope):
        errors.setdefault("scope", []).append(
            _("A sub-delegation cannot cover more than the mandate it comes from.")
        )
    if valid_from < locked.valid_from or (
        locked.valid_until is not None and (valid_until is None or valid_until > locked.valid_until)
    ):
        errors.setdefault("valid_until", []).append(
            _("A sub-delegation cannot last longer than the mandate it comes from.")
        )
    if any(_same(mandatary, party) for party in _chain_parties(locked)):
        errors.setdefault("number", []).append(
            _("This would make the chain of mandates come back to a party already in it.")
        )
    if errors:
        raise ValidationError(errors)
    _require(actor, "mandates.subdelegate", mandator, {i.domain_id for i in scope})
    return _create(
        actor=actor,
        mandator=mandator,
        mandatary=mandatary,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        allows_subdelegation=allows_subdelegation,
        max_depth=max_depth,
        initiated_by=Initiator.MANDATOR,
        parent=locked,
    )


def _scope_domains(mandate: Mandate) -> set[int]:
    return {
        item.domain_id
        or (item.service.domain_id if item.service_id else item.role.service.domain_id)
        for item in mandate.scope.select_related("service", "role__service")
    }


def _deciding_party(mandate: Mandate) -> Party:
    """Who decides a pending mandate: the side that did not start it."""
    return mandate.mandatary if mandate.initiated_by == Initiator.MANDATOR else mandate.mandator


def _locked(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update().get(pk=mandate.pk)


@transaction.atomic
def mandate_accept(*, actor: ActingContext, mandate: Mandate) -> Mandate:
    """The deciding party accepts a proposed mandate (or the mandator approves a request); it is
    in force from then on, within its period. Only from "proposed" (`MandateConflict`); level
    high (the engine)."""
    locked = _locked(mandate)
    if locked.state != MandateState.PROPOSED:
        raise MandateConflict(_("Only a proposed mandate can be accepted."))
    if locked.valid_until is not None and locked.valid_until < timezone.localdate():
        raise MandateConflict(_("The period of this mandate is over."))
    _require(actor, "mandates.accept", _deciding_party(locked), _scope_domains(locked))
    if locked.parent_id is not None:
        parent = Mandate.objects.get(pk=locked.parent_id)
        if parent.state != MandateState.ACCEPTED or parent.ended_at is not None:
            raise MandateConflict(_("The mandate this one comes from is no longer in force."))
    before = mandate_snapshot(locked)
    locked.state = MandateState.ACCEPTED
    locked.accepted_at = timezone.now()
    locked.decided_by = actor.person
    locked.save(update_fields=["state", "accepted_at", "decided_by"])
    _record(actor, locked, MandateEventKind.ACCEPTED, before)
    return locked


@transaction.atomic
def mandate_refuse(*, actor: ActingContext, mandate: Mandate) -> Mandate:
    """The deciding party refuses a proposed mandate. Only from "proposed"."""
    locked = _locked(mandate)
    if locked.state != MandateState.PROPOSED:
        raise MandateConflict(_("Only a proposed mandate can be refused."))
    _require(actor, "mandates.refuse", _deciding_party(locked), _scope_domains(locked))
    before = mandate_snapshot(locked)
    locked.state = MandateState.REFUSED
    locked.refused_at = timezone.now()
    locked.decided_by = actor.person
    locked.save(update_fields=["state", "refused_at", "decided_by"])
    _record(actor, locked, MandateEventKind.REFUSED, before)
    return locked


def _end(actor: Any, mandate: Mandate, state: str, kind: str, at: dt.datetime) -> None:
    before = mandate_snapshot(mandate)
    mandate.state = state
    mandate.ended_at = at
    mandate.ended_by = getattr(actor, "person", None)
    mandate.save(update_fields=["state", "ended_at", "ended_by"])
    _record(actor, mandate, kind, before)
    # Ending a mandate ends everything that was sub-delegated from it, down the chain.
    for child in Mandate.objects.select_for_update().filter(
        parent=mandate,
        state__in=[MandateState.PROPOSED, MandateState.ACCEPTED],
        ended_at__isnull=True,
    ):
        _end(actor, child, MandateState.REVOKED, MandateEventKind.ENDED_WITH_PARENT, at)


@transaction.atomic
def mandate_revoke(*, actor: ActingContext, mandate: Mandate) -> Mandate:
    """The mandator ends a mandate (proposed or accepted) at once, without the mandatary's
    consent; what was sub-delegated from it ends too. `MandateConflict` once it has ended."""
    locked = _locked(mandate)
    if locked.state not in (MandateState.PROPOSED, MandateState.ACCEPTED):
        raise MandateConflict(_("This mandate has ended already."))
    _require(actor, "mandates.revoke", locked.mandator, _scope_domains(locked))
    _end(actor, locked, MandateState.REVOKED, MandateEventKind.REVOKED, timezone.now())
    return locked


@transaction.atomic
def mandates_expire(*, today: dt.date | None = None) -> int:
    """Mark accepted mandates past their end date expired (and end their sub-delegations).

    Idempotent: an expired mandate is not touched again. The end moment is the end of the last
    valid day, so "as of" questions keep their answer.
    """
    from csam.authz.context import SYSTEM_ACTOR

    today = today or timezone.localdate()
    count = 0
    for mandate in Mandate.objects.select_for_update().filter(
        state=MandateState.ACCEPTED, ended_at__isnull=True, valid_until__lt=today
    ):
        end = dt.datetime.combine(
            mandate.valid_until + dt.timedelta(days=1),  # type: ignore[operator]
            dt.time.min,
            tzinfo=timezone.get_current_timezone(),
        )
        _end(SYSTEM_ACTOR, mandate, MandateState.EXPIRED, MandateEventKind.EXPIRED, end)
        count += 1
    return count
