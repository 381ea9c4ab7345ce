"""Reads in the mandates app. A party sees the mandates it is in, nothing else."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from companies.models import Company
from identity.models import Person
from mandates.models import Mandate, MandateEvent, MandateScope, MandateState

Party = Person | Company

_RELATED = (
    "mandator_person",
    "mandator_company",
    "mandatary_person",
    "mandatary_company",
    "proposed_by",
)


def _with_details(mandates: QuerySet[Mandate]) -> QuerySet[Mandate]:
    return mandates.select_related(*_RELATED).prefetch_related(
        Prefetch(
            "scope",
            queryset=MandateScope.objects.select_related("domain", "service", "role__service"),
        )
    )


def _given_filter(party: Party) -> Q:
    return Q(mandator_company=party) if isinstance(party, Company) else Q(mandator_person=party)


def _received_filter(party: Party) -> Q:
    return Q(mandatary_company=party) if isinstance(party, Company) else Q(mandatary_person=party)


def mandate_list_given(*, party: Party, state: str = "") -> QuerySet[Mandate]:
    """Mandates the party gave (as mandator), newest first."""
    mandates = Mandate.objects.filter(_given_filter(party))
    if state:
        mandates = mandates.filter(state=state)
    return _with_details(mandates).order_by("-proposed_at", "-id")


def mandate_list_received(*, party: Party, state: str = "") -> QuerySet[Mandate]:
    """Mandates the party received (as mandatary), newest first."""
    mandates = Mandate.objects.filter(_received_filter(party))
    if state:
        mandates = mandates.filter(state=state)
    return _with_details(mandates).order_by("-proposed_at", "-id")


def mandate_list_awaiting(*, party: Party) -> QuerySet[Mandate]:
    """Pending mandates the party must decide: proposals to it, and requests addressed to it."""
    proposals = _received_filter(party) & Q(initiated_by="mandator")
    requests = _given_filter(party) & Q(initiated_by="mandatary")
    return _with_details(
        Mandate.objects.filter(proposals | requests, state=MandateState.PROPOSED)
    ).order_by("-proposed_at", "-id")


def mandate_get(*, party: Party, mandate_id: int) -> Mandate | None:
    """One mandate the party is in; None otherwise (another party's mandate is "not found")."""
    return (
        _with_details(Mandate.objects.filter(_given_filter(party) | _received_filter(party)))
        .filter(pk=mandate_id)
        .first()
    )


def mandate_events(*, mandate: Mandate) -> QuerySet[MandateEvent]:
    return mandate.events.select_related("actor", "acting_for").order_by("at", "id")


def mandators_of_person(*, person: Person, at: dt.datetime | None = None) -> QuerySet[Mandate]:
    """Mandates in force that let ``person`` act, in their own name, for a mandator."""
    return _with_details(Mandate.objects.in_force(at).filter(mandatary_person=person)).order_by(
        "mandator_person__surname", "mandator_company__name", "id"
    )


def mandates_expiring(*, within_days: int, today: dt.date | None = None) -> QuerySet[Mandate]:
    """Accepted mandates whose period ends within ``within_days`` days and not yet reminded."""
    today = today or timezone.localdate()
    return Mandate.objects.filter(
        state=MandateState.ACCEPTED,
        ended_at__isnull=True,
        reminded_at__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=within_days),
    )


def mandate_root(*, mandate: Mandate) -> Mandate:
    """The first mandate of a sub-delegation chain (the one whose mandator is represented)."""
    node = mandate
    while node.parent_id is not None:
        node = Mandate.objects.select_related("mandator_person", "mandator_company").get(
            pk=node.parent_id
        )
    return node


def mandate_chain_in_force(
    *, mandate: Mandate, at: dt.datetime | None = None
) -> list[Mandate] | None:
    """This mandate and its ancestors, if every one is in force at ``at``; None otherwise."""
    chain: list[Mandate] = []
    node: Mandate | None = mandate
    while node is not None:
        if not Mandate.objects.in_force(at).filter(pk=node.pk).exists():
            return None
        chain.append(node)
        node = Mandate.objects.filter(pk=node.parent_id).first() if node.parent_id else None
    return chain


def client_grants_covered(
    *, person: Person, provider: Company, mandate: Mandate, at: dt.datetime | None = None
) -> list[int]:
    """Ids of the person's current grants "for clients" at ``provider`` whose role the
    mandate's scope covers (what lets a provider's collaborator act under it)."""
    from companies.models import Grant

    scope = list(mandate.scope.all())
    grants = (
        Grant.objects.current(at)
        .for_tenant(provider)
        .filter(person=person, for_clients=True)
        .select_related("role__service")
    )
    return [g.pk for g in grants if any(item.covers(g.role) for item in scope)]


def mandate_options_for(*, person: Person, at: dt.datetime | None = None) -> list[Mandate]:
    """Mandates in force the person might act under: given to them, or to a company that gave
    them a role "for clients". The engine still decides each one (scope, chain, company)."""
    from companies.models import Grant

    providers = (
        Grant.objects.current(at).filter(person=person, for_clients=True).values("company_id")
    )
    return list(
        _with_details(
            Mandate.objects.in_force(at).filter(
                Q(mandatary_person=person) | Q(mandatary_company_id__in=providers)
            )
        ).order_by("id")
    )


def mandate_get_by_id(*, mandate_id: int) -> Mandate | None:
    """Any mandate by id, for the engine's checks (which then decide who may use it)."""
    return _with_details(Mandate.objects.filter(pk=mandate_id)).first()


# --- For the mandate pages and API (mandates/views/ and mandates/apis/) ---------------------------

from typing import TYPE_CHECKING  # noqa: E402 - kept with the selectors below (added later)

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


def mandate_party_find(*, kind: str, digits: str) -> Party | None:
    """The person or the registered company a checked number names, without creating anyone
    (the wizard shows who it is before anything is stored). ``digits``: 11 digits for a person,
    10 for a company. None when nobody is known under the number."""
    if kind == "person":
        return Person.objects.filter(national_number=digits).first()
    if kind == "company":
        return Company.objects.filter(enterprise_number=digits).first()
    return None


def mandate_viewer_party(*, actor: ActingContext) -> Party:
    """The party whose mandates ``actor`` may see and handle now.

    Acting in one's own name: oneself. Acting for a company: that company, if the engine lets
    the actor see its rights (``companies.view``: its access managers and legal
    representatives, at level substantial). Acting for someone under a mandate: nobody, since a
    mandate never covers managing the mandator's own mandates.
    Raises `PermissionDenied`, or `StepUpRequired` when only the level is missing.
    """
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    # The engine sits above this app: look it up at call time (one-way dependencies).
    from csam.authz.actions import Action
    from csam.authz.engine import require

    # Nobody behind the request: nothing to show.
    if actor.person is None:
        raise PermissionDenied(_("Please log in first."))
    # Under a mandate the actor represents someone else, whose mandates are not theirs to see.
    if actor.mandate is not None:
        raise PermissionDenied(
            _(
                "You act for someone else under a mandate. To see or handle mandates, act in "
                "your own name or for your company (switch at the top)."
            )
        )
    if actor.company is None:
        return actor.person
    # A company's mandates are part of its rights: the engine decides who may see them.
    require(actor=actor, action=Action.COMPANIES_VIEW, tenant=actor.company)
    return actor.company
