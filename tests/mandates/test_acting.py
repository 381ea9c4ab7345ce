"""Choosing to act for a mandator in the acting-context chooser, and losing it on revocation."""

from django.urls import reverse

import pytest

from csam.authz.services import MANDATE_SESSION_KEY
from mandates.services import mandate_accept, mandate_propose, mandate_revoke
from tests.companies.conftest import acting

pytestmark = pytest.mark.django_db
URL = reverse("authz:acting_choose")


@pytest.fixture
def citizen_mandate(world):
    mandate = mandate_propose(
        actor=acting(world.alice, None), mandatary=world.bob.person, scope=world.vat_scope()
    )
    return mandate_accept(actor=acting(world.bob, None), mandate=mandate)


def test_chooser_offers_mandator(client_at, world, citizen_mandate):
    client = client_at(world.bob)
    html = client.get(URL).content.decode()
    assert f'value="mandate-{citizen_mandate.pk}"' in html
    assert world.alice.person.full_name in html


def test_mandatary_acts_for_mandator_then_loses_it_when_revoked(client_at, world, citizen_mandate):
    client = client_at(world.bob)
    response = client.post(URL, {"choice": f"mandate-{citizen_mandate.pk}"})
    assert response.status_code == 302
    assert client.session[MANDATE_SESSION_KEY] == citizen_mandate.pk
    assert world.alice.person.full_name in client.get("/").content.decode()

    mandate_revoke(actor=acting(world.alice, None), mandate=citizen_mandate)
    html = client.get("/").content.decode()
    assert "You can no longer act under that mandate" in html
    assert MANDATE_SESSION_KEY not in client.session


def test_chooser_refuses_someone_elses_mandate(client_at, world, citizen_mandate):
    client = client_at(world.carol)
    response = client.post(URL, {"choice": f"mandate-{citizen_mandate.pk}"})
    assert response.status_code == 403
    assert MANDATE_SESSION_KEY not in client.session


def test_chooser_refuses_unknown_mandate_like_someone_elses(client_at, world):
    client = client_at(world.carol)
    response = client.post(URL, {"choice": "mandate-999999"})
    assert response.status_code == 403
    assert "not given to you" in response.content.decode()


def test_provider_collaborator_acts_for_client_company(client_at, world):
    mandate = mandate_propose(
        actor=acting(world.client_manager, world.client),
        mandatary=world.provider,
        scope=world.finance_scope(),
    )
    mandate_accept(actor=acting(world.provider_manager, world.provider), mandate=mandate)
    client = client_at(world.accountant)
    response = client.post(URL, {"choice": f"mandate-{mandate.pk}"})
    assert response.status_code == 302
    me = client.get("/api/v1/me/").json()
    assert me["acting"]["enterprise_number"] == world.client.enterprise_number
