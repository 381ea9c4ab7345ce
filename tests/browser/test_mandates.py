"""A mandate from one citizen to another, end to end in headless Chromium.

Citizen A logs in with password and one-time code (level substantial) and proposes a mandate to
citizen B through the wizard, naming B by national register number only. B logs in with the eID
card (an EC card on a SoftHSM2 token, through the local signer: the first eID log-in creates B's
account), accepts the mandate (level high), and acts for A. A, in a second browser context,
revokes it; B's next page says the mandate ended and B acts in their own name again. axe-core
checks the pages on the way.

The card, the portal's trust in its PKI and the signer are the suite's shared eID fixtures
(`softhsm`, `eid_trust`, `start_agent`: tests/eid_fixtures.py).
"""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from mandates.models import Mandate, MandateState
from tests.browser.conftest import assert_accessible
from tests.conftest import totp_code
from tests.eid_fixtures import SoftCard, sign_with_card
from tests.factories.companies import DomainFactory, RoleFactory, ServiceFactory
from tests.factories.identity import PASSWORD, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in_with_password_and_code(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("textbox", name="Code").fill(totp_code(user))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _log_in_with_card(page, live_server, soft_card: SoftCard) -> None:
    page.goto("/accounts/login/")
    sign_with_card(page, soft_card)
    page.wait_for_url(f"{live_server.url}/")


def test_citizen_gives_mandate_by_number_holder_accepts_with_card_acts_then_loses_it(
    page, browser, live_server, softhsm, eid_trust, start_agent
):
    # Given: citizen A with a password and an authenticator app; B only has an eID card (no
    # account yet); one role in the catalogue.
    a = UserFactory(username="astrid", person=PersonFactory(given_names="Astrid", surname="Claes"))
    TOTPDevice.objects.create(user=a, name="app", confirmed=True)
    finance = DomainFactory(code="finance", name_en="Finance")
    vat = ServiceFactory(code="vat", name_en="VAT", domain=finance)
    RoleFactory(service=vat, code="declarant", name_en="Declarant", for_clients_allowed=True)
    b_card = softhsm.ec
    holder = b_card.card
    b_name = f"{holder.given_names} {holder.surname}"
    start_agent(b_card.serial)

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
        _log_in_with_card(page_b, live_server, b_card)
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
