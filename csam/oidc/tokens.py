"""Access tokens as signed JWTs (RFC 9068 profile) carrying the subject, ``act``, ``acr`` and
``amr``. They are also stored (hashed) by the toolkit, so introspection and revocation answer
from the database: a signature alone never keeps a revoked token alive for a service that
introspects."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from jwcrypto import jwt
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import generate_token

from csam.oidc.claims import subject_claims
from csam.oidc.keys import signing_key
from csam.oidc.models import TokenBasis


def access_token_claims(
    *, basis: TokenBasis, issuer: str, client_id: str, scopes: list[str]
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": issuer,
        "aud": client_id,
        "client_id": client_id,
        "scope": " ".join(scopes),
        "iat": now,
        "exp": now + oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
        "jti": str(uuid.uuid4()),
        **subject_claims(basis),
    }


def sign(claims: dict[str, Any], *, typ: str) -> str:
    key = signing_key()
    header = {"typ": typ, "alg": "RS256", "kid": key.thumbprint()}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims, default=str))
    token.make_signed_token(key)
    return token.serialize()


def access_token_generate(request: Any, refresh_token: bool = False) -> str:
    """The toolkit's ACCESS_TOKEN_GENERATOR: a JWT for a request with a token basis.

    Refresh tokens (which the portal does not hand out) and requests without a basis get an
    opaque random value.
    """
    basis = getattr(request, "csam_basis", None)
    if refresh_token or not isinstance(basis, TokenBasis):
        return generate_token()
    return sign(
        access_token_claims(
            basis=basis,
            issuer=oauth2_settings.oidc_issuer(request),
            client_id=request.client.client_id,
            scopes=list(request.scopes),
        ),
        typ="at+jwt",
    )
