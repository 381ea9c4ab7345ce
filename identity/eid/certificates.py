"""Checks on eID authentication certificates, in one place.

`check_certificate` is the only door through which a certificate from a card may be trusted. It
checks, in this order (the first failure wins, each with its own error code):

1. the bytes parse as an X.509 certificate (`CertificateMalformed`);
2. the key is one eID cards use: RSA of at least 2048 bits or EC on P-384
   (`CertificateKeyUnsupported`);
3. the validity period (`CertificateNotYetValid`, `CertificateExpired`);
4. the key usage includes digitalSignature, which the Authentication certificate has and the
   Signature (non-repudiation) certificate has not (`CertificateKeyUsageInvalid`);
5. a valid path to a configured root: signatures, validity of the CAs, basic constraints, path
   length, CA key usage, unknown critical extensions, EKU (`CertificateUntrusted`);
6. revocation of the certificate and of every CA under the root, by CRLs from the cache
   (`CertificateRevoked`, `RevocationUnknown`);
7. one valid national register number in the subject's serialNumber (`NationalNumberMissing`,
   `NationalNumberInvalid`).

Path validation: we use cryptography's RFC 5280 / Web PKI verifier rather than walking the chain
by hand. Hand-written path validation is where subtle holes hide (name chaining, unknown critical
extensions, CA key usage, path length across several CAs); the verifier is maintained and tested
against large suites. Its client profile requires a subjectAltName on the end-entity certificate,
which eID certificates do not carry, so we start from its Web PKI end-entity extension policy and
only relax that one rule (``ExtensionPolicy``, cryptography >= 45). Everything else stays strict,
including: an EKU on the card certificate or a CA, when present, must allow clientAuth (the
Citizen CAs carry clientAuth + emailProtection). The verifier does not check revocation; step 6
does. It also does not tell expired from not yet valid in a stable way, so step 3 checks the card
certificate's dates first (an expired CA still fails, as `CertificateUntrusted`).

Trust anchors come from ``EID_TRUST_ANCHORS`` only, never from the card: self-signed certificates
in those files are roots (the verifier's store); the others are offered as intermediates, so an
intermediate is trusted only through a configured root.
"""

import datetime as dt
import functools
import hashlib
import logging
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured, ValidationError

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from identity.eid import conf
from identity.eid.exceptions import (
    CertificateExpired,
    CertificateKeyUnsupported,
    CertificateKeyUsageInvalid,
    CertificateMalformed,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateUntrusted,
    CrlInvalid,
    NationalNumberInvalid,
    NationalNumberMissing,
    RevocationUnknown,
    SignatureInvalid,
)
from identity.numbers import NationalNumber, parse_national_number

logger = logging.getLogger(__name__)

MINIMUM_RSA_BITS = 2048
CRL_CACHE_PREFIX = "eid:crl:"
# What cryptography raises on malformed DER: ValueError mostly, TypeError for a name attribute of
# an impossible string type, and its own classes for a duplicated extension, an unknown version
# and an unsupported general name.
_PARSE_ERRORS = (
    ValueError,
    TypeError,
    x509.DuplicateExtension,
    x509.InvalidVersion,
    x509.UnsupportedGeneralNameType,
)


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


@dataclass(frozen=True)
class TrustAnchors:
    """The configured CAs: self-signed roots and the intermediates offered under them."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]

    @property
    def all(self) -> tuple[x509.Certificate, ...]:
        return self.roots + self.intermediates


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
    except _PARSE_ERRORS:
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


# --- Trust anchors --------------------------------------------------------------------------------


def configured_trust_anchors() -> TrustAnchors:
    """The CAs from ``EID_TRUST_ANCHORS``, split into roots and intermediates.

    Files are read once per process and list of paths; replacing a file needs a restart.
    Raises ``ImproperlyConfigured`` when the setting is empty, a file cannot be read or holds no
    certificate, a certificate is not a CA, or no root (self-signed CA) is configured.
    """
    return _load_trust_anchors(conf.trust_anchor_paths())


@functools.lru_cache(maxsize=8)
def _load_trust_anchors(paths: tuple[str, ...]) -> TrustAnchors:
    if not paths:
        raise ImproperlyConfigured(
            "EID_TRUST_ANCHORS is empty: configure the PEM files of the Belgian eID root and "
            "citizen CAs."
        )
    roots: dict[bytes, x509.Certificate] = {}
    intermediates: dict[bytes, x509.Certificate] = {}
    for path in paths:
        try:
            with open(path, "rb") as pem:
                certificates = x509.load_pem_x509_certificates(pem.read())
        except OSError as exc:
            raise ImproperlyConfigured(f"EID_TRUST_ANCHORS: cannot read {path}: {exc}") from exc
        except ValueError as exc:
            raise ImproperlyConfigured(f"EID_TRUST_ANCHORS: no certificate in {path}") from exc
        for certificate in certificates:
            if not _is_ca(certificate):
                raise ImproperlyConfigured(
                    f"EID_TRUST_ANCHORS: {certificate.subject.rfc4514_string()} in {path} is not "
                    "a CA certificate."
                )
            fingerprint = certificate.fingerprint(hashes.SHA256())
            if _is_self_signed(certificate):
                roots[fingerprint] = certificate
            else:
                intermediates[fingerprint] = certificate
    if not roots:
        raise ImproperlyConfigured(
            "EID_TRUST_ANCHORS holds no root (self-signed) CA; intermediates alone are not trusted."
        )
    return TrustAnchors(roots=tuple(roots.values()), intermediates=tuple(intermediates.values()))


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return constraints.value.ca


def _is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


# --- The whole check ------------------------------------------------------------------------------


def check_certificate(certificate: bytes, *, now: dt.datetime | None = None) -> CardHolder:
    """Check a DER authentication certificate from a card and say whom it names.

    ``now`` (timezone-aware) defaults to the current time; tests pass it to move the clock.
    The checks and their errors are listed in the module docstring: `CertificateMalformed`,
    `CertificateKeyUnsupported`, `CertificateNotYetValid`, `CertificateExpired`,
    `CertificateKeyUsageInvalid`, `CertificateUntrusted`, `CertificateRevoked`,
    `RevocationUnknown`, `NationalNumberMissing`, `NationalNumberInvalid`. Raises
    ``ImproperlyConfigured`` when the trust anchors or the CRL policy are misconfigured.
    """
    now = _aware(now)
    cert = load_certificate(certificate)
    key_type_of(cert)
    _check_validity_period(cert, now)
    _check_key_usage(cert)
    chain = _verified_chain(cert, now)
    _check_revocation(chain, now)
    return read_card_holder(cert, today=now.date())


def _aware(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


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


def _verified_chain(certificate: x509.Certificate, now: dt.datetime) -> list[x509.Certificate]:
    """Path-validate to a configured root; returns the chain from the card up to the root."""
    anchors = configured_trust_anchors()
    # The Web PKI end-entity profile, minus its demand for a subjectAltName (see module docstring).
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
    )
    verifier = (
        PolicyBuilder()
        .store(Store(list(anchors.roots)))
        .time(now)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy)
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(certificate, list(anchors.intermediates))
    except VerificationError as exc:
        # `from None`: the verifier's message quotes the subject, national number included, and a
        # chained exception would carry it into logged tracebacks.
        raise CertificateUntrusted(_scrubbed_reason(exc)) from None
    return list(verified.chain)


def _scrubbed_reason(exc: VerificationError) -> str:
    """The verifier's reason without the certificate it quotes (which names the holder)."""
    reason = str(exc).split(" (encountered processing", 1)[0]
    for marker in ("<Certificate", "<Name"):
        reason = reason.split(marker, 1)[0]
    return reason.strip() or "path validation failed"


# --- Revocation -----------------------------------------------------------------------------------


def crl_cache_key(issuer: x509.Name) -> str:
    """The cache key of the CRL of an issuer: a hash of the issuer's DER-encoded name."""
    return CRL_CACHE_PREFIX + hashlib.sha256(issuer.public_bytes()).hexdigest()


def crl_store_put(crl_der: bytes, *, now: dt.datetime | None = None) -> bool:
    """Verify a DER CRL and keep it in the cache until its nextUpdate.

    Checks: it parses; it has a nextUpdate still in the future; it is a complete CRL (not a delta
    or indirect CRL, not limited to some revocation reasons or to attribute certificates) without
    unknown critical extensions; it is signed by a configured CA of the same name whose key usage
    (when stated) allows CRL signing. Returns False, leaving the cache alone, when an equally
    recent or newer CRL of that issuer is cached already: an older CRL replayed later must not
    hide a revocation.

    Raises `CrlInvalid` on any failed check, and ``ImproperlyConfigured`` as
    `configured_trust_anchors` does.
    """
    now = _aware(now)
    try:
        crl = x509.load_der_x509_crl(bytes(crl_der))
        _ = crl.issuer
        extensions = crl.extensions
    except _PARSE_ERRORS:
        raise CrlInvalid("not a DER CRL") from None

    next_update = crl.next_update_utc
    # Why: without a nextUpdate we cannot know when the list stops being fresh.
    if next_update is None:
        raise CrlInvalid("CRL has no nextUpdate")
    # Why: a stale list would be dropped at once; storing it would only hide the problem.
    if next_update <= now:
        raise CrlInvalid(f"CRL expired on {next_update.isoformat()}")
    _check_crl_kind(extensions)
    issuer_ca = _trusted_crl_signer(crl)
    if issuer_ca is None:
        raise CrlInvalid(f"CRL of {crl.issuer.rfc4514_string()} is not signed by a trusted CA")

    cache = caches[conf.crl_cache_alias()]
    key = crl_cache_key(crl.issuer)
    cached = _cached_crl(cache.get(key))
    if cached is not None and cached.last_update_utc >= crl.last_update_utc:
        return False
    timeout = max(1, int((next_update - now).total_seconds()))
    cache.set(key, bytes(crl_der), timeout=timeout)
    logger.info(
        "Stored the CRL of %s (next update %s).",
        crl.issuer.rfc4514_string(),
        next_update.isoformat(),
    )
    return True


def crl_lookup(
    issuer: x509.Name, *, now: dt.datetime | None = None
) -> x509.CertificateRevocationList | None:
    """The cached CRL of ``issuer``, or None when none is cached or it is past its nextUpdate.

    The CRL was verified by `crl_store_put`; `check_certificate` verifies its signature once more
    against the issuer found in the validated chain.
    """
    now = _aware(now)
    crl = _cached_crl(caches[conf.crl_cache_alias()].get(crl_cache_key(issuer)))
    if crl is None:
        return None
    # Defensive: the key is a hash of the name; never use a list issued under another name.
    if crl.issuer != issuer:
        return None
    next_update = crl.next_update_utc
    if next_update is None or next_update <= now:
        return None
    return crl


def _cached_crl(value: object) -> x509.CertificateRevocationList | None:
    if not isinstance(value, bytes):
        return None
    try:
        return x509.load_der_x509_crl(value)
    except ValueError:
        logger.warning("Dropped an unreadable CRL from the cache.")
        return None


def _check_crl_kind(extensions: x509.Extensions) -> None:
    for extension in extensions:
        # Why: an unknown critical extension may change what the list means (RFC 5280 5.2).
        if extension.critical and isinstance(extension.value, x509.UnrecognizedExtension):
            raise CrlInvalid(f"CRL has an unknown critical extension {extension.oid.dotted_string}")
    try:
        extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    except x509.ExtensionNotFound:
        pass
    else:
        # Why: a delta lists only recent changes; taken for a full list it would hide revocations.
        raise CrlInvalid("delta CRLs are not supported")
    try:
        scope = extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return
    # Why: a list limited to some reasons, or naming certificates of other issuers, is not the
    # complete answer for a certificate of this issuer.
    if scope.indirect_crl or scope.only_some_reasons or scope.only_contains_attribute_certs:
        raise CrlInvalid("partial or indirect CRLs are not supported")


def _trusted_crl_signer(crl: x509.CertificateRevocationList) -> x509.Certificate | None:
    for ca in configured_trust_anchors().all:
        # Why: the list must come from the CA it claims to come from.
        if ca.subject != crl.issuer:
            continue
        # Why: a CA whose key usage forbids CRL signing cannot vouch for this list.
        if not _may_sign_crls(ca):
            continue
        if _crl_signed_by(crl, ca):
            return ca
    return None


def _may_sign_crls(ca: x509.Certificate) -> bool:
    try:
        key_usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return key_usage.crl_sign


def _crl_signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return False
    try:
        return crl.is_signature_valid(key)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False


def _crl_covers(crl: x509.CertificateRevocationList, certificate: x509.Certificate) -> bool:
    """Whether the list's scope includes this certificate (user or CA certificates only)."""
    try:
        scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return True
    if scope.only_contains_user_certs and _is_ca(certificate):
        return False
    return not (scope.only_contains_ca_certs and not _is_ca(certificate))


def _check_revocation(chain: list[x509.Certificate], now: dt.datetime) -> None:
    """Check every certificate in the chain but the root against its issuer's CRL.

    The CAs are checked too: a revoked Citizen CA takes every card under it with it.
    """
    policy = conf.crl_missing_policy()
    for certificate, issuer in zip(chain, chain[1:], strict=False):
        crl = crl_lookup(issuer.subject, now=now)
        # Why: bind the list to the very key that signed this certificate, not just to a name.
        if crl is not None and not _crl_signed_by(crl, issuer):
            logger.warning(
                "The cached CRL of %s does not verify with the issuer in the chain; ignored.",
                issuer.subject.rfc4514_string(),
            )
            crl = None
        if crl is not None and not _crl_covers(crl, certificate):
            crl = None
        if crl is None:
            # Why: without a fresh list we cannot know the card was not reported lost or stolen;
            # the configured policy decides, and it refuses by default.
            if policy is conf.CrlMissingPolicy.REFUSE:
                raise RevocationUnknown(f"no fresh CRL of {issuer.subject.rfc4514_string()}")
            logger.warning(
                "No fresh CRL of %s; accepted because EID_CRL_MISSING_POLICY is 'allow'.",
                issuer.subject.rfc4514_string(),
            )
            continue
        revoked = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        if revoked is not None:
            raise CertificateRevoked(
                f"serial {certificate.serial_number:x} is on the CRL of "
                f"{issuer.subject.rfc4514_string()}"
            )


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
