"""A main access manager logs in with password and one-time code, acts for the company, steps up
to level high with the eID card to grant a role to a new collaborator, sees it in the access
matrix, revokes it after confirming, and sees it gone; axe-core checks the pages on the way.

The manager holds the EC card of the shared eID fixtures (tests/eid_fixtures.py): a SoftHSM2
token, signed through the local signer, checked by the live server against the test PKI.
"""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from companies.models import AccessManagerKind
from tests.browser.conftest import assert_accessible
from tests.companies.conftest import designate
from tests.conftest import totp_code
from tests.eid_fixtures import sign_with_card
from tests.factories.companies import CompanyFactory, DomainFactory, RoleFactory, ServiceFactory
from tests.factories.identity import PASSWORD, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEWCOMER = "85.07.14-124.29"


def test_access_manager_grants_role_sees_it_in_matrix_and_revokes_it(
    page, live_server, softhsm, eid_trust, start_agent
):
    company = CompanyFactory(name="Brasserie Lambic")
    finance = DomainFactory(code="finance", name_en="Finance")
    RoleFactory(
        service=ServiceFactory(code="vat", name_en="VAT declarations", domain=finance),
        code="declarant",
        name_en="Declarant",
    )
    card = softhsm.ec
    manager = UserFactory(
        username="manon", person=PersonFactory(national_number=card.card.national_number)
    )
    TOTPDevice.objects.create(user=manager, name="app", confirmed=True)
    designate(manager, company, AccessManagerKind.MAIN)
    start_agent(card.serial)

    # Log in with password and code ("substantial"), then choose to act for the company.
    page.goto("/accounts/login/?next=/company/")
    page.get_by_role("textbox", name="Username").fill("manon")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("textbox", name="Code").fill(totp_code(manager))
    page.get_by_role("button", name="Confirm").click()
    # Not acting for a company yet: the company pages send the user to choose first.
    page.get_by_label("Brasserie Lambic").check()
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Brasserie Lambic")
    assert_accessible(page)

    page.get_by_role("link", name="Collaborators", exact=True).click()
    assert_accessible(page)

    # Granting needs level "high": the grant page sends the manager to step up with the card
    # first, then back.
    page.get_by_role("link", name="Grant a role", exact=True).click()
    expect(page.get_by_role("heading", name="Confirm your identity", level=1)).to_be_visible()
    assert page.url.startswith(f"{live_server.url}/accounts/step-up/?level=high&")
    assert_accessible(page)
    sign_with_card(page, card)
    expect(page.get_by_role("textbox", name="National register number")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("textbox", name="National register number").fill(NEWCOMER)
    page.get_by_label("Role").select_option(label="Declarant (declarant)")
    page.get_by_role("button", name="Grant the role").click()
    assert page.get_by_text("now holds the role “Declarant” of VAT declarations").is_visible()

    page.get_by_role("navigation", name="Company access management").get_by_role(
        "link", name="Access matrix"
    ).click()
    matrix = page.get_by_test_id("access-matrix")
    assert "VAT declarations" in matrix.locator("thead").inner_text()
    assert "Declarant" in matrix.locator("tbody").inner_text()
    assert_accessible(page)

    # Revoke, from the collaborator's page, after confirming.
    matrix.locator("tbody").get_by_role("link").first.click()
    page.get_by_role("link", name="Revoke VAT declarations: Declarant").click()
    assert "Declarant" in page.get_by_test_id("grant-to-revoke").inner_text()
    page.get_by_role("button", name="Yes, revoke this role").click()
    assert page.get_by_text("was revoked from").is_visible()

    page.get_by_role("navigation", name="Company access management").get_by_role(
        "link", name="Access matrix"
    ).click()
    assert page.get_by_test_id("access-matrix").count() == 0
    assert page.get_by_text("No collaborator matches.").is_visible()
