"""The toolkit's request validator, adapted to the portal.

- an authorization code is saved together with its `TokenBasis` (made by the authorization
  view only, so a code never exists without the facts it rests on);
- a replayed code is refused and the token issued for it revoked (RFC 6749 §4.1.2);
- no refresh tokens: tokens are short-lived and the person proves their level again;
- claims come from csam.oidc.claims, by scope; ``acr``/``amr``/``auth_time`` from the basis;
- a bearer token whose basis no longer holds (mandate revoked, grant ended) is refused and
  revoked at once, for the userinfo endpoint as for introspection;
- ID tokens signed with a retired key are still recognised (by ``kid``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from jwcrypto import jwk, jws
from oauth2_provider.models import get_grant_model, revoke_access_token
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from csam.oidc.claims import CLAIMS_SUPPORTED, basis_check, claims_for, subject_claims
from csam.oidc.keys import key_by_id
from csam.oidc.models import TokenBasis
from csam.oidc.services import audit_token_event, basis_of_token


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def basis_of(request: Any) -> TokenBasis | None:
    """The basis the request is about: set while exchanging a code or a token, or found
    through the access token of a protected-resource request."""
    basis = getattr(request, "csam_basis", None)
    if isinstance(basis, TokenBasis):
        return basis
    access_token = getattr(request, "access_token", None)
    if access_token is not None and hasattr(access_token, "token_checksum"):
        return basis_of_token(access_token)
    return None


class PortalValidator(OAuth2Validator):
    # Claims are filtered by scope in csam.oidc.claims, not by the toolkit's table.
    oidc_claim_scope = None

    # --- Authorization codes ----------------------------------------------------------------

    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        basis = getattr(request, "csam_basis", None)
        # Deny by default: only the portal's authorization view, which decides the acting
        # context and the level, may create a code.
        if not isinstance(basis, TokenBasis):
            raise errors.AccessDeniedError(request=request)
        grant = self._create_authorization_code(request, code)
        basis.application = request.client
        basis.grant = grant
        basis.code_hash = code_hash(code["code"])
        basis.full_clean(exclude=["grant", "access_token", "exchanged_from"])
        basis.save()

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            self._revoke_replayed(code, client)
            return False
        grant = get_grant_model().objects.get(code=code, application=client)
        basis = TokenBasis.objects.filter(grant=grant).select_related("person", "user").first()
        # A code without a basis was not made by the portal's authorization view.
        if basis is None:
            return False
        request.csam_basis = basis
        return True

    def _revoke_replayed(self, code: str, client: Any) -> None:
        """A used code presented again: revoke what it was exchanged for (RFC 6749 §4.1.2)."""
        used = (
            TokenBasis.objects.filter(
                code_hash=code_hash(code), application=client, grant__isnull=True
            )
            .select_related("access_token")
            .first()
        )
        if used is None:
            return
        if used.access_token is not None:
            revoke_access_token(used.access_token)
        audit_token_event(basis=used, action="oidc.code_replayed", outcome="denied")

    # --- Tokens ---------------------------------------------------------------------------------

    def _save_bearer_token(
        self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        # No refresh tokens: the level and the acting context are proven again by the person.
        token.pop("refresh_token", None)
        super()._save_bearer_token(token, request, *args, **kwargs)

    def _create_access_token(
        self, expires: Any, request: Any, token: Any, source_refresh_token: Any = None
    ) -> Any:
        access_token = super()._create_access_token(
            expires, request, token, source_refresh_token=source_refresh_token
        )
        basis = getattr(request, "csam_basis", None)
        if isinstance(basis, TokenBasis):
            basis.access_token = access_token
            basis.save(update_fields=["access_token"])
            audit_token_event(
                basis=basis,
                action="oidc.token_issued",
                extra={"scopes": token.get("scope", ""), "acr": basis.acr},
            )
        return access_token

    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        basis = basis_of(request)
        # Deny by default: every token the portal issues rests on a basis.
        if basis is None:
            request.oauth2_error = {"error": "invalid_token"}
            return False
        request.csam_basis = basis  # the claims of this request read it again
        decision = basis_check(basis)
        if not decision.allowed:
            # The right the token relied on has ended: the token ends with it, now.
            revoke_access_token(request.access_token)
            audit_token_event(
                basis=basis,
                action="oidc.token_ended",
                outcome="denied",
                extra={"reasons": list(decision.codes)},
            )
            request.oauth2_error = {
                "error": "invalid_token",
                "error_description": "The right this token relied on has ended.",
            }
            return False
        return True

    # --- Claims ----------------------------------------------------------------------------------

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        basis = basis_of(request)
        if basis is None:
            return {}
        scopes = set(request.scopes or [])
        return claims_for(basis=basis, scopes=scopes)

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(CLAIMS_SUPPORTED)

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        basis = basis_of(request)
        if basis is not None:
            # The log-in's own time, level and means, not the account's last log-in.
            claims.update(subject_claims(basis))
        return claims, expiration_time

    def validate_silent_login(self, request: Any) -> bool:
        # prompt=none: the authorization view has checked the session before validating.
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    # --- Keys ------------------------------------------------------------------------------------

    def _get_key_for_token(self, token: str) -> jwk.JWK | None:
        """The published key named by the token's ``kid`` (current or retired)."""
        unverified = jws.JWS()
        unverified.deserialize(token)
        header = unverified.jose_header
        kid = header.get("kid") if isinstance(header, dict) else None
        if not kid:
            return None
        return key_by_id(kid)
