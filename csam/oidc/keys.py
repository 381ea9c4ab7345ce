"""The signing keys: the current one signs, the retired ones stay in the JWKS so that tokens
they signed keep verifying until they expire. Rotating: make a new key, move the current one
to the retired list (``OIDC_RETIRED_SIGNING_KEY_FILES``), restart; drop it from the list once
the longest token lifetime has passed."""

from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem


def signing_key() -> jwk.JWK:
    """The current key (raises ``ValueError`` when none is configured)."""
    if not oauth2_settings.OIDC_RSA_PRIVATE_KEY:
        raise ValueError("No OpenID Connect signing key is configured (OIDC_SIGNING_KEY_FILE).")
    return jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)


def published_keys() -> list[jwk.JWK]:
    """The current key first, then the retired ones."""
    if not oauth2_settings.OIDC_RSA_PRIVATE_KEY:
        return []
    pems = [oauth2_settings.OIDC_RSA_PRIVATE_KEY, *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE]
    return [jwk_from_pem(pem) for pem in pems]


def key_by_id(kid: str) -> jwk.JWK | None:
    """The published key with this key id (its thumbprint), if any."""
    for key in published_keys():
        if key.thumbprint() == kid:
            return key
    return None
