"""The client's address behind a reverse proxy: believed only from the proxies listed."""

from django.test import RequestFactory

import pytest

from identity.services import client_ip


@pytest.fixture
def proxied(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]


def _request(peer, real_ip=None):
    extra = {"REMOTE_ADDR": peer}
    if real_ip is not None:
        extra["HTTP_X_REAL_IP"] = real_ip
    return RequestFactory().get("/", **extra)


def test_address_is_the_peer_without_trusted_proxies():
    assert client_ip(_request("203.0.113.7", real_ip="198.51.100.1")) == "203.0.113.7"


def test_trusted_proxy_passes_the_clients_address(proxied):
    assert client_ip(_request("10.0.0.5", real_ip="198.51.100.1")) == "198.51.100.1"
    assert client_ip(_request("10.0.0.5", real_ip="2001:db8::1")) == "2001:db8::1"


@pytest.mark.parametrize("claimed", ["", "not an address", "198.51.100.1, 10.0.0.9", "x" * 500])
def test_trusted_proxy_with_unusable_header_counts_as_itself(proxied, claimed):
    assert client_ip(_request("10.0.0.5", real_ip=claimed)) == "10.0.0.5"


def test_header_from_an_untrusted_peer_is_ignored(proxied):
    assert client_ip(_request("203.0.113.7", real_ip="198.51.100.1")) == "203.0.113.7"


@pytest.mark.django_db
def test_lockout_counts_clients_behind_the_proxy_apart(client, user, proxied, settings):
    """Failed passwords from one client behind the proxy do not lock another client out."""
    from django.urls import reverse

    from tests.factories.identity import PASSWORD

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("identity:login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_REAL_IP="198.51.100.1",
        )
    locked = client.post(
        reverse("identity:login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_REAL_IP="198.51.100.1",
    )
    assert locked.status_code == 429
    other = client.post(
        reverse("identity:login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_REAL_IP="198.51.100.2",
    )
    assert other.status_code == 302
