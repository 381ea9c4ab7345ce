"""Acting for a company or a mandator: the subject is the represented party, ``act`` names the
person; introspection says the same, and answers inactive as soon as the right behind the token
ends (grant or mandate revoked), with no wait for the next log-in."""

from django.test import Client

import pytest

from companies.services import grant_revoke
from csam.audit.models import AuditEvent
from csam.oidc.claims import subject_of
from mandates.models import MandateState
from mandates.services import mandate_revoke
from tests.companies.conftest import acting
from tests.factories.companies import GrantFactory
from tests.mandates.helpers import citizen_mandate
from tests.oidc.conftest import decode, introspect, make_client, tokens_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_for_client(world):
    """Bob holds the VAT role in the client company."""
    return GrantFactory(company=world.client, person=world.bob.person, role=world.vat)


def test_acting_for_a_company_makes_it_the_subject_with_the_person_as_actor(
    client_at, world, rp, bob_for_client
):
    client = client_at(world.bob, "substantial")

    tokens = tokens_for(client, rp, acting=f"company-{world.client.pk}")

    for token in (tokens["id_token"], tokens["access_token"]):
        claims = decode(token)
        assert claims["sub"] == subject_of(world.client)
        assert claims["act"] == {"sub": subject_of(world.bob.person)}
    answer = introspect(rp, tokens["access_token"])
    assert answer["active"] is True
    assert answer["sub"] == subject_of(world.client)
    assert answer["act"] == {"sub": subject_of(world.bob.person)}
    assert answer["client_id"] == rp.client_id
    assert answer["acr"] == "substantial"


def test_acting_for_a_mandator_makes_them_the_subject_and_names_the_chain(client_at, world, rp):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    client = client_at(world.bob, "substantial")

    tokens = tokens_for(client, rp, scope="openid mandate egovnrn", acting=f"mandate-{mandate.pk}")

    id_token = decode(tokens["id_token"])
    assert id_token["sub"] == subject_of(world.alice.person)
    assert id_token["act"] == {"sub": subject_of(world.bob.person)}
    # The logged-in person's number; the represented person's only in the mandate claim.
    assert id_token["egovnrn"] == world.bob.person.national_number
    assert id_token["mandate"]["id"] == mandate.pk
    assert id_token["mandate"]["represented"] == {
        "kind": "person",
        "name": world.alice.person.full_name,
        "egovnrn": world.alice.person.national_number,
    }
    assert [link["id"] for link in id_token["mandate"]["chain"]] == [mandate.pk]
    answer = introspect(rp, tokens["access_token"])
    assert answer["sub"] == subject_of(world.alice.person)
    assert answer["act"] == {"sub": subject_of(world.bob.person)}


@pytest.mark.parametrize(
    ("acting", "status"),
    [
        ("company-999999", 403),
        ("mandate-999999", 403),
        ("mandate-abc", 400),
        ("company-", 400),
        ("someone", 400),
    ],
)
def test_acting_choice_unknown_or_malformed_is_refused(client_at, world, rp, acting, status):
    from tests.oidc.conftest import authorize_url, pkce

    client = client_at(world.bob, "substantial")
    url = authorize_url(rp, challenge=pkce().challenge)
    client.get(url)
    response = client.post(url, {"decision": "allow", "acting": acting})
    assert response.status_code == status
    assert "Location" not in response


def test_acting_for_a_company_one_holds_no_right_in_is_refused(client_at, world, rp):
    client = client_at(world.bob, "substantial")
    from tests.oidc.conftest import authorize_url, pkce

    url = authorize_url(rp, challenge=pkce().challenge)
    client.get(url)

    response = client.post(url, {"decision": "allow", "acting": f"company-{world.client.pk}"})

    assert response.status_code == 403
    assert "Location" not in response


def test_revoking_the_grant_makes_the_token_inactive_at_once(client_at, world, rp, bob_for_client):
    tokens = tokens_for(
        client_at(world.bob, "substantial"), rp, acting=f"company-{world.client.pk}"
    )
    assert introspect(rp, tokens["access_token"])["active"] is True

    grant_revoke(
        actor=acting(world.client_manager, world.client),
        tenant=world.client,
        grant=bob_for_client,
    )

    assert introspect(rp, tokens["access_token"]) == {"active": False}
    assert AuditEvent.objects.filter(action="oidc.token_ended", outcome="denied").exists()
    userinfo = Client().get(
        "/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert userinfo.status_code == 401


def test_revoking_the_mandate_makes_the_token_inactive_at_once(client_at, world, rp):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    tokens = tokens_for(client_at(world.bob, "substantial"), rp, acting=f"mandate-{mandate.pk}")
    assert introspect(rp, tokens["access_token"])["active"] is True

    mandate_revoke(actor=acting(world.alice, None), mandate=mandate)

    assert introspect(rp, tokens["access_token"]) == {"active": False}


def test_revoking_a_mandate_leaves_tokens_in_ones_own_name_active(client_at, world, rp):
    mandate = citizen_mandate(world, MandateState.ACCEPTED)
    own = tokens_for(client_at(world.bob, "substantial"), rp, acting="self")

    mandate_revoke(actor=acting(world.alice, None), mandate=mandate)

    assert introspect(rp, own["access_token"])["active"] is True


def test_a_client_of_another_service_sees_the_token_as_inactive(
    client_at, world, rp, bob_for_client
):
    other = make_client(world.dmfa.service, name="DmfA")
    tokens = tokens_for(
        client_at(world.bob, "substantial"), rp, acting=f"company-{world.client.pk}"
    )

    assert introspect(other, tokens["access_token"]) == {"active": False}
    assert introspect(rp, tokens["access_token"])["active"] is True


def test_introspection_needs_client_authentication(client_at, world, rp):
    tokens = tokens_for(client_at(world.alice, "substantial"), rp)

    response = Client().post(
        "/oidc/introspect/",
        {"token": tokens["access_token"], "client_id": rp.client_id, "client_secret": "wrong"},
    )

    assert response.status_code == 401
