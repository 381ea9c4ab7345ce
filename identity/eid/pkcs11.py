"""The eID card through PKCS#11. The only module of the project that imports python-pkcs11.

The module (``EID_PKCS11_MODULE``) is the shared library that talks to the card reader:

- OpenSC: ``/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so`` on Debian and Ubuntu (amd64; other
  architectures use their multiarch directory, e.g. ``/usr/lib/aarch64-linux-gnu/``),
  ``/usr/lib64/opensc-pkcs11.so`` on Fedora, ``/Library/OpenSC/lib/opensc-pkcs11.so`` on macOS.
  It reads applet 1.7 (RSA) cards; EC (applet 1.8) cards need an OpenSC release from 2025 on.
- The Belgian eID middleware (``libbeidpkcs11``, not packaged by Debian):
  ``/usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0`` (or ``/usr/lib/libbeidpkcs11.so.0``) on
  Linux, ``/Library/Belgium Identity Card/Pkcs11/libbeidpkcs11.dylib`` on macOS,
  ``C:\\Windows\\System32\\beidpkcs11.dll`` on Windows. It reads both card generations and asks
  the PIN itself (dialog or pinpad): call `sign_challenge` with ``pin=None``.
- Tests use SoftHSM2 (``/usr/lib/softhsm/libsofthsm2.so``) with tokens built like a card.

A card is a token labelled ``BELPIC``. Its objects are found by label (certificates
``Authentication``, ``Signature``, ``CA``, ``Root``; private keys ``Authentication``,
``Signature``), never by slot index: slot ids can be any number and there may be two readers. A
card is chosen by its token serial when more than one is present.

Signing: RSA cards sign with CKM_SHA256_RSA_PKCS. EC cards get a SHA-384 digest computed here and
sign it with plain CKM_ECDSA, which returns raw r||s (96 bytes on P-384); we encode that as DER,
the form `identity.eid.certificates.verify_challenge_signature` and X.509 use.

Module lifetime and reinitialisation: python-pkcs11 keeps one loaded, initialised library per path
for the whole process (``pkcs11.lib(path)`` returns the cached one), and a module reads its
configuration and, for some, its list of readers and tokens only in C_Initialize. So:
- every function here opens the library, opens a session, and closes that session before it
  returns; no session, object or handle outlives a call, and the PIN login ends with the session;
- `reload_module` runs C_Finalize + C_Initialize on the cached library, so that a module sees
  tokens or a configuration created after it was loaded (a hot-plugged reader with some modules;
  in tests, SoftHSM tokens or a changed SOFTHSM2_CONF). Because nothing is kept between calls,
  nothing is left dangling by it;
- python-pkcs11 initialises modules without OS locking, which per PKCS#11 promises the module
  that it is called from one thread at a time: a process-wide lock serialises every call here.
A module is never shared across ``fork()``: use it from the process that loaded it.

The PIN is passed to the module and dropped; it is never logged or stored, and no error's
``detail`` holds it.
"""

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pkcs11
import pkcs11.exceptions as token_errors
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, Mechanism, ObjectClass, TokenFlag
from pkcs11.types import Object, Session, SignMixin, Token

from identity.eid import conf
from identity.eid.certificates import CardHolder, KeyType, read_card_holder
from identity.eid.exceptions import (
    CardError,
    MultipleCards,
    NoCard,
    NoReader,
    PinEntryCancelled,
    PinLocked,
    PinRequired,
    WrongPin,
)

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Library

logger = logging.getLogger(__name__)

TOKEN_LABEL = "BELPIC"  # noqa: S105 - a token label, not a password
AUTHENTICATION_LABEL = "Authentication"

# See "Module lifetime" in the module docstring.
_lock = threading.RLock()


@dataclass(frozen=True)
class Card:
    """An eID card present in a reader."""

    serial: str  # the token serial: how callers pick a card when there are several
    label: str
    reader: str  # the slot description, usually the reader's name
    protected_authentication_path: bool  # the module asks the PIN itself (pinpad or dialog)


@dataclass(frozen=True)
class ChallengeSignature:
    """What the card returns for a challenge: its certificate, the signature and the key type."""

    certificate: bytes  # DER of the Authentication certificate
    signature: bytes  # RSA: PKCS#1 v1.5 over SHA-256; EC: DER ECDSA over SHA-384
    key_type: KeyType


# --- Public functions -----------------------------------------------------------------------------


def list_cards(*, module_path: str | None = None) -> list[Card]:
    """The eID cards (tokens labelled BELPIC) present, in the module's slot order.

    ``module_path`` defaults to ``EID_PKCS11_MODULE``. Raises `NoReader` when the module cannot be
    loaded or reports no slot, and `CardError` on other token failures. An empty list means
    readers but no card.
    """
    with _lock:
        library = _library(module_path)
        return [card for card, _token in _cards(library)]


def read_authentication_certificate(
    *, card_serial: str | None = None, module_path: str | None = None
) -> bytes:
    """The DER Authentication certificate of the card. Needs no PIN.

    ``card_serial`` picks a card when several are present. Raises `NoReader`, `NoCard` (no card,
    or none with that serial), `MultipleCards` (several and no serial given) and `CardError` (for
    instance no or several certificates labelled Authentication).
    """
    with _lock:
        _card, token = _select_card(_library(module_path), card_serial)
        with _session(token) as session:
            return _authentication_certificate(session)


def read_card_identity(
    *, card_serial: str | None = None, module_path: str | None = None
) -> CardHolder:
    """Who the card's Authentication certificate names, for display (the ``eid_read`` command).

    This does NOT check that the certificate can be trusted; never log anyone in with it (use
    `identity.eid.certificates.check_certificate`). Raises what `read_authentication_certificate`
    and `identity.eid.certificates.read_card_holder` raise.
    """
    return read_card_holder(
        read_authentication_certificate(card_serial=card_serial, module_path=module_path)
    )


def sign_challenge(
    challenge: bytes,
    *,
    pin: str | None,
    card_serial: str | None = None,
    module_path: str | None = None,
) -> ChallengeSignature:
    """Log in to the card and sign ``challenge`` with its Authentication key.

    ``pin=None`` asks the module to collect the PIN itself (protected authentication path: the
    beid middleware's dialog or a pinpad reader); it raises `PinRequired` when the card offers no
    such path. The certificate is read in the same session, so certificate and signature come from
    the same card.

    Raises `NoReader`, `NoCard`, `MultipleCards`, `PinRequired`, `WrongPin` (with the tries-left
    hints the token gives), `PinLocked`, `PinEntryCancelled` and `CardError`.
    """
    if not challenge:
        raise ValueError("challenge must not be empty")
    with _lock:
        card, token = _select_card(_library(module_path), card_serial)
        flags = token.flags
        # Why: a blocked PIN would only fail again; say so without another try.
        if flags & TokenFlag.USER_PIN_LOCKED:
            raise PinLocked("token reports the user PIN locked")
        credential: str | object = pin
        if pin is None:
            if not flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
                raise PinRequired("no PIN given and the token has no protected path")
            credential = pkcs11.PROTECTED_AUTH
        with _session(token, user_pin=credential) as session:
            certificate = _authentication_certificate(session)
            key = _authentication_key(session)
            key_type = _key_type(key)
            signature = _sign(key, key_type, challenge)
        logger.debug("Card in %r signed a challenge with its %s key.", card.reader, key_type)
        return ChallengeSignature(certificate=certificate, signature=signature, key_type=key_type)


def reload_module(*, module_path: str | None = None) -> None:
    """Finalise and initialise the module again, so it rereads its configuration and tokens.

    See "Module lifetime" in the module docstring. Raises `NoReader` when it cannot be loaded.
    """
    with _lock:
        library = _library(module_path)
        try:
            library.reinitialize()
        except token_errors.PKCS11Error as exc:
            raise NoReader(f"cannot reinitialise the module ({type(exc).__name__})") from exc


def translate_token_error(exc: token_errors.PKCS11Error, *, token_flags: int = 0) -> CardError:
    """Map a python-pkcs11 error to the eID error to show; the boundary of the token layer.

    ``token_flags`` are the token's flags read after the failure: after a wrong PIN they tell
    whether tries are running low, whether the next try is the last, or whether the PIN is now
    blocked. Returns (does not raise) the error, so callers write ``raise ... from exc``.
    """
    name = type(exc).__name__
    if isinstance(exc, token_errors.PinLocked):
        return PinLocked(f"token error {name}")
    if isinstance(
        exc, token_errors.PinIncorrect | token_errors.PinInvalid | token_errors.PinLenRange
    ):
        # Why: the failed try may have been the one that blocked the PIN.
        if token_flags & TokenFlag.USER_PIN_LOCKED:
            return PinLocked(f"token error {name}, PIN now locked")
        return WrongPin(
            f"token error {name}",
            count_low=bool(token_flags & TokenFlag.USER_PIN_COUNT_LOW),
            final_try=bool(token_flags & TokenFlag.USER_PIN_FINAL_TRY),
        )
    if isinstance(
        exc,
        token_errors.TokenNotPresent
        | token_errors.TokenNotRecognised
        | token_errors.DeviceRemoved
        | token_errors.SlotIDInvalid,
    ):
        # The card was pulled out, or the reader holds something that is not a card we can read.
        return NoCard(f"token error {name}")
    if isinstance(exc, token_errors.FunctionCancelled):
        return PinEntryCancelled(f"token error {name}")
    return CardError(f"token error {name}")


# --- Helpers --------------------------------------------------------------------------------------


def _library(module_path: str | None) -> "Library":
    path = module_path if module_path is not None else conf.pkcs11_module_path()
    if not path:
        raise NoReader("no PKCS#11 module configured")
    try:
        return pkcs11.lib(path)
    except (token_errors.PKCS11Error, OSError) as exc:
        # Why: a missing or broken module means the eID software is not installed; to the user
        # that is the same as having no reader.
        raise NoReader(f"cannot load PKCS#11 module {path} ({type(exc).__name__})") from exc


def _cards(library: "Library") -> Iterator[tuple[Card, Token]]:
    try:
        slots = library.get_slots()
    except token_errors.PKCS11Error as exc:
        raise translate_token_error(exc) from exc
    if not slots:
        raise NoReader("the module reports no slot")
    for slot in slots:
        # The slot's TOKEN_PRESENT flag is not set reliably by every module: ask for the token.
        try:
            token = slot.get_token()
        except (
            token_errors.TokenNotPresent,
            token_errors.TokenNotRecognised,
            token_errors.DeviceRemoved,
        ):
            continue
        except token_errors.PKCS11Error as exc:
            raise translate_token_error(exc) from exc
        if not _is_eid_label(token.label):
            continue
        card = Card(
            serial=bytes(token.serial).decode("ascii", "replace").strip(),
            label=token.label,
            reader=slot.slot_description,
            protected_authentication_path=bool(
                token.flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH
            ),
        )
        yield card, token


def _is_eid_label(label: str) -> bool:
    # OpenSC may give each PIN its own virtual slot labelled "<card> (<PIN label>)".
    return label == TOKEN_LABEL or label.startswith(f"{TOKEN_LABEL} (")


def _select_card(library: "Library", card_serial: str | None) -> tuple[Card, Token]:
    cards = list(_cards(library))
    if card_serial is not None:
        cards = [(card, token) for card, token in cards if card.serial == card_serial]
    if not cards:
        raise NoCard("no BELPIC token" + (" with that serial" if card_serial else ""))
    if len(cards) > 1:
        raise MultipleCards(f"{len(cards)} BELPIC tokens and no serial given")
    return cards[0]


def _fresh_flags(token: Token) -> int:
    # The flags on a Token object are those of when it was read; ask the slot again.
    try:
        return int(token.slot.get_token().flags)
    except token_errors.PKCS11Error:
        return 0


@contextmanager
def _session(token: Token, *, user_pin: str | object | None = None) -> Iterator[Session]:
    """A session on the token, logged in when a PIN (or PROTECTED_AUTH) is given, always closed.

    Every python-pkcs11 error inside is translated; closing the last session logs out.
    """
    try:
        session = token.open(user_pin=user_pin)
    except token_errors.PKCS11Error as exc:
        raise translate_token_error(exc, token_flags=_fresh_flags(token)) from exc
    try:
        yield session
    except token_errors.PKCS11Error as exc:
        raise translate_token_error(exc, token_flags=_fresh_flags(token)) from exc
    finally:
        try:
            session.close()
        except token_errors.PKCS11Error:
            logger.debug("Closing a PKCS#11 session failed; the card was probably removed.")


def _single_object(session: Session, object_class: ObjectClass, label: str) -> Object:
    found = list(session.get_objects({Attribute.CLASS: object_class, Attribute.LABEL: label}))
    if len(found) != 1:
        raise CardError(f"{len(found)} objects of class {object_class.name} labelled {label!r}")
    return found[0]


def _authentication_certificate(session: Session) -> bytes:
    certificate = _single_object(session, ObjectClass.CERTIFICATE, AUTHENTICATION_LABEL)
    return bytes(certificate[Attribute.VALUE])


def _authentication_key(session: Session) -> SignMixin:
    key = _single_object(session, ObjectClass.PRIVATE_KEY, AUTHENTICATION_LABEL)
    if not isinstance(key, SignMixin):
        raise CardError("the Authentication private key cannot sign")
    return key


def _key_type(key: SignMixin) -> KeyType:
    if key.key_type == pkcs11.KeyType.RSA:
        return KeyType.RSA
    if key.key_type == pkcs11.KeyType.EC:
        return KeyType.EC
    raise CardError(f"unsupported key type {key.key_type!r}")


def _sign(key: SignMixin, key_type: KeyType, challenge: bytes) -> bytes:
    if key_type is KeyType.RSA:
        return bytes(key.sign(challenge, mechanism=Mechanism.SHA256_RSA_PKCS))
    # EC: the card signs a digest we compute (cards do not hash), and returns raw r||s.
    digest = hashlib.sha384(challenge).digest()
    raw = bytes(key.sign(digest, mechanism=Mechanism.ECDSA))
    if not raw or len(raw) % 2:
        raise CardError(f"ECDSA signature of odd length {len(raw)}")
    half = len(raw) // 2
    return encode_dss_signature(
        int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    )
