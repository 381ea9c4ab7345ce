"""Discovery, JWKS with a retired key, the code flow with PKCE end to end, userinfo,
revocation and RP-initiated log-out."""

import json

from django.test import Client

import pytest
from jwcrypto import jwk, jwt

from csam.audit.models import AuditEvent
from csam.oidc.claims import subject_of
from csam.oidc.validators import PortalValidator
from tests.oidc.conftest import (
    SECRET,
    decode,
    header,
    introspect,
    tokens_for,
)

pytestmark = pytest.mark.django_db

ISSUER = "http://testserver/oidc"


def test_discovery_lists_endpoints_levels_scopes_and_claims(client):
    response = client.get("/oidc/.well-known/openid-configuration")

    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == ISSUER
    assert doc["authorization_endpoint"] == f"{ISSUER}/authorize/"
    assert doc["token_endpoint"] == f"{ISSUER}/token/"
    assert doc["userinfo_endpoint"] == f"{ISSUER}/userinfo/"
    assert doc["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert doc["introspection_endpoint"] == f"{ISSUER}/introspect/"
    assert doc["revocation_endpoint"] == f"{ISSUER}/revoke/"
    assert doc["end_session_endpoint"] == f"{ISSUER}/logout/"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "urn:ietf:params:oauth:grant-type:token-exchange" in doc["grant_types_supported"]
    assert {"low", "substantial", "high", "urn:be:fedict:iam:fas:Level400"} <= set(
        doc["acr_values_supported"]
    )
    assert {"openid", "egovnrn", "enterprise", "roles", "mandate", "age"} <= set(
        doc["scopes_supported"]
    )
    assert {"act", "acr", "amr", "egovnrn", "age_over_18"} <= set(doc["claims_supported"])
    assert doc["authorization_response_iss_parameter_supported"] is True


def test_jwks_publishes_the_current_and_the_retired_key(client, oidc_keys):
    response = client.get("/oidc/.well-known/jwks.json")

    assert response.status_code == 200
    keys = response.json()["keys"]
    current = jwk.JWK.from_pem(oidc_keys["current"].encode())
    retired = jwk.JWK.from_pem(oidc_keys["retired"].encode())
    assert [k["kid"] for k in keys] == [current.thumbprint(), retired.thumbprint()]
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" for k in keys)
    # Only public parts are published.
    assert all("d" not in k and "p" not in k for k in keys)


def test_token_signed_with_the_retired_key_is_still_recognised_by_kid(oidc_keys):
    retired = jwk.JWK.from_pem(oidc_keys["retired"].encode())
    token = jwt.JWT(
        header=json.dumps({"alg": "RS256", "kid": retired.thumbprint()}),
        claims=json.dumps({"aud": "x"}),
    )
    token.make_signed_token(retired)

    key = PortalValidator()._get_key_for_token(token.serialize())

    assert key is not None and key.thumbprint() == retired.thumbprint()


def test_code_flow_with_pkce_issues_verified_id_and_access_tokens(client_at, world, rp):
    client = client_at(world.alice, "substantial")

    tokens = tokens_for(client, rp, scope="openid profile")

    assert tokens["token_type"] == "Bearer"
    assert "refresh_token" not in tokens
    assert tokens["scope"] == "openid profile"
    id_token = decode(tokens["id_token"])
    assert id_token["iss"] == ISSUER
    assert id_token["aud"] == rp.client_id
    assert id_token["nonce"] == "n-456"
    assert id_token["sub"] == subject_of(world.alice.person)
    assert id_token["given_name"] == world.alice.person.given_names
    assert "act" not in id_token
    assert world.alice.person.national_number not in tokens["id_token"]
    access = decode(tokens["access_token"])
    assert header(tokens["access_token"])["typ"] == "at+jwt"
    assert access["sub"] == id_token["sub"]
    assert access["client_id"] == rp.client_id
    assert AuditEvent.objects.filter(action="oidc.token_issued", outcome="success").exists()


def test_authorization_response_carries_the_issuer(client_at, world, rp):
    from tests.oidc.conftest import authorize_url, pkce, redirect_params

    client = client_at(world.alice, "low")
    url = authorize_url(rp, challenge=pkce().challenge)
    client.get(url)

    params = redirect_params(client.post(url, {"decision": "allow", "acting": "self"}))

    assert params["iss"] == ISSUER


def test_userinfo_answers_with_the_access_token(client_at, world, rp):
    tokens = tokens_for(client_at(world.alice, "substantial"), rp, scope="openid profile")

    response = Client().get(
        "/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )

    assert response.status_code == 200, response.content
    claims = response.json()
    assert claims["sub"] == subject_of(world.alice.person)
    assert claims["family_name"] == world.alice.person.surname
    assert "egovnrn" not in claims


def test_revoked_token_is_inactive_and_refused_by_userinfo(client_at, world, rp):
    tokens = tokens_for(client_at(world.alice, "substantial"), rp)

    response = Client().post(
        "/oidc/revoke/",
        {"token": tokens["access_token"], "client_id": rp.client_id, "client_secret": SECRET},
    )

    assert response.status_code == 200
    assert introspect(rp, tokens["access_token"]) == {"active": False}
    userinfo = Client().get(
        "/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert userinfo.status_code == 401


def test_rp_initiated_logout_ends_the_session_and_returns_to_the_service(client_at, world, rp):
    client = client_at(world.alice, "substantial")
    tokens = tokens_for(client, rp)

    response = client.get(
        "/oidc/logout/",
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://rp.example/bye",
            "state": "bye-1",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "http://rp.example/bye?state=bye-1"
    assert "_auth_user_id" not in client.session
    assert introspect(rp, tokens["access_token"]) == {"active": False}
