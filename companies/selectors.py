"""Reads in the companies app. Every tenant-scoped read takes its tenant explicitly."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from companies.models import (
    AccessManager,
    Company,
    Domain,
    Grant,
    LegalRepresentative,
    Service,
)
from identity.models import Person


@dataclass(frozen=True)
class CompanyTies:
    """What ties a person to a company at a moment (each list holds row ids)."""

    grant_ids: tuple[int, ...]
    legal_representative_ids: tuple[int, ...]
    access_manager_ids: tuple[int, ...]

    @property
    def any(self) -> bool:
        return bool(self.grant_ids or self.legal_representative_ids or self.access_manager_ids)


def company_list_with_ties(*, person: Person, at: dt.datetime | None = None) -> QuerySet[Company]:
    """Companies (any status) in which the person holds a current grant, designation or legal
    representation. The caller decides what a stopped company means."""
    grants = Grant.objects.current(at).filter(person=person).values("company_id")
    reps = LegalRepresentative.objects.current(at).filter(person=person).values("company_id")
    managers = AccessManager.objects.current(at).filter(person=person).values("company_id")
    return Company.objects.filter(Q(id__in=grants) | Q(id__in=reps) | Q(id__in=managers)).order_by(
        "name", "id"
    )


def company_ties(*, person: Person, tenant: Company, at: dt.datetime | None = None) -> CompanyTies:
    """The person's current ties to one company."""
    return CompanyTies(
        grant_ids=tuple(
            Grant.objects.current(at)
            .for_tenant(tenant)
            .filter(person=person)
            .values_list("id", flat=True)
        ),
        legal_representative_ids=tuple(
            LegalRepresentative.objects.current(at)
            .for_tenant(tenant)
            .filter(person=person)
            .values_list("id", flat=True)
        ),
        access_manager_ids=tuple(
            AccessManager.objects.current(at)
            .for_tenant(tenant)
            .filter(person=person)
            .values_list("id", flat=True)
        ),
    )


def company_get_by_id(*, company_id: int) -> Company | None:
    return Company.objects.filter(id=company_id).first()


def catalogue_domains_with_services() -> QuerySet[Domain]:
    """The public catalogue: domains with their active services and the services' owners."""
    active = Service.objects.filter(is_active=True).select_related("owner").order_by("name_en")
    return Domain.objects.prefetch_related(Prefetch("services", queryset=active)).order_by(
        "name_en"
    )


def company_get_by_number(*, enterprise_number: str) -> Company | None:
    return Company.objects.filter(enterprise_number=enterprise_number).first()
