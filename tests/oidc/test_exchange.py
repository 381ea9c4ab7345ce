"""RFC 8693 token exchange: a service that holds a person's token obtains one acting for a
company or a mandator, when (and only when) the decision engine allows it."""

from django.test import Client

import pytest

from csam.audit.models import AuditEvent
from csam.oidc.claims import subject_of
from mandates.models import MandateState
from tests.factories.companies import GrantFactory
from tests.mandates.helpers import citizen_mandate
from tests.oidc.conftest import SECRET, decode, introspect, make_client, tokens_for

pytestmark = pytest.mark.django_db

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"


def exchange(app, subject_token: str, on_behalf_of: str, **extra):
    data = {
        "grant_type": EXCHANGE,
        "subject_token": subject_token,
        "subject_token_type": ACCESS,
        "on_behalf_of": on_behalf_of,
        "client_id": app.client_id,
        "client_secret": SECRET,
        **extra,
    }
    return Client().post("/oidc/token/", data)


@pytest.fixture
def bob_token(client_at, world, rp):
    return tokens_for(client_at(world.bob, "substantial"), rp, scope="openid profile")[
        "access_token"
    ]


def test_exchange_for_a_company_the_person_holds_a_role_in(world, rp, bob_token):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)

    response = exchange(rp, bob_token, f"company:{world.client.enterprise_number}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["issued_token_type"] == ACCESS
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "openid profile"
    claims = decode(body["access_token"])
    assert claims["sub"] == subject_of(world.client)
    assert claims["act"] == {"sub": subject_of(world.bob.person)}
    assert claims["acr"] == "substantial"
    answer = introspect(rp, body["access_token"])
    assert answer["active"] is True
    assert answer["sub"] == subject_of(world.client)
    assert answer["act"] == {"sub": subject_of(world.bob.person)}
    assert AuditEvent.objects.filter(action="oidc.token_exchanged", outcome="success").exists()


def test_exchange_for_a_mandator_under_an_accepted_mandate(world, rp, bob_token):
    citizen_mandate(world, MandateState.ACCEPTED)

    response = exchange(rp, bob_token, f"person:{world.alice.person.national_number}")

    assert response.status_code == 200, response.content
    claims = decode(response.json()["access_token"])
    assert claims["sub"] == subject_of(world.alice.person)
    assert claims["act"] == {"sub": subject_of(world.bob.person)}


def test_exchange_refused_when_the_engine_finds_no_right(world, rp, bob_token):
    response = exchange(rp, bob_token, f"company:{world.client.enterprise_number}")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_grant"
    assert "no_right_in_company" in body["reasons"]
    assert AuditEvent.objects.filter(
        action="oidc.token_exchange_refused", outcome="denied"
    ).exists()


def test_exchange_refused_under_a_mandate_that_was_only_proposed(world, rp, bob_token):
    citizen_mandate(world, MandateState.PROPOSED)

    response = exchange(rp, bob_token, f"person:{world.alice.person.national_number}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_exchange_refused_for_an_unknown_company_like_a_denied_one(world, rp, bob_token):
    response = exchange(rp, bob_token, "company:0403019261")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_exchange_refused_to_a_client_of_another_service(world, rp, bob_token):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    other = make_client(world.dmfa.service, name="DmfA")

    response = exchange(other, bob_token, f"company:{world.client.enterprise_number}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_exchange_refused_for_more_scope_than_the_subject_token(world, rp, bob_token):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)

    response = exchange(
        rp, bob_token, f"company:{world.client.enterprise_number}", scope="openid egovnrn"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_exchange_needs_client_authentication(world, rp, bob_token):
    response = exchange(
        rp, bob_token, f"company:{world.client.enterprise_number}", client_secret="wrong"
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_an_exchanged_token_cannot_be_exchanged_again(world, rp, bob_token):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    first = exchange(rp, bob_token, f"company:{world.client.enterprise_number}").json()

    again = exchange(rp, first["access_token"], f"company:{world.client.enterprise_number}")

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
