"""Fixtures for the eID tests. The test PKI, the SoftHSM2 cards (`softhsm`), the portal's trust in
the PKI (`eid_trust`) and the local signer (`start_agent`) are shared with the whole suite: they
live in tests/eid_fixtures.py and are registered by tests/conftest.py (read there why they must
not be imported here). Every test in this folder trusts the test PKI and finds fresh CRLs
automatically (`eid_settings`, `fresh_crls`).
"""

import os
from collections.abc import Iterator

import pytest

from identity.eid.pkcs11 import reload_module
from tests.eid_fixtures import SoftHsm
from tests.identity.eid.pki import TestPki, pem


@pytest.fixture(autouse=True)
def eid_settings(eid_trust: None) -> None:
    """The portal trusts the test PKI's roots, refuses a card whose CRL is missing, and talks to
    SoftHSM2 (`eid_trust`)."""


@pytest.fixture(autouse=True)
def fresh_crls(eid_settings: None) -> None:
    """Every CA's CRL is in the cache (put there by `eid_trust`, deleted after the test); tests
    that need one missing delete it."""


@pytest.fixture(scope="session")
def misconfigured_anchor_file(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The EC anchors plus the sub-CA that breaks the Citizen CA's path length."""
    assert pki.sub_ca is not None
    path = tmp_path_factory.mktemp("eid-anchors-bad") / "with-sub-ca.pem"
    path.write_bytes(pki.anchor_files["belgium-ec.pem"] + pem(pki.sub_ca.certificate))
    return str(path)


@pytest.fixture
def softhsm_without_cards(softhsm: SoftHsm) -> Iterator[str]:
    """Switch the module to a configuration without BELPIC token; switch back afterwards."""
    os.environ["SOFTHSM2_CONF"] = str(softhsm.empty_conf)
    reload_module(module_path=softhsm.module)
    try:
        yield softhsm.module
    finally:
        os.environ["SOFTHSM2_CONF"] = str(softhsm.conf)
        reload_module(module_path=softhsm.module)
