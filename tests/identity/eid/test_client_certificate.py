"""Log-in with the card's certificate passed by a trusted TLS proxy."""

from urllib.parse import quote

import pytest

from csam.audit.models import AuditEvent
from identity.assurance import Assurance, AssuranceLevel
from identity.models import User
from tests.identity.eid.pki import der, pem

pytestmark = pytest.mark.django_db
URL = "/accounts/login/eid-certificate/"
PROXY = "10.0.0.5"


@pytest.fixture(autouse=True)
def trusted_proxy(settings):
    settings.EID_TRUSTED_PROXIES = [PROXY]
    settings.EID_CLIENT_CERT_HEADER = "X-SSL-Client-Cert"


def _nginx_header(certificate) -> str:
    # nginx's $ssl_client_escaped_cert: the PEM, URL-escaped.
    return quote(pem(certificate).decode())


@pytest.mark.parametrize("card_name", ["rsa_card", "ec_card"])
def test_client_certificate_logs_in_at_high_when_from_trusted_proxy(client, pki, card_name):
    card = getattr(pki, card_name)
    response = client.get(
        URL + "?next=/about/",
        HTTP_X_SSL_CLIENT_CERT=_nginx_header(card.authentication),
        REMOTE_ADDR=PROXY,
    )
    assert response.status_code == 302
    assert response["Location"] == "/about/"
    assert Assurance.from_session(client.session).level == AssuranceLevel.HIGH
    assert User.objects.get(pk=client.session["_auth_user_id"]).person.surname == card.surname


def test_client_certificate_accepts_base64_der_header(client, pki):
    import base64

    header = base64.b64encode(der(pki.rsa_card.authentication)).decode()
    response = client.get(URL, HTTP_X_SSL_CLIENT_CERT=header, REMOTE_ADDR=PROXY)
    assert response.status_code == 302


def test_client_certificate_refused_when_header_from_untrusted_address(client, pki):
    response = client.get(
        URL,
        HTTP_X_SSL_CLIENT_CERT=_nginx_header(pki.rsa_card.authentication),
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 401
    assert "could not be accepted" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        action="identity.eid_login", outcome="refused", data__reason="untrusted_proxy"
    ).exists()


def test_client_certificate_refused_when_header_missing(client):
    response = client.get(URL, REMOTE_ADDR=PROXY)
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "header", ["garbage", quote("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")]
)
def test_client_certificate_refused_when_header_garbage(client, header):
    response = client.get(URL, HTTP_X_SSL_CLIENT_CERT=header, REMOTE_ADDR=PROXY)
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


def test_client_certificate_refused_when_card_revoked(client, pki):
    response = client.get(
        URL, HTTP_X_SSL_CLIENT_CERT=_nginx_header(pki.bad["revoked"]), REMOTE_ADDR=PROXY
    )
    assert response.status_code == 401
    assert "revoked" in response.content.decode()
