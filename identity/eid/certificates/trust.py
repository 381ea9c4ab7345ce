"""Trust: the configured CAs and path validation from a card certificate up to a root.

Path validation: we use cryptography's RFC 5280 / Web PKI verifier rather than walking the chain
by hand. Hand-written path validation is where subtle holes hide (name chaining, unknown critical
extensions, CA key usage, path length across several CAs); the verifier is maintained and tested
against large suites. Its client profile requires a subjectAltName on the end-entity certificate,
which eID certificates do not carry, so we start from its Web PKI end-entity extension policy and
only relax that one rule (``ExtensionPolicy``, cryptography >= 45). Everything else stays strict,
including: an EKU on the card certificate or a CA, when present, must allow clientAuth (the
Citizen CAs carry clientAuth + emailProtection). The verifier does not check revocation
(`identity.eid.certificates.revocation` does). It also does not tell expired from not yet valid in
a stable way, so `check_certificate` checks the card certificate's dates first (an expired CA
still fails, as `CertificateUntrusted`).

Trust anchors come from ``EID_TRUST_ANCHORS`` only, never from the card: self-signed certificates
in those files are roots (the verifier's store); the others are offered as intermediates, so an
intermediate is trusted only through a configured root.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from identity.eid import conf
from identity.eid.certificates._common import is_ca
from identity.eid.exceptions import CertificateUntrusted


@dataclass(frozen=True)
class TrustAnchors:
    """The configured CAs: self-signed roots and the intermediates offered under them."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]

    @property
    def all(self) -> tuple[x509.Certificate, ...]:
        return self.roots + self.intermediates


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
            if not is_ca(certificate):
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


def _is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


# --- Path validation ------------------------------------------------------------------------------


def verified_chain(certificate: x509.Certificate, now: dt.datetime) -> list[x509.Certificate]:
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
