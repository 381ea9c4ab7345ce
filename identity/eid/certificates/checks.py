"""`check_certificate`: the whole check of a card certificate, in the order the package lists."""

import datetime as dt

from cryptography import x509

from identity.eid.certificates._common import aware
from identity.eid.certificates.card import (
    CardHolder,
    key_type_of,
    load_certificate,
    read_card_holder,
)
from identity.eid.certificates.revocation import check_revocation
from identity.eid.certificates.trust import verified_chain
from identity.eid.exceptions import (
    CertificateExpired,
    CertificateKeyUsageInvalid,
    CertificateNotYetValid,
)


def check_certificate(certificate: bytes, *, now: dt.datetime | None = None) -> CardHolder:
    """Check a DER authentication certificate from a card and say whom it names.

    ``now`` (timezone-aware) defaults to the current time; tests pass it to move the clock.
    The checks and their errors are listed in the package docstring: `CertificateMalformed`,
    `CertificateKeyUnsupported`, `CertificateNotYetValid`, `CertificateExpired`,
    `CertificateKeyUsageInvalid`, `CertificateUntrusted`, `CertificateRevoked`,
    `RevocationUnknown`, `NationalNumberMissing`, `NationalNumberInvalid`. Raises
    ``ImproperlyConfigured`` when the trust anchors or the CRL policy are misconfigured.
    """
    now = aware(now)
    cert = load_certificate(certificate)
    key_type_of(cert)
    _check_validity_period(cert, now)
    _check_key_usage(cert)
    chain = verified_chain(cert, now)
    check_revocation(chain, now)
    return read_card_holder(cert, today=now.date())


def _check_validity_period(certificate: x509.Certificate, now: dt.datetime) -> None:
    # Why: checked before the chain so the holder hears "expired", not "untrusted".
    if now < certificate.not_valid_before_utc:
        raise CertificateNotYetValid(f"valid from {certificate.not_valid_before_utc.isoformat()}")
    if now > certificate.not_valid_after_utc:
        raise CertificateExpired(f"expired on {certificate.not_valid_after_utc.isoformat()}")


def _check_key_usage(certificate: x509.Certificate) -> None:
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        # Why: every eID certificate states its usage; without it we cannot tell it is the
        # Authentication one.
        raise CertificateKeyUsageInvalid("no key usage extension") from None
    # Why: only the Authentication certificate has digitalSignature; the Signature certificate
    # (non-repudiation, for legally binding signatures) must never serve to log in.
    if not key_usage.digital_signature:
        raise CertificateKeyUsageInvalid("key usage lacks digitalSignature")
