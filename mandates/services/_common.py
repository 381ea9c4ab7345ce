"""What the writes of the mandates app share: parties, the engine's check, the record of each
step (event, audit, notice, cache versions) and the end of a mandate down its chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from companies.models import Company, Domain, Role, Service
from companies.numbers import parse_enterprise_number
from companies.selectors import company_get_by_number
from companies.services import rights_changed
from csam.audit.services import audit_act, outbox_send
from identity.models import Person
from identity.services import person_get_or_create
from mandates.models import (
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


def _chain_parties(mandate: Mandate) -> list[Party]:
    parties: list[Party] = []
    node: Mandate | None = mandate
    while node is not None:
        parties += [node.mandator, node.mandatary]
        node = node.parent
    return parties


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
