"""Two citizens, a client company and a service provider company with their managers, and a
provider collaborator holding a role "for clients"."""

from dataclasses import dataclass

import pytest

from companies.models import AccessManagerKind, Company, Domain, Role
from identity.models import User
from mandates.services import ScopeItem
from tests.companies.conftest import designate
from tests.factories.companies import (
    CompanyFactory,
    DomainFactory,
    GrantFactory,
    RoleFactory,
    ServiceFactory,
)
from tests.factories.identity import UserFactory


@dataclass
class World:
    alice: User
    bob: User
    carol: User
    client: Company
    client_manager: User
    provider: Company
    provider_manager: User
    provider_finance_manager: User
    accountant: User  # provider collaborator with a VAT role for clients
    other_provider: Company
    finance: Domain
    social: Domain
    vat: Role
    filer: Role  # another finance role
    dmfa: Role

    def vat_scope(self) -> list[ScopeItem]:
        return [ScopeItem(role=self.vat)]

    def finance_scope(self) -> list[ScopeItem]:
        return [ScopeItem(domain=self.finance)]


@pytest.fixture
def world(db) -> World:
    finance = DomainFactory(code="finance")
    social = DomainFactory(code="social")
    vat_service = ServiceFactory(code="vat", domain=finance)
    vat = RoleFactory(service=vat_service, code="declarant", for_clients_allowed=True)
    filer = RoleFactory(
        service=ServiceFactory(code="taxonweb", domain=finance),
        code="filer",
        for_clients_allowed=True,
    )
    dmfa = RoleFactory(
        service=ServiceFactory(code="dmfa", domain=social),
        code="declarant",
        for_clients_allowed=True,
    )
    client = CompanyFactory(name="Client SA")
    provider = CompanyFactory(name="Fiduciaire SRL")
    other_provider = CompanyFactory(name="Other Fiduciaire")
    client_manager = UserFactory()
    designate(client_manager, client, AccessManagerKind.MAIN)
    provider_manager = UserFactory()
    designate(provider_manager, provider, AccessManagerKind.MAIN)
    provider_finance_manager = UserFactory()
    designate(provider_finance_manager, provider, AccessManagerKind.DOMAIN, finance)
    accountant = UserFactory()
    GrantFactory(company=provider, person=accountant.person, role=vat, for_clients=True)
    return World(
        alice=UserFactory(),
        bob=UserFactory(),
        carol=UserFactory(),
        client=client,
        client_manager=client_manager,
        provider=provider,
        provider_manager=provider_manager,
        provider_finance_manager=provider_finance_manager,
        accountant=accountant,
        other_provider=other_provider,
        finance=finance,
        social=social,
        vat=vat,
        filer=filer,
        dmfa=dmfa,
    )
