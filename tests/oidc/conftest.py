"""An e-government service with an OpenID Connect client, fixed signing keys, and helpers that
drive the code flow with PKCE the way a relying party does."""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

from django.test import Client

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk, jwt

from csam.oidc.models import ServiceApplication

REDIRECT_URI = "http://rp.example/callback"
SECRET = "rp-secret-for-tests-only-0123456789"
ALL_SCOPES = "openid profile egovnrn enterprise roles mandate age"


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


# One current and one retired key for the whole run (RSA generation is the slow part).
KEYS = {"current": _pem(), "retired": _pem()}


@pytest.fixture(autouse=True)
def oidc_keys(settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": KEYS["current"],
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [KEYS["retired"]],
        "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    }
    return KEYS


def make_client(service, *, scopes: str = ALL_SCOPES, name: str = "Tax portal", **kwargs):
    return ServiceApplication.objects.create(
        name=name,
        service=service,
        client_secret=SECRET,
        redirect_uris=REDIRECT_URI,
        post_logout_redirect_uris="http://rp.example/bye",
        allowed_scopes=scopes,
        **kwargs,
    )


@pytest.fixture
def rp(world):
    """The VAT service's client (the world's VAT role is its "declarant")."""
    return make_client(world.vat.service)


@dataclass
class Pkce:
    verifier: str
    challenge: str


def pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def authorize_url(app, *, challenge: str | None, scope: str = "openid", **extra) -> str:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "st-123",
        "nonce": "n-456",
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return "/oidc/authorize/?" + urlencode(params)


def redirect_params(response) -> dict[str, str]:
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith(REDIRECT_URI), location
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def get_code(client: Client, app, *, acting: str = "self", scope: str = "openid", **extra):
    """Authorize as the logged-in user (consent and acting choice): (code, PKCE verifier)."""
    proof = pkce()
    url = authorize_url(app, challenge=proof.challenge, scope=scope, **extra)
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    response = client.post(url, {"decision": "allow", "acting": acting})
    params = redirect_params(response)
    assert "code" in params, params
    assert params["state"] == "st-123"
    return params["code"], proof.verifier


def exchange_code(client: Client, app, code: str, verifier: str | None, **extra):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": app.client_id,
        "client_secret": SECRET,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    data.update(extra)
    return Client().post("/oidc/token/", data)


def tokens_for(client: Client, app, **kwargs) -> dict:
    code, verifier = get_code(client, app, **kwargs)
    response = exchange_code(client, app, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def jwks() -> jwk.JWKSet:
    body = Client().get("/oidc/.well-known/jwks.json").content
    return jwk.JWKSet.from_json(body)


def decode(token: str) -> dict:
    """Verify the signature against the published JWKS (by kid) and return the claims."""
    verified = jwt.JWT(jwt=token, key=jwks(), expected_type="JWS", check_claims={})
    return json.loads(verified.claims)


def header(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def introspect(app, token: str, secret: str = SECRET) -> dict:
    response = Client().post(
        "/oidc/introspect/",
        {"token": token, "client_id": app.client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.content
    return response.json()
