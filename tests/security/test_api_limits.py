"""API rate limits: per service client (API key), per person (session) and per address
(anonymous), each answering 429 with a JSON message and Retry-After once the rate is spent."""

import pytest

from companies.services import service_client_create
from csam.security.throttles import parse_rate
from tests.factories.companies import ServiceFactory
from tests.factories.governance import OrganisationFactory

pytestmark = pytest.mark.django_db

CLIENT_ME = "/api/v1/clients/me/"
PUBLIC = "/api/v1/governance/bodies/"
ME = "/api/v1/me/"


@pytest.fixture
def rates(settings, clock):
    """Set some API rates for the test (DRF reloads its settings when they change)."""

    def set_rates(**rates):
        framework = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {
            **framework,
            "DEFAULT_THROTTLE_RATES": {**framework["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


def _service_key(code):
    organisation = OrganisationFactory()
    service = ServiceFactory(owner=organisation, code=code)
    _record, key = service_client_create(
        name=f"{code} backend", organisation=organisation, services=[service], actor_label="staff"
    )
    return f"Bearer {key}"


def _as_client(client, key):
    return client.get(CLIENT_ME, HTTP_AUTHORIZATION=key)


def test_service_client_gets_429_with_retry_after_when_rate_spent(client, rates):
    rates(service_client="3/minute")
    key = _service_key("dmfa")
    answers = [_as_client(client, key).status_code for _ in range(3)]

    response = _as_client(client, key)

    assert answers == [200, 200, 200]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "throttled" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60


def test_service_client_rate_counts_each_client_apart(client, rates):
    rates(service_client="2/minute")
    busy, quiet = _service_key("dmfa"), _service_key("vat")
    for _ in range(3):
        _as_client(client, busy)

    assert _as_client(client, busy).status_code == 429
    assert _as_client(client, quiet).status_code == 200


def test_service_client_served_again_when_window_passes(client, rates, clock):
    rates(service_client="2/minute")
    key = _service_key("dmfa")
    for _ in range(3):
        _as_client(client, key)
    clock.advance(minutes=1)

    assert _as_client(client, key).status_code == 200


def test_service_client_unlimited_when_rate_off(client, rates):
    rates(service_client="off")
    key = _service_key("dmfa")

    assert {_as_client(client, key).status_code for _ in range(10)} == {200}


def test_service_client_not_counted_against_its_address(client, rates):
    rates(service_client="100/minute", anon="1/minute")
    key = _service_key("dmfa")

    assert {_as_client(client, key).status_code for _ in range(3)} == {200}


def test_person_gets_429_when_session_rate_spent(client_at, user, rates):
    rates(user="2/minute")
    client = client_at(user, "low")
    answers = [client.get(ME).status_code for _ in range(2)]

    response = client.get(ME)

    assert answers == [200, 200]
    assert response.status_code == 429
    assert response["Retry-After"]


def test_anonymous_gets_429_per_address_when_rate_spent(client, rates):
    rates(anon="2/minute")
    for _ in range(2):
        assert client.get(PUBLIC, REMOTE_ADDR="198.51.100.7").status_code == 200

    assert client.get(PUBLIC, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert client.get(PUBLIC, REMOTE_ADDR="203.0.113.9").status_code == 200


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("600/minute", (600, 60)),
        ("5/s", (5, 1)),
        ("10/hour", (10, 3600)),
        ("off", None),
        ("", None),
    ],
)
def test_parse_rate_reads_number_and_period(rate, parsed):
    assert parse_rate(rate) == parsed


def test_parse_rate_refuses_nonsense():
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate("fast")
