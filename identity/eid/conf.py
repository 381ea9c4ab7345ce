"""Settings of the eID layer, each with its default, read at call time.

Reading at call time (not at import) lets ``override_settings`` and pytest-django's ``settings``
fixture change them in tests.

- ``EID_PKCS11_MODULE`` (str): path of the PKCS#11 module that talks to the card reader. Default:
  OpenSC's module on Debian/Ubuntu amd64. See `identity.eid.pkcs11` for the usual paths.
- ``EID_TRUST_ANCHORS`` (list of str): PEM files holding the Belgian eID root CAs and the
  citizen/foreigner CAs under them. Empty by default, so nothing is trusted until configured.
- ``EID_CRL_MISSING_POLICY`` (``"refuse"`` or ``"allow"``): what to do when no fresh revocation
  list is cached for an issuer. Default ``"refuse"``.
- ``EID_CRL_CACHE`` (str): the alias in ``CACHES`` where revocation lists are kept. Default
  ``"default"``. It must be shared by the process that stores CRLs and the ones that check cards
  (Redis in production; the local-memory cache is per process).
"""

from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_PKCS11_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
DEFAULT_CRL_CACHE = "default"


class CrlMissingPolicy(StrEnum):
    """What to do when no fresh CRL is at hand for an issuer in the chain."""

    REFUSE = "refuse"
    ALLOW = "allow"


def pkcs11_module_path() -> str:
    """The PKCS#11 module to load (``EID_PKCS11_MODULE``)."""
    return str(getattr(settings, "EID_PKCS11_MODULE", DEFAULT_PKCS11_MODULE))


def trust_anchor_paths() -> tuple[str, ...]:
    """The PEM files of trusted eID CAs (``EID_TRUST_ANCHORS``).

    Raises ``ImproperlyConfigured`` when the setting is a bare string: iterating it would read one
    "file" per character.
    """
    value = getattr(settings, "EID_TRUST_ANCHORS", ())
    if isinstance(value, str | Path):
        raise ImproperlyConfigured("EID_TRUST_ANCHORS must be a list of PEM file paths.")
    return tuple(str(path) for path in value)


def crl_missing_policy() -> CrlMissingPolicy:
    """Whether a chain without fresh CRLs is refused or allowed (``EID_CRL_MISSING_POLICY``).

    Raises ``ImproperlyConfigured`` on any other value, so a typo never silently allows.
    """
    value = getattr(settings, "EID_CRL_MISSING_POLICY", CrlMissingPolicy.REFUSE.value)
    try:
        return CrlMissingPolicy(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"EID_CRL_MISSING_POLICY must be 'refuse' or 'allow', not {value!r}."
        ) from None


def crl_cache_alias() -> str:
    """The cache alias holding revocation lists (``EID_CRL_CACHE``)."""
    return str(getattr(settings, "EID_CRL_CACHE", DEFAULT_CRL_CACHE))
