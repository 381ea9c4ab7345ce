"""One card certificate on its own: parsing, key type, holder and the challenge signature.

Nothing here decides whether the certificate can be trusted; `check_certificate` does.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from identity.eid.certificates._common import PARSE_ERRORS
from identity.eid.exceptions import (
    CertificateKeyUnsupported,
    CertificateMalformed,
    NationalNumberInvalid,
    NationalNumberMissing,
    SignatureInvalid,
)
from identity.numbers import NationalNumber, parse_national_number

MINIMUM_RSA_BITS = 2048


class KeyType(StrEnum):
    """The two kinds of card key: RSA 2048 (applet 1.7, 2014-2021) and EC P-384 (applet 1.8)."""

    RSA = "rsa"
    EC = "ec"


@dataclass(frozen=True)
class CardHolder:
    """Who an eID authentication certificate names.

    The national number is left out of ``repr`` so that it never lands in a log by accident.
    """

    national_number: NationalNumber = field(repr=False)
    given_names: str
    surname: str
    fingerprint_sha256: str  # lowercase hex of the SHA-256 of the DER certificate
    key_type: KeyType

    @property
    def first_given_name(self) -> str:
        return self.given_names.split(" ", 1)[0] if self.given_names else ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.surname) if part)


# --- Parsing and reading --------------------------------------------------------------------------


def load_certificate(der: bytes) -> x509.Certificate:
    """Parse a DER certificate.

    Raises `CertificateMalformed` when the bytes are not a certificate, or when its subject,
    issuer or extensions cannot be parsed (cryptography parses those lazily, so we touch them here
    to fail early and in one place).
    """
    if not isinstance(der, bytes | bytearray | memoryview) or not der:
        raise CertificateMalformed("empty or not bytes")
    try:
        certificate = x509.load_der_x509_certificate(bytes(der))
        _ = certificate.subject
        _ = certificate.issuer
        _ = certificate.extensions
    except PARSE_ERRORS:
        raise CertificateMalformed("not a DER X.509 certificate") from None
    return certificate


def key_type_of(certificate: x509.Certificate) -> KeyType:
    """The certificate's key type, when it is one eID cards use.

    Raises `CertificateKeyUnsupported` unless the key is RSA of at least 2048 bits or EC on P-384.
    """
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise CertificateKeyUnsupported("public key cannot be loaded") from None
    if isinstance(key, rsa.RSAPublicKey):
        # Why: 1024-bit cards are long gone; a smaller key is no eID card.
        if key.key_size < MINIMUM_RSA_BITS:
            raise CertificateKeyUnsupported(f"RSA key of {key.key_size} bits")
        return KeyType.RSA
    if isinstance(key, ec.EllipticCurvePublicKey):
        # Why: applet 1.8 cards use P-384, and the signature check hashes with SHA-384 to match.
        if not isinstance(key.curve, ec.SECP384R1):
            raise CertificateKeyUnsupported(f"EC key on {key.curve.name}")
        return KeyType.EC
    raise CertificateKeyUnsupported(f"{type(key).__name__} key")


def _certificate(certificate: bytes | x509.Certificate) -> x509.Certificate:
    if isinstance(certificate, x509.Certificate):
        return certificate
    return load_certificate(certificate)


def read_card_holder(
    certificate: bytes | x509.Certificate, *, today: dt.date | None = None
) -> CardHolder:
    """Read who the certificate names, WITHOUT checking that it can be trusted.

    Use it to show what is on a card (the ``eid_read`` command); to log someone in, use
    `check_certificate`, which ends with this function.

    Raises `CertificateMalformed`, `CertificateKeyUnsupported`, `NationalNumberMissing` (no
    serialNumber) and `NationalNumberInvalid` (several serialNumbers, or one that
    `parse_national_number` refuses or that is not written as 11 bare digits).
    """
    cert = _certificate(certificate)
    subject = cert.subject
    serials = subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    # Why: without a national number we cannot tell whose card this is.
    if not serials:
        raise NationalNumberMissing("subject has no serialNumber")
    # Why: two numbers would make the identity ambiguous; refuse rather than pick one.
    if len(serials) > 1:
        raise NationalNumberInvalid("subject has several serialNumbers")
    raw = serials[0].value
    if not isinstance(raw, str):
        raise NationalNumberInvalid("serialNumber is not a string")
    try:
        national_number = parse_national_number(raw, today=today)
    except ValidationError as exc:
        # The code only (e.g. "checksum"): the number itself must not reach the logs.
        raise NationalNumberInvalid(f"serialNumber refused ({exc.code})") from None
    # Why: the card writes 11 bare digits; separators would mean this is not a card certificate.
    if national_number.digits != raw:
        raise NationalNumberInvalid("serialNumber is not 11 bare digits")

    return CardHolder(
        national_number=national_number,
        given_names=_joined_attribute(subject, NameOID.GIVEN_NAME),
        surname=_joined_attribute(subject, NameOID.SURNAME),
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        key_type=key_type_of(cert),
    )


def _joined_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    # Some people have no given name; an absent attribute gives "" rather than an error.
    return " ".join(
        str(attribute.value).strip() for attribute in name.get_attributes_for_oid(oid)
    ).strip()


# --- The challenge signature ----------------------------------------------------------------------


def verify_challenge_signature(
    certificate: bytes | x509.Certificate, challenge: bytes, signature: bytes
) -> None:
    """Check that ``signature`` is the card's signature over ``challenge``.

    RSA cards: PKCS#1 v1.5 with SHA-256. EC cards: ECDSA with SHA-384, the signature DER-encoded
    (as `identity.eid.pkcs11.sign_challenge` returns it; raw r||s is refused). This checks the
    signature only: call `check_certificate` to trust the certificate, and make sure the challenge
    is the fresh one the server issued.

    Raises `SignatureInvalid`, and `CertificateMalformed` / `CertificateKeyUnsupported` for a bad
    certificate.
    """
    cert = _certificate(certificate)
    key_type = key_type_of(cert)
    key = cert.public_key()
    try:
        if key_type is KeyType.RSA and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
        elif key_type is KeyType.EC and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, challenge, ec.ECDSA(hashes.SHA384()))
        else:  # pragma: no cover - key_type_of already refused every other key
            raise SignatureInvalid("unsupported key")
    except (InvalidSignature, ValueError, TypeError):
        raise SignatureInvalid(f"{key_type} signature does not verify") from None
