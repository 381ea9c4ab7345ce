"""The API: schema served and valid, service-client keys, session users."""

import pytest
import yaml
from drf_spectacular.validation import validate_schema

from companies.models import ServiceClient
from companies.services import service_client_create
from tests.factories.companies import ServiceFactory
from tests.factories.governance import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_api_schema_is_served_and_valid(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI document
    assert "/api/v1/me/" in schema["paths"]
    assert "serviceClientKey" in schema["components"]["securitySchemes"]


def test_api_docs_page_is_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200


@pytest.fixture
def service_client():
    organisation = OrganisationFactory()
    service = ServiceFactory(owner=organisation, code="dmfa")
    client, key = service_client_create(
        name="DmfA backend", organisation=organisation, services=[service], actor_label="staff"
    )
    return client, key


def test_service_client_authenticates_with_key(client, service_client):
    _client, key = service_client
    response = client.get("/api/v1/clients/me/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["services"] == ["dmfa"]


def test_service_client_key_is_stored_hashed(service_client):
    record, key = service_client
    stored = ServiceClient.objects.get(pk=record.pk)
    assert key.split("_", 2)[2] not in stored.key_hash
    assert len(stored.key_hash) == 64


@pytest.mark.parametrize(
    "header",
    [
        "Bearer csam_deadbeef0000_wrongsecret",
        "Bearer not-a-key",
        "Bearer ",
        "Bearer csam__",
    ],
)
def test_service_client_refused_with_401_when_key_wrong(client, service_client, header):
    response = client.get("/api/v1/clients/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_service_client_refused_when_right_prefix_wrong_secret(client, service_client):
    _client, key = service_client
    response = client.get("/api/v1/clients/me/", HTTP_AUTHORIZATION=key[:-3] + "xyz")
    assert response.status_code == 401


def test_service_client_refused_when_deactivated(client, service_client):
    record, key = service_client
    record.is_active = False
    record.save(update_fields=["is_active"])
    response = client.get("/api/v1/clients/me/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401


def test_service_client_endpoint_refuses_session_user(client_at, user):
    client = client_at(user)
    response = client.get("/api/v1/clients/me/")
    assert response.status_code == 403


def test_person_endpoint_refuses_service_client(client, service_client):
    _client, key = service_client
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403


def test_me_endpoint_requires_login(client):
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_me_endpoint_shows_person_and_level(client_at, user):
    client = client_at(user, "substantial")
    body = client.get("/api/v1/me/").json()
    assert body["person"]["national_number"] == user.person.national_number
    assert body["assurance"]["level"] == "substantial"
    assert body["acting"]["kind"] == "self"
