"""Claims by scope with minimal disclosure, and clients refused scopes they are not allowed."""

from django.test import Client
from django.utils import timezone

import pytest

from tests.factories.companies import GrantFactory, RoleFactory
from tests.oidc.conftest import (
    authorize_url,
    decode,
    make_client,
    pkce,
    redirect_params,
    tokens_for,
)

pytestmark = pytest.mark.django_db


def userinfo(access_token: str) -> dict:
    response = Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert response.status_code == 200, response.content
    return response.json()


def test_openid_alone_releases_only_the_subject_and_the_login_facts(client_at, world, rp):
    tokens = tokens_for(client_at(world.alice, "substantial"), rp, scope="openid")

    claims = userinfo(tokens["access_token"])

    assert set(claims) == {"sub", "acr", "amr", "auth_time"}


def test_egovnrn_scope_releases_the_national_register_number(client_at, world, rp):
    tokens = tokens_for(client_at(world.alice, "substantial"), rp, scope="openid egovnrn")

    assert userinfo(tokens["access_token"])["egovnrn"] == world.alice.person.national_number
    assert decode(tokens["id_token"])["egovnrn"] == world.alice.person.national_number


def test_profile_scope_releases_names_but_not_the_number(client_at, world, rp):
    tokens = tokens_for(client_at(world.alice, "substantial"), rp, scope="openid profile")

    claims = userinfo(tokens["access_token"])

    assert claims["name"] == world.alice.person.full_name
    assert "egovnrn" not in claims
    assert "birthdate" not in claims


def test_age_scope_answers_thresholds_without_the_birth_date(client_at, world, rp):
    person = world.alice.person
    today = timezone.localdate()
    person.birth_date = today.replace(year=today.year - 17, day=min(today.day, 28))
    person.save()
    tokens = tokens_for(client_at(world.alice, "substantial"), rp, scope="openid age")

    claims = userinfo(tokens["access_token"])

    assert claims["age_over_16"] is True
    assert claims["age_over_18"] is False
    assert claims["age_over_21"] is False
    assert "birthdate" not in claims
    assert person.birth_date.isoformat() not in str(claims)


def test_roles_scope_lists_only_the_roles_of_the_clients_own_service(client_at, world, rp):
    # Bob holds the VAT role and the social-security role for the client company.
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)
    GrantFactory(company=world.client, person=world.bob.person, role=world.dmfa)
    RoleFactory(service=world.vat.service, code="viewer", min_assurance="high")
    client = client_at(world.bob, "substantial")

    tokens = tokens_for(client, rp, scope="openid roles", acting=f"company-{world.client.pk}")

    # declarant (granted); viewer needs "high"; dmfa is another service's role.
    assert userinfo(tokens["access_token"])["roles"] == ["declarant"]


def test_roles_for_a_company_without_a_grant_in_this_service_are_empty(client_at, world):
    # The client company's main access manager holds no role in the tax-on-web service.
    app = make_client(world.filer.service, name="Tax-on-web")
    client = client_at(world.client_manager, "substantial")

    tokens = tokens_for(client, app, scope="openid roles", acting=f"company-{world.client.pk}")

    assert userinfo(tokens["access_token"])["roles"] == []


def test_enterprise_scope_names_the_company_acted_for(client_at, world, rp):
    GrantFactory(company=world.client, person=world.bob.person, role=world.vat)

    tokens = tokens_for(
        client_at(world.bob, "substantial"),
        rp,
        scope="openid enterprise",
        acting=f"company-{world.client.pk}",
    )

    assert userinfo(tokens["access_token"])["enterprise"] == {
        "kind": "company",
        "enterprise_number": world.client.enterprise_number,
        "name": world.client.name,
    }


def test_a_client_is_refused_a_scope_it_is_not_allowed(client_at, world):
    app = make_client(world.vat.service, name="Narrow", scopes="openid profile")
    client = client_at(world.alice, "substantial")

    params = redirect_params(
        client.get(authorize_url(app, challenge=pkce().challenge, scope="openid egovnrn"))
    )

    assert params["error"] == "invalid_scope"
    assert params["state"] == "st-123"


def test_a_client_receives_its_allowed_scopes(client_at, world):
    app = make_client(world.vat.service, name="Narrow", scopes="openid profile")

    tokens = tokens_for(client_at(world.alice, "substantial"), app, scope="openid profile")

    assert tokens["scope"] == "openid profile"


def test_an_unknown_scope_in_the_admin_is_rejected(world):
    from django.core.exceptions import ValidationError

    from csam.oidc.models import ServiceApplication

    app = ServiceApplication(
        name="Bad",
        service=world.vat.service,
        redirect_uris="https://rp.example/cb",
        allowed_scopes="openid everything",
    )

    with pytest.raises(ValidationError) as raised:
        app.full_clean()

    assert "allowed_scopes" in raised.value.message_dict
