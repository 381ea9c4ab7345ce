"""Private helpers that several submodules of `identity.eid.certificates` share."""

import datetime as dt

from cryptography import x509

# What cryptography raises on malformed DER: ValueError mostly, TypeError for a name attribute of
# an impossible string type, and its own classes for a duplicated extension, an unknown version
# and an unsupported general name.
PARSE_ERRORS = (
    ValueError,
    TypeError,
    x509.DuplicateExtension,
    x509.InvalidVersion,
    x509.UnsupportedGeneralNameType,
)


def aware(now: dt.datetime | None) -> dt.datetime:
    """``now``, or the current time when None; a naive datetime raises ``ValueError``."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def is_ca(certificate: x509.Certificate) -> bool:
    """Whether the certificate's basic constraints make it a CA (False when it has none)."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return constraints.value.ca
