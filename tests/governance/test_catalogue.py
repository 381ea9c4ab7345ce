"""The catalogue refuses a non-member's service, and accepts it after the approving decision."""

from django.core.exceptions import PermissionDenied, ValidationError

import pytest

from companies.models import Service
from companies.services import service_register
from governance.services import decision_record
from tests.factories.companies import DomainFactory
from tests.factories.governance import ApplicationFactory, OrganisationFactory
from tests.factories.identity import UserFactory
from tests.governance.conftest import actor

pytestmark = pytest.mark.django_db


def register(user, organisation, code="permits"):
    return service_register(
        actor=actor(user, "substantial"),
        organisation=organisation,
        code=code,
        domain=DomainFactory(code="environment"),
        name_en="Environmental permits",
    )


def test_service_register_refused_when_organisation_not_member(gov):
    representative = UserFactory()
    application = ApplicationFactory(reported=True, representative=representative.person)
    with pytest.raises(ValidationError) as exc:
        register(representative, application.organisation)
    assert exc.value.message_dict["owner"] == [
        f"{application.organisation.name} is not a member of the framework: only member "
        "organisations register services in the catalogue."
    ]
    assert not Service.objects.filter(code="permits").exists()


def test_service_register_accepted_after_approving_decision(gov, meeting):
    representative = UserFactory()
    application = ApplicationFactory(reported=True, representative=representative.person)
    decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="member_approval",
        outcome="approved",
        votes_for=3,
        rationale="Meets the conditions.",
        application=application,
    )
    service = register(representative, application.organisation)
    assert service.owner == application.organisation


def test_service_register_denied_when_not_organisations_representative(gov):
    with pytest.raises(PermissionDenied, match="Only a representative of"):
        register(UserFactory(), gov.sponsors[0])


def test_service_register_allowed_to_seat_holder_of_organisation(gov):
    # gov.member holds the chair of the Management Committee for sponsors[0].
    assert register(gov.member, gov.sponsors[0]).owner == gov.sponsors[0]


def test_service_register_refuses_a_code_in_use(gov):
    register(gov.member, gov.sponsors[0])
    with pytest.raises(ValidationError) as exc:
        register(gov.member, gov.sponsors[0])
    assert exc.value.message_dict == {"code": ["A service with this code exists already."]}
    assert Service.objects.filter(code="permits").count() == 1


def test_service_register_refuses_a_code_registered_meanwhile(gov, monkeypatch):
    """Two registrations of one code at once: the one that commits second gets the same error,
    not a server error."""
    clean = Service.full_clean

    def registered_meanwhile(self, *args, **kwargs):
        clean(self, *args, **kwargs)
        Service.objects.create(code=self.code, domain=self.domain, owner=self.owner, name_en="x")

    monkeypatch.setattr(Service, "full_clean", registered_meanwhile)
    with pytest.raises(ValidationError) as exc:
        register(gov.member, gov.sponsors[0])
    assert exc.value.message_dict == {"code": ["A service with this code exists already."]}


def test_service_admin_form_refuses_non_member_owner(gov, rf):
    from django.contrib.admin.sites import site

    non_member = OrganisationFactory(is_member=False)
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form_class = site._registry[Service].get_form(request)
    form = form_class(
        data={
            "code": "permits",
            "domain": DomainFactory().pk,
            "owner": non_member.pk,
            "name_en": "Permits",
            "is_active": "on",
        }
    )
    assert not form.is_valid()
    assert "is not a member of the framework" in form.errors["owner"][0]
