"""Django authentication backends for the eID card.

Both backends prove the holder of a card and return their account (created at the first eID
log-in). Unlike password backends they raise an `EidError` instead of returning None when they
refuse, so the caller can tell the user why and record it; the log-in services call them
directly. They are listed in ``AUTHENTICATION_BACKENDS`` so sessions opened through them load
their user on later requests.
"""

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from identity.eid.certificates import CardHolder, check_certificate, verify_challenge_signature
from identity.eid.services import eid_account_for, eid_challenge_consume
from identity.models import User


class _EidBackend(BaseBackend):
    def get_user(self, user_id: Any) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).select_related("person").first()


class EidChallengeBackend(_EidBackend):
    """The card signed this session's challenge with the key of a trusted, valid certificate."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        *,
        eid_challenge: str,
        eid_certificate: bytes,
        eid_signature: bytes,
    ) -> tuple[User, CardHolder]:
        """Check, in this order: the challenge is this session's, pending and fresh (consumed
        either way); the certificate passes every check; the signature over the challenge
        verifies with it. Returns the account and the card holder; raises `EidError`."""
        if request is None:
            raise ValueError("the eID challenge is bound to a request's session")
        challenge_bytes = eid_challenge_consume(request=request, challenge=eid_challenge)
        holder = check_certificate(eid_certificate)
        verify_challenge_signature(eid_certificate, challenge_bytes, eid_signature)
        return eid_account_for(holder=holder), holder


class EidClientCertificateBackend(_EidBackend):
    """The TLS proxy saw the card's certificate in the handshake (the card proved the key)."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, *, eid_client_certificate: bytes
    ) -> tuple[User, CardHolder]:
        """The certificate passes every check; returns the account and the card holder.
        Whether the header may be trusted at all is checked before, by the caller."""
        holder = check_certificate(eid_client_certificate)
        return eid_account_for(holder=holder), holder
