"""The Content-Security-Policy in a real browser: the pages work under it and break none of its
rules (the browser reports every refusal on the console)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _refusals(page) -> list[str]:
    """Collect the browser's reports of what the policy refused on this page."""
    refused: list[str] = []

    def record(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", record)
    return refused


def test_api_docs_render_under_the_policy(page):
    refused = _refusals(page)

    page.goto("/api/docs/")

    # Redoc has read the schema and drawn the operations.
    page.get_by_text("CSAM portal API").first.wait_for()
    page.locator("[data-section-id^='operation/']").first.wait_for()
    # Only Redoc's "powered by" logo from its vendor's site is refused, on purpose: the
    # documentation page calls no other site.
    assert [text for text in refused if "cdn.redoc.ly" not in text] == []


def test_log_in_page_and_its_eid_script_run_under_the_policy(page):
    refused = _refusals(page)

    page.goto("/accounts/login/")
    # The eID script runs (it shows its button) and asks the signer on this computer, which is
    # not running here: the answer is the script's own message, not a refusal by the policy.
    page.get_by_role("button", name="Log in with your eID card").click()
    page.get_by_role("alert").get_by_text("The CSAM eID signer is not running").wait_for()

    assert refused == []
