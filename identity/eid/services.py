"""The eID log-in exchange: challenges, the card holder's account, and the session at level high.

Challenge–signature: the portal gives the browser a fresh random challenge, bound to its session
and valid for two minutes; the card signs it; the portal checks the signature with the card's
certificate and the certificate with `identity.eid.certificates.check_certificate`. A challenge
is single use: whatever the outcome, the session's pending challenge is consumed by the attempt.

Alongside the session, a small record of each challenge is kept in the cache so a refusal can say
*why* (replayed, or issued to another session), which the audit log records.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from csam.audit.services import audit_record
from identity.assurance import Assurance, Means
from identity.eid.certificates import CardHolder
from identity.eid.exceptions import (
    AccountDisabled,
    AnotherPersonsCard,
    CertificateMalformed,
    ChallengeExpired,
    ChallengeForeign,
    ChallengeMissing,
    ChallengeReplayed,
    ClientCertificateMissing,
    EidError,
    UntrustedProxy,
)
from identity.models import User
from identity.services import client_ip, login_with, person_get_or_create, record_step_up

CHALLENGE_SESSION_KEY = "csam_eid_challenge"
CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME = dt.timedelta(minutes=2)
# The cache keeps the record a little longer than the challenge lives, to explain late replays.
_RECORD_LIFETIME = 15 * 60
EID_BACKEND = "identity.eid.backends.EidChallengeBackend"
CLIENT_CERTIFICATE_BACKEND = "identity.eid.backends.EidClientCertificateBackend"


@dataclass(frozen=True)
class IssuedChallenge:
    value: str  # base64 of the random bytes, as sent to the browser
    expires_at: dt.datetime


def _record_key(challenge: str) -> str:
    return "eid-challenge:" + hashlib.sha256(challenge.encode()).hexdigest()


def _session_tag(request: HttpRequest) -> str:
    return hashlib.sha256((request.session.session_key or "").encode()).hexdigest()


def eid_challenge_issue(*, request: HttpRequest) -> IssuedChallenge:
    """Give this session a new challenge (replacing any pending one) and return it."""
    if request.session.session_key is None:
        request.session.save()  # the challenge is bound to a session, so make sure there is one
    value = base64.b64encode(secrets.token_bytes(CHALLENGE_BYTES)).decode()
    expires_at = timezone.now() + CHALLENGE_LIFETIME
    request.session[CHALLENGE_SESSION_KEY] = {"value": value, "expires_at": expires_at.isoformat()}
    cache.set(
        _record_key(value), {"session": _session_tag(request), "used": False}, _RECORD_LIFETIME
    )
    return IssuedChallenge(value=value, expires_at=expires_at)


def eid_challenge_consume(*, request: HttpRequest, challenge: str) -> bytes:
    """Take the session's pending challenge if ``challenge`` is it; return its bytes.

    Single use: the pending challenge is removed by any attempt. Raises `ChallengeReplayed` (used
    already), `ChallengeForeign` (issued to another session), `ChallengeMissing` (not pending
    here) or `ChallengeExpired`.
    """
    pending = request.session.pop(CHALLENGE_SESSION_KEY, None)
    record_key = _record_key(challenge)
    record = cache.get(record_key)
    matches = isinstance(pending, dict) and secrets.compare_digest(
        str(pending.get("value", "")).encode(), challenge.encode()
    )
    if not matches:
        if isinstance(record, dict) and record.get("used"):
            raise ChallengeReplayed("challenge used before")
        if isinstance(record, dict) and record.get("session") != _session_tag(request):
            raise ChallengeForeign("challenge of another session")
        raise ChallengeMissing("no such challenge pending in this session")
    cache.set(record_key, {"session": _session_tag(request), "used": True}, _RECORD_LIFETIME)
    expires_at = parse_datetime(str(pending.get("expires_at", "")))
    if expires_at is None or timezone.now() > expires_at:
        raise ChallengeExpired("challenge expired")
    return base64.b64decode(challenge)


def decode_base64(value: str) -> bytes:
    """Strict base64 (the form fields of the exchange); raises ValueError when malformed."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc


@transaction.atomic
def eid_account_for(*, holder: CardHolder) -> User:
    """The account of the card holder, created at their first eID log-in from the certificate.

    The person is found (or created) by national register number; names from the card fill in
    what is still blank. An account created here has no password: the card is how it logs in.
    Raises `AccountDisabled` for a deactivated account.
    """
    person, _created = person_get_or_create(
        national_number=holder.national_number.digits,
        given_names=holder.given_names,
        surname=holder.surname,
    )
    user = User.objects.select_for_update().filter(person=person).first()
    if user is None:
        user = User(
            username=f"eid-{secrets.token_hex(6)}",
            person=person,
            first_name=holder.first_given_name,
            last_name=holder.surname,
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        audit_record(
            action="identity.account_created",
            actor_user_id=user.pk,
            actor_label=user.username,
            object_type="user",
            object_id=user.pk,
            data={"means": "eid"},
        )
    if not user.is_active:
        raise AccountDisabled("account disabled")
    return user


def _audit_refusal(request: HttpRequest, error: EidError, *, means: str) -> None:
    user = request.user if request.user.is_authenticated else None
    audit_record(
        action="identity.eid_login",
        outcome="refused",
        actor_user_id=user.pk if user else None,
        actor_label=user.get_username() if user else "",
        ip_address=client_ip(request),
        data={"means": means, "reason": error.code},
    )


def eid_session_open(
    *, request: HttpRequest, user: User, holder: CardHolder, backend: str, means: str
) -> Assurance:
    """Log the card holder in at level high, or raise the current session to high.

    A session already logged in as another person is refused (`AnotherPersonsCard`) rather than
    switched: log out first. The session key rotates either way. Audited.
    """
    if request.user.is_authenticated:
        if request.user.pk != user.pk:
            raise AnotherPersonsCard("card of another person")
        assurance = record_step_up(request=request, user=user, means=Means.EID)
    else:
        assurance = login_with(request=request, user=user, means=Means.EID, backend=backend)
    audit_record(
        action="identity.eid_login",
        actor_user_id=user.pk,
        actor_label=user.get_username(),
        ip_address=client_ip(request),
        data={"means": means, "key_type": holder.key_type.value, "level": "high"},
    )
    return assurance


def eid_login_with_signature(
    *, request: HttpRequest, challenge: str, certificate: bytes, signature: bytes
) -> tuple[User, Assurance]:
    """The whole challenge–signature log-in. Raises an `EidError` (audited) when refused."""
    try:
        # The backends module imports this one: look it up at call time.
        from identity.eid.backends import EidChallengeBackend

        user, holder = EidChallengeBackend().authenticate(
            request, eid_challenge=challenge, eid_certificate=certificate, eid_signature=signature
        )
        assurance = eid_session_open(
            request=request, user=user, holder=holder, backend=EID_BACKEND, means="eid_signature"
        )
    except EidError as error:
        _audit_refusal(request, error, means="eid_signature")
        raise
    return user, assurance


def _trusted_proxy(request: HttpRequest) -> bool:
    return request.META.get("REMOTE_ADDR", "") in set(settings.EID_TRUSTED_PROXIES)


def client_certificate_from_header(value: str) -> bytes:
    """The DER certificate from the proxy's header: URL-escaped PEM (nginx's
    ``$ssl_client_escaped_cert``), plain PEM, or base64 DER. Raises `CertificateMalformed`."""
    text = unquote(value).strip()
    if "-----BEGIN CERTIFICATE-----" in text:
        body = text.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----")[0]
        text = "".join(body.split())
    try:
        return decode_base64("".join(text.split()))
    except ValueError:
        raise CertificateMalformed("client certificate header is not a certificate") from None


def eid_login_with_client_certificate(*, request: HttpRequest) -> tuple[User, Assurance]:
    """Log in with the certificate a trusted TLS proxy passed in ``EID_CLIENT_CERT_HEADER``.

    The header is read only from an address listed in ``EID_TRUSTED_PROXIES``: from anywhere else
    anyone could write it. Raises an `EidError` (audited) when refused.
    """
    meta_key = "HTTP_" + settings.EID_CLIENT_CERT_HEADER.upper().replace("-", "_")
    try:
        header = request.META.get(meta_key, "")
        if not _trusted_proxy(request):
            raise UntrustedProxy("client certificate header from an untrusted address")
        if not header or header == "(null)":
            raise ClientCertificateMissing("no client certificate")
        certificate = client_certificate_from_header(header)
        from identity.eid.backends import EidClientCertificateBackend

        user, holder = EidClientCertificateBackend().authenticate(
            request, eid_client_certificate=certificate
        )
        assurance = eid_session_open(
            request=request,
            user=user,
            holder=holder,
            backend=CLIENT_CERTIFICATE_BACKEND,
            means="eid_client_certificate",
        )
    except EidError as error:
        _audit_refusal(request, error, means="eid_client_certificate")
        raise
    return user, assurance


# Failures on the citizen's computer (wrong PIN, locked PIN, no card) never reach the portal by
# themselves: the log-in page reports them, with the pending challenge, so they are audited too.
CARD_FAILURE_CODES = frozenset(
    {
        "wrong_pin",
        "pin_locked",
        "pin_cancelled",
        "pin_required",
        "no_card",
        "no_reader",
        "multiple_cards",
        "card_error",
        "agent_unavailable",
    }
)


def eid_card_failure_report(*, request: HttpRequest, challenge: str, code: str) -> None:
    """Record a failure the card or the local signer reported, and end the attempt.

    The report must carry this session's pending challenge (so nobody can fill the log from
    elsewhere) and a known code; the challenge is consumed like any attempt. Raises
    `ChallengeError` when the challenge is not pending here, ValueError for an unknown code.
    """
    if code not in CARD_FAILURE_CODES:
        raise ValueError(code)
    eid_challenge_consume(request=request, challenge=challenge)
    user = request.user if request.user.is_authenticated else None
    audit_record(
        action="identity.eid_login",
        outcome="refused",
        actor_user_id=user.pk if user else None,
        actor_label=user.get_username() if user else "",
        ip_address=client_ip(request),
        data={"means": "eid_signature", "reason": code, "reported_by": "browser"},
    )
