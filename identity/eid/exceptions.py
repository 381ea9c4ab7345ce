"""Errors of the eID layer: the card and its token module, the certificate checks, the CRL store.

Every error carries:
- ``code``: a stable string for logs, audit events, API responses and tests. Never change a code;
  add a new class instead.
- ``message``: a translatable sentence to show the user (or, for `CrlInvalid`, the operator).
- ``detail``: a short English note for developers' logs. It never holds the PIN, a national register
  number or a name, so it may be logged as is.

Two families: `CardError` (the card, the reader or the PKCS#11 module let us down) and
`CertificateError` (the certificate is refused). `SignatureInvalid` and `CrlInvalid` stand apart.
"""

from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class EidError(Exception):
    """Base of every eID error."""

    code: ClassVar[str] = "eid_error"
    default_message: ClassVar[Promise] = _("Your eID card could not be used. Please try again.")

    def __init__(self, detail: str = "", *, message: Promise | None = None) -> None:
        self.detail = detail
        self.message: Promise = message if message is not None else self.default_message
        super().__init__(detail or self.code)

    def __str__(self) -> str:
        # The code first, so a log line says what happened even without the detail.
        return f"{self.code}: {self.detail}" if self.detail else self.code


# --- The card, the reader and the token module ----------------------------------------------------


class CardError(EidError):
    """The card or its token module failed in a way none of the subclasses describes."""

    code = "card_error"
    default_message = _(
        "Your eID card could not be read. Take it out of the reader, put it back and try again."
    )


class NoReader(CardError):
    """The PKCS#11 module cannot be loaded, or it reports no slot (no reader) at all."""

    code = "no_reader"
    default_message = _(
        "No card reader was found. Check that the reader is connected and that the eID software "
        "is installed."
    )


class NoCard(CardError):
    """No token labelled BELPIC (no eID card) is present, or the chosen card is gone."""

    code = "no_card"
    default_message = _("No eID card was found in the reader. Insert your card and try again.")


class MultipleCards(CardError):
    """More than one eID card is present and the caller did not say which one to use."""

    code = "multiple_cards"
    default_message = _(
        "More than one eID card is inserted. Leave only the card you want to use in a reader."
    )


class PinRequired(CardError):
    """No PIN was given and the reader offers no protected path (pinpad or PIN dialog)."""

    code = "pin_required"
    default_message = _("Enter the PIN code of your eID card.")


class PinEntryCancelled(CardError):
    """The holder cancelled the PIN entry on the pinpad or in the middleware's dialog."""

    code = "pin_cancelled"
    default_message = _("The PIN entry was cancelled.")


class WrongPin(CardError):
    """The PIN was wrong.

    PKCS#11 does not give a count of tries left; the token only raises two flags. ``count_low``
    means at least one wrong PIN was entered since the last good one; ``final_try`` means the next
    wrong PIN blocks the card, so ``tries_left`` is 1. Otherwise ``tries_left`` is None (unknown).
    """

    code = "wrong_pin"
    default_message = _("The PIN code is wrong.")

    def __init__(
        self, detail: str = "", *, count_low: bool = False, final_try: bool = False
    ) -> None:
        self.count_low = count_low
        self.final_try = final_try
        self.tries_left: int | None = 1 if final_try else None
        if final_try:
            message = _(
                "The PIN code is wrong. You have one try left: after one more wrong PIN your eID "
                "card is blocked."
            )
        elif count_low:
            message = _(
                "The PIN code is wrong. Take care: your eID card is blocked after three wrong PINs "
                "in a row."
            )
        else:
            message = self.default_message
        super().__init__(detail, message=message)


class PinLocked(CardError):
    """The PIN is blocked (a real card blocks it after three wrong tries)."""

    code = "pin_locked"
    default_message = _(
        "The PIN code of your eID card is blocked after too many wrong tries. You can unblock it "
        "with your PUK code at your municipality."
    )


# --- The certificate ------------------------------------------------------------------------------


class CertificateError(EidError):
    """The authentication certificate is refused."""

    code = "certificate_refused"
    default_message = _("The certificate of your eID card was not accepted.")


class CertificateMalformed(CertificateError):
    """The bytes are not a parseable X.509 certificate."""

    code = "certificate_malformed"
    default_message = _("The certificate sent by your eID card could not be read.")


class CertificateUntrusted(CertificateError):
    """No valid chain leads to a configured trust anchor.

    Covers a wrong issuer, a bad signature anywhere in the chain, a CA without the CA basic
    constraint, a broken path length, an expired CA and every other path-validation failure.
    """

    code = "certificate_untrusted"
    default_message = _(
        "This certificate was not issued by a trusted Belgian eID certificate authority."
    )


class CertificateNotYetValid(CertificateError):
    """The certificate's validity period has not started."""

    code = "certificate_not_yet_valid"
    default_message = _(
        "The certificate of your eID card is not valid yet. Try again later, or check the date "
        "and time of your computer."
    )


class CertificateExpired(CertificateError):
    """The certificate's validity period is over."""

    code = "certificate_expired"
    default_message = _(
        "The certificate of your eID card has expired. Ask your municipality for a new card."
    )


class CertificateKeyUsageInvalid(CertificateError):
    """The certificate may not be used for authentication (no digitalSignature key usage)."""

    code = "certificate_key_usage"
    default_message = _(
        "This is not the authentication certificate of an eID card, so it cannot be used to log in."
    )


class CertificateKeyUnsupported(CertificateError):
    """The certificate's key is neither RSA of at least 2048 bits nor EC on P-384."""

    code = "certificate_key_unsupported"
    default_message = _("The key of this certificate is of a kind eID cards do not use.")


class CertificateRevoked(CertificateError):
    """The certificate (or a CA above it) is on its issuer's certificate revocation list."""

    code = "certificate_revoked"
    default_message = _(
        "The certificate of your eID card has been revoked (for example because the card was "
        "reported lost or stolen). It can no longer be used to log in."
    )


class RevocationUnknown(CertificateError):
    """No fresh revocation list is at hand and the policy says to refuse in that case."""

    code = "revocation_unknown"
    default_message = _(
        "We cannot check at the moment whether your eID card is still valid. Please try again "
        "later."
    )


class NationalNumberMissing(CertificateError):
    """The certificate subject holds no national register number (serialNumber)."""

    code = "national_number_missing"
    default_message = _(
        "This certificate does not hold a national register number, so it cannot be used to log in."
    )


class NationalNumberInvalid(CertificateError):
    """The certificate's serialNumber is not one valid national register number."""

    code = "national_number_invalid"
    default_message = _(
        "The national register number in this certificate is not valid, so it cannot be used to "
        "log in."
    )


# --- Signatures and revocation lists --------------------------------------------------------------


class SignatureInvalid(EidError):
    """The signature over the challenge does not verify with the certificate's key."""

    code = "signature_invalid"
    default_message = _(
        "The signature made by your eID card could not be verified. Please log in again."
    )


class CrlInvalid(EidError):
    """A certificate revocation list was not stored: unreadable, stale or not from a trusted CA."""

    code = "crl_invalid"
    default_message = _(
        "The certificate revocation list is not valid: it is unreadable, out of date, of an "
        "unsupported kind or not signed by a trusted certificate authority."
    )


# --- The log-in exchange --------------------------------------------------------------------------


class ChallengeError(EidError):
    """The challenge sent back is not the one this session is waiting for."""

    code = "challenge_invalid"
    default_message = _("This log-in attempt is not valid any more. Please start again.")


class ChallengeMissing(ChallengeError):
    """No challenge is pending in this session (never asked, or already used)."""

    code = "challenge_missing"


class ChallengeExpired(ChallengeError):
    """The challenge is older than its lifetime."""

    code = "challenge_expired"
    default_message = _("This log-in attempt took too long. Please start again.")


class ChallengeReplayed(ChallengeError):
    """The challenge was used already (a replayed log-in request)."""

    code = "challenge_replayed"


class ChallengeForeign(ChallengeError):
    """The challenge was issued to another session."""

    code = "challenge_other_session"


class AnotherPersonsCard(EidError):
    """A logged-in person tried to step up with someone else's card."""

    code = "card_of_another_person"
    default_message = _(
        "This eID card belongs to someone else than the person logged in. Log out first to log "
        "in with this card."
    )


class AccountDisabled(EidError):
    code = "account_disabled"
    default_message = _("This account is disabled.")


class UntrustedProxy(EidError):
    """A client certificate header came from an address that is not a configured proxy."""

    code = "untrusted_proxy"
    default_message = _("The certificate could not be accepted from this connection.")


class ClientCertificateMissing(EidError):
    code = "client_certificate_missing"
    default_message = _(
        "Your browser did not present an eID certificate. Insert your card and try again."
    )
