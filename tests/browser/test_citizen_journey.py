"""A citizen logs in with password and one-time code, switches language, acts for their
company, and logs out; axe-core checks the pages on the way."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import assert_accessible
from tests.conftest import totp_code
from tests.factories.companies import GrantFactory
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_logs_in_with_code_switches_language_acts_for_company_logs_out(page, company_a):
    user = UserFactory(username="alice")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    GrantFactory(company=company_a, person=user.person)

    page.goto("/")
    assert_accessible(page)

    page.get_by_role("link", name="Log in").first.click()
    assert_accessible(page)
    page.get_by_role("textbox", name="Username").fill("alice")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()

    # Password alone is "low": the portal asks for the code next.
    page.get_by_role("textbox", name="Code").fill(totp_code(user))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="My identity", exact=True).click()
    assert page.get_by_test_id("assurance-level").inner_text() == "substantial"

    # Switch to French: the page and the header follow.
    page.get_by_role("button", name="FR — Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_test_id("assurance-level").inner_text() == "substantiel"
    page.get_by_role("button", name="EN — English").click()

    # Choose to act for the company.
    page.get_by_role("link", name="Switch", exact=True).click()
    assert_accessible(page)
    page.get_by_label(company_a.name).check()
    page.get_by_role("button", name="Continue").click()
    assert company_a.name in page.get_by_test_id("acting-label").inner_text()

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("link", name="Log in").first.is_visible()
    assert page.get_by_text("You have been logged out.").is_visible()


def test_accessibility_check_reports_serious_violations(page):
    # The check must be able to fail: an image without text and a page without a language.
    page.set_content("<html><body><img src='x.png'><main></main></body></html>")
    from tests.browser.conftest import axe_serious_violations

    ids = {v["id"] for v in axe_serious_violations(page)}
    assert {"image-alt", "html-has-lang"} <= ids
