"""A mandate from one citizen to another, end to end in headless Chromium.

Citizen A logs in with password and one-time code (level substantial) and proposes a mandate to
citizen B through the wizard, naming B by national register number only. B logs in with the eID
card (an EC card on a SoftHSM2 token, through the local signer: the first eID log-in creates B's
account), accepts the mandate (level high), and acts for A. A, in a second browser context,
revokes it; B's next page says the mandate ended and B acts in their own name again. axe-core
checks the pages on the way.

The SoftHSM2 token is built for this module and the eID configuration restored afterwards (the
eID tests keep their own session-wide tokens in tests/identity/eid/conftest.py, whose fixtures
are not visible here); the token helpers come from there.
"""

import os
import re
import threading
from collections.abc import Callable, Iterator

from django.core.cache import caches

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from identity.eid import conf
from identity.eid.agent import AgentServer, build_agent_server
from identity.eid.certificates import crl_cache_key, crl_store_put
from identity.eid.pkcs11 import reload_module
from mandates.models import Mandate, MandateState
from tests.browser.conftest import assert_accessible
from tests.conftest import totp_code
from tests.factories.companies import DomainFactory, RoleFactory, ServiceFactory
from tests.factories.identity import PASSWORD, PersonFactory, UserFactory
from tests.identity.eid.conftest import (
    SOFTHSM_MODULE,
    SoftCard,
    _import_card,
    _init_token,
    _write_softhsm_conf,
)
from tests.identity.eid.pki import TestPki, build_test_pki

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START_BUTTON = "Log in with your eID card"
PIN_LABEL = "PIN code of your eID card"
SUBMIT_BUTTON = "Sign with my card and log in"


# --- The eID card, its PKI and the local signer ---------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return build_test_pki()


@pytest.fixture(scope="module")
def eid_card(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftCard]:
    """B's card: the test PKI's EC card on its own SoftHSM2 token. SOFTHSM2_CONF is restored
    (and the module reloaded) afterwards, so the eID tests find their own tokens again."""
    import pkcs11  # noqa: TID251 - builds a card token, as the eID tests' fixtures do

    config = _write_softhsm_conf(tmp_path_factory.mktemp("softhsm-mandates"))
    slot = _init_token(config, "BELPIC", pki.ec_card.pin)
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)
    reload_module(module_path=SOFTHSM_MODULE)
    try:
        token = next(
            t
            for t in pkcs11.lib(SOFTHSM_MODULE).get_tokens(token_label="BELPIC")
            if t.slot.slot_id == slot
        )
        _import_card(token, pki.ec_card)
        yield SoftCard(serial=token.serial.decode().strip(), card=pki.ec_card)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
            pkcs11.lib(SOFTHSM_MODULE).finalize()
        else:
            os.environ["SOFTHSM2_CONF"] = previous
            reload_module(module_path=SOFTHSM_MODULE)


@pytest.fixture
def eid_trust(pki: TestPki, settings, tmp_path) -> Iterator[None]:
    """The portal trusts the test PKI's roots, and every CA's revocation list is at hand."""
    anchors = []
    for name, content in pki.anchor_files.items():
        path = tmp_path / name
        path.write_bytes(content)
        anchors.append(str(path))
    settings.EID_TRUST_ANCHORS = anchors
    settings.EID_CRL_MISSING_POLICY = "refuse"
    settings.EID_PKCS11_MODULE = SOFTHSM_MODULE
    for crl in pki.fresh_crls():
        crl_store_put(crl)
    yield
    caches[conf.crl_cache_alias()].delete_many([crl_cache_key(i.name) for i in pki.issuers])


@pytest.fixture
def start_agent(settings, live_server) -> Iterator[Callable[..., AgentServer]]:
    """Start the signer for one card, answering the live server's pages (as in
    tests/identity/eid/test_browser_login.py); stop it after the test."""
    settings.EID_AGENT_ALLOWED_ORIGINS = [live_server.url]
    running: list[tuple[AgentServer, threading.Thread]] = []

    def start(card_serial: str) -> AgentServer:
        server = build_agent_server(port=0, module_path=SOFTHSM_MODULE, card_serial=card_serial)
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


# --- The journey ---------------------------------------------------------------------------------


def _log_in_with_password_and_code(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("textbox", name="Code").fill(totp_code(user))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _log_in_with_card(page, live_server, card: SoftCard) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("button", name=START_BUTTON).click()
    page.get_by_label(PIN_LABEL).fill(card.card.pin)
    page.get_by_role("button", name=SUBMIT_BUTTON).click()
    page.wait_for_url(f"{live_server.url}/")


def test_citizen_gives_mandate_by_number_holder_accepts_with_card_acts_then_loses_it(
    page, browser, live_server, eid_card, eid_trust, start_agent
):
    # Given: citizen A with a password and an authenticator app; B only has an eID card (no
    # account yet); one role in the catalogue.
    a = UserFactory(username="astrid", person=PersonFactory(given_names="Astrid", surname="Claes"))
    TOTPDevice.objects.create(user=a, name="app", confirmed=True)
    finance = DomainFactory(code="finance", name_en="Finance")
    vat = ServiceFactory(code="vat", name_en="VAT", domain=finance)
    RoleFactory(service=vat, code="declarant", name_en="Declarant", for_clients_allowed=True)
    holder = eid_card.card
    b_name = f"{holder.given_names} {holder.surname}"
    start_agent(eid_card.serial)

    # A proposes, through the wizard, a mandate to B's national register number.
    _log_in_with_password_and_code(page, a)
    page.get_by_role("link", name="My mandates").click()
    expect(page.get_by_role("heading", name="My mandates", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Give a mandate").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()  # nothing typed yet
    expect(page.get_by_test_id("error-summary")).to_contain_text(
        "Enter the number of the person or the company."
    )
    assert_accessible(page)  # with the error summary
    page.get_by_label("A person").check()
    n = holder.national_number
    page.get_by_label("National register number or enterprise number").fill(
        f"{n[0:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:11]}"
    )
    page.get_by_role("button", name="Continue").click()

    other = page.get_by_test_id("other-party")
    expect(other).to_contain_text("shown by number only")
    expect(other).to_contain_text(f"{n[0:2]}.{n[2:4]}.{n[4:6]}-***.**")
    assert n not in page.content()
    assert_accessible(page)
    page.get_by_label("VAT: Declarant").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_test_id("review")).to_contain_text("VAT: Declarant")
    assert_accessible(page)
    page.get_by_role("button", name="Send the proposal").click()
    expect(page.get_by_text("The proposal is sent.")).to_be_visible()
    expect(page.get_by_test_id("mandate-state")).to_have_text("proposed")
    assert_accessible(page)
    mandate = Mandate.objects.get()
    assert mandate.mandatary_person.national_number == holder.national_number

    # B logs in with the eID card (level high), finds the proposal and accepts it.
    context_b = browser.new_context(base_url=live_server.url, locale="en-GB")
    page_b = context_b.new_page()
    page_b.set_default_timeout(10_000)
    try:
        _log_in_with_card(page_b, live_server, eid_card)
        page_b.get_by_role("link", name="My mandates").click()
        page_b.get_by_role("link", name=re.compile("Awaiting my decision")).click()
        expect(page_b.get_by_test_id("awaiting-count")).to_have_text("1")
        assert_accessible(page_b)
        page_b.get_by_role("link", name=f"Mandate {mandate.pk}").click()
        expect(page_b.get_by_test_id("mandate-facts")).to_contain_text("Astrid Claes")
        page_b.get_by_role("link", name="Accept").click()
        assert_accessible(page_b)
        page_b.get_by_role("button", name="Yes, accept the mandate").click()
        expect(page_b.get_by_text("The mandate is accepted.")).to_be_visible()
        expect(page_b.get_by_test_id("mandate-state")).to_have_text("accepted")
        mandate.refresh_from_db()
        assert mandate.state == MandateState.ACCEPTED
        assert mandate.mandatary_person.full_name == b_name  # filled in by the eID log-in

        # B chooses to act for A.
        page_b.get_by_role("link", name="Switch", exact=True).click()
        page_b.get_by_label(re.compile("Astrid Claes")).check()
        page_b.get_by_role("button", name="Continue").click()
        expect(page_b.get_by_test_id("acting-label")).to_contain_text("Astrid Claes")

        # A revokes it, after confirming.
        page.reload()
        page.get_by_role("link", name="Revoke").click()
        expect(page.get_by_role("heading", name="Revoke this mandate")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Yes, revoke the mandate").click()
        expect(page.get_by_text("The mandate is revoked.")).to_be_visible()
        expect(page.get_by_test_id("mandate-state")).to_have_text("revoked")

        # B's next page: back to their own name, told why, and A is no longer offered.
        page_b.reload()
        expect(page_b.get_by_test_id("acting-label")).to_have_text("yourself")
        expect(page_b.get_by_text("You can no longer act under that mandate.")).to_be_visible()
        page_b.get_by_role("link", name="Switch", exact=True).click()
        expect(page_b.get_by_label(re.compile("Astrid Claes"))).to_have_count(0)
    finally:
        context_b.close()
