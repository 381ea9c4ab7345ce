"""A citizen logs in with the eID card in headless Chromium: the page, the local signer and the
portal, all real. The signer runs in a thread on 127.0.0.1 with a SoftHSM2 card (`start_agent`
and `softhsm`, in tests/eid_fixtures.py); the live server runs in another thread of this process,
so it shares the local-memory cache that holds the test CRLs (fixture ``fresh_crls``) and the
settings changed here.

The page is served from http://localhost:<port> and calls the signer at http://127.0.0.1:<port>:
a cross-origin request, so the signer's CORS answers are exercised for real.
"""

import json
import socket

from django.core.cache import caches

import pytest
from playwright.sync_api import expect

from identity.eid import conf
from identity.eid.exceptions import RevocationUnknown
from identity.models import Person

# The `browser` and `page` fixtures come from tests/conftest.py (see tests/browser/fixtures.py).
from tests.browser.conftest import assert_accessible
from tests.eid_fixtures import EID_PIN_LABEL, EID_START_BUTTON, EID_SUBMIT_BUTTON, sign_with_card
from tests.factories.identity import PASSWORD, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _portal_posts(page, live_server) -> list[dict]:
    """Collect the JSON bodies the page posts to the portal (not to the signer)."""
    bodies: list[dict] = []

    def record(request) -> None:
        if request.url.startswith(live_server.url) and request.method == "POST":
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", record)
    return bodies


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_citizen_logs_in_at_level_high_when_card_and_pin_right(
    page, live_server, softhsm, start_agent, key_type
):
    soft_card = softhsm.card(key_type)
    start_agent(soft_card.serial)
    portal_posts = _portal_posts(page, live_server)

    page.goto("/accounts/login/")
    page.get_by_role("button", name=EID_START_BUTTON).click()
    pin = page.get_by_label(EID_PIN_LABEL)
    expect(pin).to_be_focused()
    expect(page.get_by_role("status")).to_have_text("Your card is ready. Enter its PIN code.")
    assert_accessible(page)  # with the eID section expanded
    pin.fill(soft_card.card.pin)
    page.get_by_role("button", name=EID_SUBMIT_BUTTON).click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/accounts/profile/")
    assert page.get_by_test_id("assurance-level").inner_text() == "high"
    full_name = f"{soft_card.card.given_names} {soft_card.card.surname}"
    expect(page.get_by_role("definition").filter(has_text=full_name)).to_be_visible()
    person = Person.objects.get(national_number=soft_card.card.national_number)
    assert person.full_name == full_name
    # The PIN went to the signer only: the portal saw a challenge request and the signature.
    assert [sorted(body) for body in portal_posts] == [
        [],
        ["certificate", "challenge", "signature"],
    ]
    assert not any(soft_card.card.pin in body.values() for body in portal_posts)


def test_login_page_says_the_signer_is_not_running_when_nothing_listens(
    page, live_server, settings
):
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    settings.EID_AGENT_URL = f"http://127.0.0.1:{free_port}"

    page.goto("/accounts/login/")
    page.get_by_role("button", name=EID_START_BUTTON).click()

    expect(page.get_by_role("alert").filter(has_text="not running")).to_have_text(
        "The CSAM eID signer is not running on this computer. Start it, then try again."
    )
    expect(page.get_by_label(EID_PIN_LABEL)).to_be_hidden()


def test_login_page_asks_for_the_card_when_none_inserted(page, softhsm_without_cards, start_agent):
    start_agent(card_serial=None)

    page.goto("/accounts/login/")
    page.get_by_role("button", name=EID_START_BUTTON).click()

    expect(page.get_by_role("alert").filter(has_text="No eID card")).to_be_visible()
    expect(page.get_by_label(EID_PIN_LABEL)).to_be_hidden()


def test_login_page_shows_the_cards_warning_and_refocuses_the_pin_when_pin_wrong(
    page, live_server, softhsm, start_agent
):
    start_agent(softhsm.ec.serial)

    page.goto("/accounts/login/")
    page.get_by_role("button", name=EID_START_BUTTON).click()
    page.get_by_label(EID_PIN_LABEL).fill("918273")
    page.get_by_role("button", name=EID_SUBMIT_BUTTON).click()

    expect(page.get_by_role("alert").filter(has_text="The PIN code is wrong.")).to_be_visible()
    pin = page.get_by_label(EID_PIN_LABEL)
    expect(pin).to_be_focused()
    expect(pin).to_have_attribute("aria-invalid", "true")
    expect(pin).to_have_value("")
    assert page.url == f"{live_server.url}/accounts/login/"


def test_login_page_shows_the_portals_refusal_when_revocation_cannot_be_checked(
    page, live_server, softhsm, start_agent
):
    start_agent(softhsm.ec.serial)
    # No revocation list at hand and the policy says refuse: the portal answers 401 with why.
    caches[conf.crl_cache_alias()].clear()

    page.goto("/accounts/login/")
    sign_with_card(page, softhsm.ec)

    expect(page.get_by_role("alert").filter(has_text="still valid")).to_have_text(
        str(RevocationUnknown.default_message)
    )
    assert page.url == f"{live_server.url}/accounts/login/"


def test_citizen_steps_up_to_high_with_card_after_password_login(
    page, live_server, softhsm, start_agent
):
    soft_card = softhsm.card("rsa")
    person = PersonFactory(national_number=soft_card.card.national_number)
    UserFactory(username="stepper", person=person)
    start_agent(soft_card.serial)

    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Username").fill("stepper")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto("/accounts/step-up/?level=high&next=/accounts/profile/")
    assert_accessible(page)
    sign_with_card(page, soft_card)

    expect(page).to_have_url(f"{live_server.url}/accounts/profile/")
    expect(page.get_by_test_id("assurance-level")).to_have_text("high")
