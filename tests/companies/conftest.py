"""A company with a legal representative, a main access manager, managers of two domains and
a plain collaborator; a second company with its own manager. Acting contexts at any level."""

from dataclasses import dataclass

from django.utils import timezone

import pytest

from companies.models import AccessManager, AccessManagerKind, Company, Domain, Role
from csam.authz.context import ActingContext
from csam.authz.permissions import manager_permissions_sync
from identity.assurance import Assurance, AssuranceLevel, Means
from identity.models import User
from tests.factories.companies import (
    AccessManagerFactory,
    CompanyFactory,
    DomainFactory,
    GrantFactory,
    LegalRepresentativeFactory,
    RoleFactory,
    ServiceFactory,
)
from tests.factories.identity import UserFactory


@dataclass
class Tenant:
    company: Company
    finance: Domain
    social: Domain
    vat: Role  # finance
    dmfa: Role  # social security
    legal_rep: User
    main: User
    finance_manager: User
    social_manager: User
    collaborator: User
    other_manager: User  # main manager of another company
    other_company: Company


def designate(
    user: User, company: Company, kind: str, domain: Domain | None = None
) -> AccessManager:
    designation = AccessManagerFactory(
        company=company, person=user.person, kind=kind, domain=domain
    )
    manager_permissions_sync(person_id=user.person_id, company=company)
    return designation


@pytest.fixture
def tenant(db) -> Tenant:
    company = CompanyFactory(name="Brasserie A")
    other_company = CompanyFactory(name="Other B")
    finance = DomainFactory(code="finance")
    social = DomainFactory(code="social-security")
    vat = RoleFactory(
        service=ServiceFactory(code="vat", domain=finance),
        code="declarant",
        for_clients_allowed=True,
    )
    dmfa = RoleFactory(service=ServiceFactory(code="dmfa", domain=social), code="declarant")
    legal_rep = UserFactory()
    LegalRepresentativeFactory(company=company, person=legal_rep.person)
    main = UserFactory()
    designate(main, company, AccessManagerKind.MAIN)
    finance_manager = UserFactory()
    designate(finance_manager, company, AccessManagerKind.DOMAIN, finance)
    social_manager = UserFactory()
    designate(social_manager, company, AccessManagerKind.DOMAIN, social)
    collaborator = UserFactory()
    GrantFactory(company=company, person=collaborator.person, role=dmfa)
    other_manager = UserFactory()
    designate(other_manager, other_company, AccessManagerKind.MAIN)
    return Tenant(
        company,
        finance,
        social,
        vat,
        dmfa,
        legal_rep,
        main,
        finance_manager,
        social_manager,
        collaborator,
        other_manager,
        other_company,
    )


def acting(user: User | None, company: Company | None, level: str = "high") -> ActingContext:
    if user is None:
        return ActingContext(person=None)
    means = {
        "low": (Means.PASSWORD,),
        "substantial": (Means.PASSWORD, Means.TOTP),
        "high": (Means.EID,),
    }[level]
    assurance = Assurance(level=AssuranceLevel(level), means=means, at=timezone.now())
    return ActingContext(
        person=user.person,
        assurance=assurance,
        company=company,
        user_id=user.pk,
        label=user.username,
        user=user,
    )
