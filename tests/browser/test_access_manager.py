"""A main access manager logs in, acts for the company, grants a role to a new collaborator, sees
it in the access matrix, revokes it after confirming, and sees it gone; axe-core checks the
pages on the way."""

from importlib import import_module

from django.conf import settings
from django.utils import timezone

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from companies.models import AccessManagerKind
from identity.assurance import SESSION_KEY, Assurance, AssuranceLevel, Means
from tests.browser.conftest import assert_accessible
from tests.companies.conftest import designate
from tests.conftest import totp_code
from tests.factories.companies import CompanyFactory, DomainFactory, RoleFactory, ServiceFactory
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEWCOMER = "85.07.14-124.29"


def raise_session_to_high(page) -> None:
    """Stands in for the eID step-up (tested in tests/identity/eid): write level "high" into the
    live server's session, as a successful eID log-in would."""
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    store[SESSION_KEY] = Assurance(
        level=AssuranceLevel.HIGH, means=(Means.EID,), at=timezone.now()
    ).to_session()
    store.save()


def test_access_manager_grants_role_sees_it_in_matrix_and_revokes_it(page):
    company = CompanyFactory(name="Brasserie Lambic")
    finance = DomainFactory(code="finance", name_en="Finance")
    RoleFactory(
        service=ServiceFactory(code="vat", name_en="VAT declarations", domain=finance),
        code="declarant",
        name_en="Declarant",
    )
    manager = UserFactory(username="manon")
    TOTPDevice.objects.create(user=manager, name="app", confirmed=True)
    designate(manager, company, AccessManagerKind.MAIN)

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

    raise_session_to_high(page)
    page.get_by_role("link", name="Grant a role", exact=True).click()
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
