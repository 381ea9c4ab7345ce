import datetime as dt

import factory

from companies.models import (
    AccessManager,
    AccessManagerKind,
    Company,
    Domain,
    Grant,
    LegalRepresentative,
    Role,
    Service,
)
from tests.factories.governance import OrganisationFactory
from tests.factories.identity import PersonFactory


def _enterprise_number(n: int) -> str:
    base = f"0{(20000000 + n * 13) % 100000000:07d}"[:8]
    return base + f"{97 - int(base) % 97:02d}"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("enterprise_number",)

    enterprise_number = factory.Sequence(_enterprise_number)
    name = factory.Faker("company")
    legal_form = "SRL"

    class Params:
        stopped = factory.Trait(status="stopped", stopped_on=dt.date(2025, 1, 1))


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"domain-{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.title())


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"service-{n}")
    domain = factory.SubFactory(DomainFactory)
    owner = factory.SubFactory(OrganisationFactory)
    name_en = factory.LazyAttribute(lambda o: o.code.title())


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    service = factory.SubFactory(ServiceFactory)
    code = factory.Sequence(lambda n: f"role-{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.title())
    min_assurance = "substantial"


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    company = factory.SubFactory(CompanyFactory)
    person = factory.SubFactory(PersonFactory)
    role = factory.SubFactory(RoleFactory)
    valid_from = dt.date(2024, 1, 1)

    class Params:
        expired = factory.Trait(valid_until=dt.date(2024, 12, 31))
        future = factory.Trait(valid_from=dt.date(2099, 1, 1))


class LegalRepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalRepresentative

    company = factory.SubFactory(CompanyFactory)
    person = factory.SubFactory(PersonFactory)
    function = "Director"
    valid_from = dt.date(2024, 1, 1)


class AccessManagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessManager

    company = factory.SubFactory(CompanyFactory)
    person = factory.SubFactory(PersonFactory)
    kind = AccessManagerKind.MAIN
    valid_from = dt.date(2024, 1, 1)
