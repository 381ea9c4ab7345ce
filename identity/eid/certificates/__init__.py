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

The submodules, all re-exported here (import from ``identity.eid.certificates``):

- `card`: one certificate on its own: parsing, key type, card holder (steps 1, 2 and 7) and
  the challenge signature.
- `trust`: the trust anchors from ``EID_TRUST_ANCHORS`` and path validation (step 5); its
  docstring says why we rely on cryptography's verifier.
- `revocation`: the CRL cache and the revocation check (step 6).
- `checks`: `check_certificate`, which runs the steps in order (3 and 4 are its own).
"""

from identity.eid.certificates.card import (
    MINIMUM_RSA_BITS,
    CardHolder,
    KeyType,
    key_type_of,
    load_certificate,
    read_card_holder,
    verify_challenge_signature,
)
from identity.eid.certificates.checks import check_certificate
from identity.eid.certificates.revocation import (
    CRL_CACHE_PREFIX,
    crl_cache_key,
    crl_lookup,
    crl_store_put,
)
from identity.eid.certificates.trust import TrustAnchors, configured_trust_anchors

__all__ = [
    "CRL_CACHE_PREFIX",
    "MINIMUM_RSA_BITS",
    "CardHolder",
    "KeyType",
    "TrustAnchors",
    "check_certificate",
    "configured_trust_anchors",
    "crl_cache_key",
    "crl_lookup",
    "crl_store_put",
    "key_type_of",
    "load_certificate",
    "read_card_holder",
    "verify_challenge_signature",
]
