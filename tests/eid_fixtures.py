"""The eID card for any test: a test PKI, SoftHSM2 tokens shaped like eID cards, the portal's trust
in that PKI, and the local signer. The PKI itself is built in tests/identity/eid/pki.py.

The fixtures are registered once, by tests/conftest.py (as tests/browser/fixtures.py's are), so
that every test of the session shares ONE test PKI and ONE SoftHSM2 configuration with its tokens.
Importing them into a second conftest or test module would define them again there, with their
own session cache: a second token set, and a second `reload_module` switching SOFTHSM2_CONF under
the first one's feet. `softhsm` fails if it is built a second time in a session.

- `pki`, `trust_anchor_files` and `softhsm` (session): built when first asked for.
- `eid_trust` (per test, not autouse): the portal trusts the test PKI's roots, refuses a card whose
  revocation list is missing, talks to SoftHSM2, and finds every CA's fresh CRL in the cache
  (deleted afterwards). The eID tests get it automatically (tests/identity/eid/conftest.py);
  others ask for it.
- `start_agent` (per test): starts the local signer for one card, answering the live server's
  pages, and points the pages at it (``EID_AGENT_URL``); stops it after the test.

SoftHSM2 plays the card reader; nothing in the PKCS#11 layer is mocked. `softhsm`:

1. gives the session its own SoftHSM2 configuration and token directory in a temporary directory
   (the system one belongs to root and group softhsm, and must not be touched by tests);
2. initialises tokens with ``softhsm2-util --init-token --free``: two cards labelled BELPIC (an
   RSA 2048 one and an EC P-384 one, like the two card generations) and one token labelled
   OTHER, which must be ignored;
3. points SOFTHSM2_CONF at that configuration and (re)initialises the module. SoftHSM reads its
   configuration only in C_Initialize, and python-pkcs11 keeps one initialised module per path
   for the whole process, so `identity.eid.pkcs11.reload_module` makes a module loaded earlier in
   the process see the new tokens;
4. imports each card's keys and certificates with python-pkcs11 ``create_object``, the
   attributes built by ``pkcs11.util`` helpers, labelled as on a real card. Private keys may
   only sign.

A second configuration, whose token directory holds no BELPIC token, serves the "no card" tests
(``softhsm_without_cards`` in tests/identity/eid/conftest.py switches to it and back).
"""

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import caches

import pkcs11  # noqa: TID251 - builds the card tokens; the portal's code goes through identity.eid.pkcs11
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, MechanismFlag  # noqa: TID251 - as above
from pkcs11.util.ec import decode_ec_private_key  # noqa: TID251 - as above
from pkcs11.util.rsa import decode_rsa_private_key  # noqa: TID251 - as above
from pkcs11.util.x509 import decode_x509_certificate  # noqa: TID251 - as above

from identity.eid import conf
from identity.eid.agent import AgentServer, build_agent_server
from identity.eid.certificates import crl_cache_key, crl_store_put
from identity.eid.pkcs11 import reload_module
from tests.identity.eid.pki import (
    PrivateKey,
    TestCard,
    TestPki,
    build_test_pki,
    der,
    private_key_der,
)

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SOFTHSM_UTIL = shutil.which("softhsm2-util")
SO_PIN = "87654321"
# Object ids as on the card: 2 for Authentication, 3 for Signature.
AUTHENTICATION_ID = b"\x02"
SIGNATURE_ID = b"\x03"

# The card exchange on the log-in and step-up pages (templates/identity/includes/eid_card.html).
EID_START_BUTTON = "Log in with your eID card"
EID_PIN_LABEL = "PIN code of your eID card"
EID_SUBMIT_BUTTON = "Sign with my card and log in"

_BUILT = pytest.StashKey[Path]()


@dataclass(frozen=True)
class SoftCard:
    """A SoftHSM token playing an eID card."""

    serial: str
    card: TestCard


@dataclass(frozen=True)
class SoftHsm:
    module: str
    conf: Path  # holds the two cards and the OTHER token
    empty_conf: Path  # holds no BELPIC token
    rsa: SoftCard
    ec: SoftCard

    def card(self, key_type: str) -> SoftCard:
        return {"rsa": self.rsa, "ec": self.ec}[key_type]


def sign_with_card(page, soft_card: SoftCard) -> None:
    """On a page with the card exchange (log-in or step-up, a signer started for the card): start
    it, give the card's PIN and sign. The page then moves on to its ``next`` address."""
    page.get_by_role("button", name=EID_START_BUTTON).click()
    page.get_by_label(EID_PIN_LABEL).fill(soft_card.card.pin)
    page.get_by_role("button", name=EID_SUBMIT_BUTTON).click()


# --- The test PKI and the portal's trust in it ---------------------------------------------------


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return build_test_pki()


@pytest.fixture(scope="session")
def trust_anchor_files(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    directory = tmp_path_factory.mktemp("eid-anchors")
    paths = []
    for name, content in pki.anchor_files.items():
        path = directory / name
        path.write_bytes(content)
        paths.append(str(path))
    return paths


@pytest.fixture
def eid_trust(settings, trust_anchor_files: list[str], pki: TestPki) -> Iterator[None]:
    """The portal trusts the test PKI and every CA's CRL is in the cache; tests that need one
    missing delete it."""
    settings.EID_TRUST_ANCHORS = trust_anchor_files
    settings.EID_CRL_MISSING_POLICY = "refuse"
    settings.EID_PKCS11_MODULE = SOFTHSM_MODULE
    for crl in pki.fresh_crls():
        crl_store_put(crl)
    yield
    caches[conf.crl_cache_alias()].delete_many([crl_cache_key(i.name) for i in pki.issuers])


# --- SoftHSM2 tokens playing the cards -----------------------------------------------------------


def _write_softhsm_conf(directory: Path) -> Path:
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    path = directory / "softhsm2.conf"
    path.write_text(
        f"directories.tokendir = {tokens}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = false\n"
    )
    return path


def _init_token(config: Path, label: str, pin: str) -> int:
    """Initialise the first free token; returns the slot id SoftHSM reassigns it to."""
    assert SOFTHSM_UTIL is not None
    completed = subprocess.run(  # noqa: S603 - fixed arguments, test-only tool
        [
            SOFTHSM_UTIL,
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            pin,
            "--so-pin",
            SO_PIN,
        ],
        env={**os.environ, "SOFTHSM2_CONF": str(config)},
        check=True,
        capture_output=True,
        text=True,
    )
    reassigned = re.search(r"reassigned to slot (\d+)", completed.stdout)
    assert reassigned, f"unexpected softhsm2-util output: {completed.stdout!r}"
    return int(reassigned.group(1))


def _private_key_attributes(key: PrivateKey) -> dict:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        attributes = decode_ec_private_key(private_key_der(key))
        attributes.update({Attribute.SIGN: True, Attribute.DERIVE: False})
    else:
        # Sign only: no decrypt, no unwrap, like the card's keys.
        attributes = decode_rsa_private_key(private_key_der(key), capabilities=MechanismFlag.SIGN)
    attributes.update(
        {
            Attribute.TOKEN: True,
            Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
        }
    )
    return attributes


def _import_card(token: pkcs11.Token, card: TestCard) -> None:
    objects = [
        (_private_key_attributes(card.authentication_key), "Authentication", AUTHENTICATION_ID),
        (_private_key_attributes(card.signature_key), "Signature", SIGNATURE_ID),
        (decode_x509_certificate(der(card.authentication)), "Authentication", AUTHENTICATION_ID),
        (decode_x509_certificate(der(card.signature)), "Signature", SIGNATURE_ID),
        (decode_x509_certificate(der(card.citizen_ca)), "CA", b"\x04"),
        (decode_x509_certificate(der(card.root)), "Root", b"\x06"),
    ]
    with token.open(rw=True, user_pin=card.pin) as session:
        for attributes, label, object_id in objects:
            attributes.update(
                {Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: object_id}
            )
            session.create_object(attributes)


@pytest.fixture(scope="session")
def softhsm(
    request: pytest.FixtureRequest, pki: TestPki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SoftHsm]:
    if not Path(SOFTHSM_MODULE).exists() or SOFTHSM_UTIL is None:
        pytest.fail("SoftHSM2 is needed for the eID tests: apt-get install softhsm2")
    if _BUILT in request.config.stash:
        pytest.fail(
            f"SoftHSM2 tokens were built already in this session ({request.config.stash[_BUILT]}):"
            " the eID fixtures are registered by tests/conftest.py only; do not import them again."
        )
    base = tmp_path_factory.mktemp("softhsm")
    request.config.stash[_BUILT] = base
    cards_conf = _write_softhsm_conf(base / "cards")
    empty_conf = _write_softhsm_conf(base / "empty")
    # Which card goes on which token is told by the slot id softhsm2-util reports: the slot order
    # says nothing (SoftHSM derives slot ids from random token serials).
    slot_of = {
        "rsa": _init_token(cards_conf, "BELPIC", pki.rsa_card.pin),
        "ec": _init_token(cards_conf, "BELPIC", pki.ec_card.pin),
    }
    _init_token(cards_conf, "OTHER", "0000")
    _init_token(empty_conf, "OTHER", "0000")

    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(cards_conf)
    reload_module(module_path=SOFTHSM_MODULE)
    try:
        library = pkcs11.lib(SOFTHSM_MODULE)
        tokens = {t.slot.slot_id: t for t in library.get_tokens(token_label="BELPIC")}
        assert sorted(tokens) == sorted(slot_of.values())
        soft_cards = {}
        for key_type, card in (("rsa", pki.rsa_card), ("ec", pki.ec_card)):
            token = tokens[slot_of[key_type]]
            _import_card(token, card)
            soft_cards[key_type] = SoftCard(serial=token.serial.decode().strip(), card=card)
        yield SoftHsm(
            module=SOFTHSM_MODULE,
            conf=cards_conf,
            empty_conf=empty_conf,
            rsa=soft_cards["rsa"],
            ec=soft_cards["ec"],
        )
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous
        # Leave the module finalised: whoever uses it next initialises it with their own
        # configuration (python-pkcs11 re-initialises a cached, finalised module on `lib()`).
        pkcs11.lib(SOFTHSM_MODULE).finalize()


# --- The local signer ----------------------------------------------------------------------------


@pytest.fixture
def start_agent(softhsm: SoftHsm, settings, live_server) -> Iterator[Callable[..., AgentServer]]:
    """Start the signer for one card (``card_serial``; None: whichever card is inserted) in a
    thread on 127.0.0.1, answering the live server's pages, and point the pages at it
    (``EID_AGENT_URL``); stop it after the test.

    The pages are served from http://localhost:<port> and call the signer at
    http://127.0.0.1:<port>: cross-origin requests, so the signer's CORS answers run for real.
    The live server runs in another thread of this process: it sees the settings changed here.
    """
    settings.EID_AGENT_ALLOWED_ORIGINS = [live_server.url]
    running: list[tuple[AgentServer, threading.Thread]] = []

    def start(card_serial: str | None) -> AgentServer:
        server = build_agent_server(port=0, module_path=softhsm.module, card_serial=card_serial)
        # A short poll interval: shutdown() waits for the next poll.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        thread.start()
        running.append((server, thread))
        settings.EID_AGENT_URL = server.url
        return server

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
