"""Who may act for a company or a person in one service, and through what (access reviews).

The reverse of a decision: instead of asking about one subject, list every subject the current
facts allow, each with the path that allows them: grants of the service's roles in the company,
legal representatives, persons given a mandate covering the service, and the collaborators that
providers holding such a mandate gave a matching role "for clients".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from companies.models import Company, Grant, LegalRepresentative, Role, Service
from identity.models import Person
from mandates.models import Mandate, MandateScope


@dataclass
class Representative:
    person: Person
    roles: set[str] = field(default_factory=set)
    via: list[dict[str, Any]] = field(default_factory=list)


def _covered_roles(scope: list[MandateScope], roles: list[Role]) -> list[Role]:
    return [role for role in roles if any(item.covers(role) for item in scope)]


def _mandates_in_force(party: Person | Company, at: dt.datetime | None) -> list[Mandate]:
    """Mandates in force from ``party`` and, below them, their sub-delegations in force."""
    condition = (
        Q(mandator_company=party) if isinstance(party, Company) else Q(mandator_person=party)
    )
    layer = list(
        Mandate.objects.in_force(at)
        .filter(condition, parent__isnull=True)
        .prefetch_related("scope")
    )
    found = list(layer)
    while layer:
        layer = list(
            Mandate.objects.in_force(at).filter(parent__in=layer).prefetch_related("scope")
        )
        found += layer
    return found


def representatives_of(
    *, party: Person | Company, service: Service, at: dt.datetime | None = None
) -> list[Representative]:
    """Every person who may act for ``party`` in ``service`` now (or at ``at``), sorted by name.

    A query per layer of sub-delegation, not per representative.
    """
    roles = list(service.roles.select_related("service"))
    found: dict[int, Representative] = {}

    def add(person: Person, role_codes: set[str], step: dict[str, Any]) -> None:
        entry = found.setdefault(person.pk, Representative(person=person))
        entry.roles |= role_codes
        entry.via.append(step)

    if isinstance(party, Company):
        if not party.is_active:
            return []
        for grant in (
            Grant.objects.current(at)
            .for_tenant(party)
            .filter(role__service=service, for_clients=False)
            .select_related("person", "role")
        ):
            add(grant.person, {grant.role.code}, {"kind": "grant", "id": grant.pk})
        for rep in (
            LegalRepresentative.objects.current(at).for_tenant(party).select_related("person")
        ):
            add(
                rep.person,
                {r.code for r in roles},
                {"kind": "legal_representative", "id": rep.pk},
            )
    mandates = _mandates_in_force(party, at)
    by_provider: dict[int, list[tuple[Mandate, list[Role]]]] = {}
    for mandate in mandates:
        covered = _covered_roles(list(mandate.scope.all()), roles)
        if not covered:
            continue
        if mandate.mandatary_person_id is not None:
            add(
                mandate.mandatary_person,
                {r.code for r in covered},
                {"kind": "mandate", "id": mandate.pk},
            )
        else:
            by_provider.setdefault(mandate.mandatary_company_id, []).append((mandate, covered))
    if by_provider:
        client_grants = (
            Grant.objects.current(at)
            .filter(company_id__in=list(by_provider), for_clients=True, role__service=service)
            .select_related("person", "role")
        )
        for grant in client_grants:
            for mandate, covered in by_provider[grant.company_id]:
                if grant.role in covered:
                    add(
                        grant.person,
                        {grant.role.code},
                        {"kind": "mandate", "id": mandate.pk, "grant": grant.pk},
                    )
    return sorted(
        found.values(), key=lambda r: (r.person.surname, r.person.given_names, r.person.pk)
    )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def person_age_over(*, person: Person, years: int, today: dt.date | None = None) -> bool | None:
    """Whether the person is at least ``years`` old; None when the birth date is unknown."""
    if person.birth_date is None:
        return None
    return age_on(person.birth_date, today or timezone.localdate()) >= years
