"""Revocation: the CRL cache (filled by a periodic task) and the revocation check of a chain."""

import datetime as dt
import hashlib
import logging

from django.core.cache import caches

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from identity.eid import conf
from identity.eid.certificates._common import PARSE_ERRORS, aware, is_ca
from identity.eid.certificates.trust import configured_trust_anchors
from identity.eid.exceptions import CertificateRevoked, CrlInvalid, RevocationUnknown

# Records carry the package's name, ``identity.eid.certificates``, whichever submodule logs.
logger = logging.getLogger(__package__)

CRL_CACHE_PREFIX = "eid:crl:"


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
    now = aware(now)
    try:
        crl = x509.load_der_x509_crl(bytes(crl_der))
        _ = crl.issuer
        extensions = crl.extensions
    except PARSE_ERRORS:
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
    now = aware(now)
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
    if scope.only_contains_user_certs and is_ca(certificate):
        return False
    return not (scope.only_contains_ca_certs and not is_ca(certificate))


def check_revocation(chain: list[x509.Certificate], now: dt.datetime) -> None:
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
