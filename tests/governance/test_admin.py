"""Staff seat people in the admin: the composition rules refuse with a form error."""

import pytest

from governance.models import Seat
from identity.models import User
from tests.factories.governance import OrganisationFactory
from tests.factories.identity import PersonFactory

pytestmark = pytest.mark.django_db
URL = "/admin/governance/seat/add/"


@pytest.fixture
def staff_client(client):
    staff = User.objects.create_superuser("staff", "staff@example.org", "a long staff password")
    client.force_login(staff)
    return client


def _data(body, organisation, person, role="member"):
    return {
        "body": body.pk,
        "organisation": organisation.pk,
        "person": person.pk,
        "role": role,
        "valid_from": "2026-01-01",
        "valid_until": "",
    }


def test_admin_refuses_seat_the_rules_forbid_with_a_form_error(staff_client, gov):
    outsider = OrganisationFactory(code="outsider", is_sponsor=False, is_member=True)
    before = Seat.objects.count()
    response = staff_client.post(URL, _data(gov.mc, outsider, PersonFactory()))
    assert response.status_code == 200
    assert "Management Committee" in response.content.decode()
    assert Seat.objects.count() == before


def test_admin_seats_a_sponsors_official(staff_client, gov):
    person = PersonFactory()
    response = staff_client.post(URL, _data(gov.mc, gov.sponsors[0], person))
    assert response.status_code == 302
    assert Seat.objects.filter(person=person, body=gov.mc).exists()
