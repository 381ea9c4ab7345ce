"""Bad requests are refused as the OpenID Connect and OAuth specifications say: a bad client or
redirect URI gets an error page (never a redirect); other errors go back to the client."""

import datetime as dt

from django.utils import timezone

import pytest
from oauth2_provider.models import Grant

from csam.audit.models import AuditEvent
from tests.oidc.conftest import (
    authorize_url,
    exchange_code,
    get_code,
    introspect,
    pkce,
    redirect_params,
)

pytestmark = pytest.mark.django_db


def test_authorize_refuses_an_unregistered_redirect_uri_without_redirecting(client_at, world, rp):
    client = client_at(world.alice, "substantial")
    url = authorize_url(rp, challenge=pkce().challenge, redirect_uri="http://evil.example/cb")

    response = client.get(url)

    assert response.status_code == 400
    assert "Location" not in response
    assert b"invalid_request" in response.content or b"mismatching_redirect_uri" in response.content
    assert AuditEvent.objects.filter(action="oidc.authorization_refused").exists()


def test_authorize_refuses_an_unknown_client_without_redirecting(client):
    url = authorize_url(type("App", (), {"client_id": "nobody"}), challenge=pkce().challenge)

    response = client.get(url)

    assert response.status_code in (400, 401)
    assert "Location" not in response


def test_authorize_refuses_a_request_without_pkce(client_at, world, rp):
    client = client_at(world.alice, "substantial")

    params = redirect_params(client.get(authorize_url(rp, challenge=None)))

    assert params["error"] == "invalid_request"
    assert params["state"] == "st-123"


def test_authorize_refuses_the_plain_pkce_method(client_at, world, rp):
    client = client_at(world.alice, "substantial")
    url = authorize_url(rp, challenge="a" * 50, code_challenge_method="plain")

    params = redirect_params(client.get(url))

    assert params["error"] == "invalid_request"


def test_authorize_checks_the_request_before_asking_to_log_in(client, rp):
    response = client.get(authorize_url(rp, challenge=None))

    assert redirect_params(response)["error"] == "invalid_request"


def test_anonymous_user_is_sent_to_log_in_and_back(client, rp):
    url = authorize_url(rp, challenge=pkce().challenge)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_token_refuses_a_wrong_code_verifier(client_at, world, rp):
    code, _verifier = get_code(client_at(world.alice, "substantial"), rp)

    response = exchange_code(None, rp, code, "x" * 50)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_refuses_a_missing_code_verifier(client_at, world, rp):
    code, _verifier = get_code(client_at(world.alice, "substantial"), rp)

    response = exchange_code(None, rp, code, None)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_refuses_a_replayed_code_and_revokes_what_it_gave(client_at, world, rp):
    code, verifier = get_code(client_at(world.alice, "substantial"), rp)
    first = exchange_code(None, rp, code, verifier)
    assert first.status_code == 200

    replay = exchange_code(None, rp, code, verifier)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert introspect(rp, first.json()["access_token"]) == {"active": False}
    assert AuditEvent.objects.filter(action="oidc.code_replayed", outcome="denied").exists()
    assert AuditEvent.objects.filter(action="oidc.token_refused", outcome="denied").exists()


def test_token_refuses_an_expired_code(client_at, world, rp):
    code, verifier = get_code(client_at(world.alice, "substantial"), rp)
    Grant.objects.filter(code=code).update(expires=timezone.now() - dt.timedelta(seconds=1))

    response = exchange_code(None, rp, code, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_refuses_a_different_redirect_uri(client_at, world, rp):
    code, verifier = get_code(client_at(world.alice, "substantial"), rp)

    response = exchange_code(None, rp, code, verifier, redirect_uri="http://rp.example/other")

    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "invalid_grant")


def test_token_refuses_a_wrong_client_secret(client_at, world, rp):
    code, verifier = get_code(client_at(world.alice, "substantial"), rp)

    response = exchange_code(None, rp, code, verifier, client_secret="wrong")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_person_who_declines_sends_access_denied_to_the_service(client_at, world, rp):
    client = client_at(world.alice, "substantial")
    url = authorize_url(rp, challenge=pkce().challenge)
    client.get(url)

    params = redirect_params(client.post(url, {"decision": "deny"}))

    assert params["error"] == "access_denied"
    assert params["state"] == "st-123"
