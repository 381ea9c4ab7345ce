"""The Management Committee's secretary logs in with password and one-time code, records a
meeting with its attendance, steps up to level high with the eID card and records the decision
that approves a new member; the new member's representative then registers a service in the
catalogue. axe-core checks the pages on the way.

The secretary holds the EC card of the shared eID fixtures (tests/eid_fixtures.py).
"""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from companies.models import Service
from governance.models import Decision
from tests.browser.conftest import assert_accessible
from tests.conftest import totp_code
from tests.eid_fixtures import sign_with_card
from tests.factories.companies import DomainFactory
from tests.factories.governance import (
    ApplicationFactory,
    BodyFactory,
    OrganisationFactory,
    SeatFactory,
)
from tests.factories.identity import PASSWORD, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, user, username: str) -> None:
    page.get_by_role("textbox", name="Username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("textbox", name="Code").fill(totp_code(user))
    page.get_by_role("button", name="Confirm").click()


def test_secretary_records_meeting_approving_member_who_then_registers_service(
    page, live_server, softhsm, eid_trust, start_agent
):
    committee = BodyFactory(code="mc", kind="management_committee", name_en="Management Committee")
    BodyFactory(code="omg", kind="operational_group", name_en="Operational Management Group")
    sponsors = [
        OrganisationFactory(code=f"sponsor-{n}", name_en=f"Sponsor {n}", is_sponsor=True)
        for n in range(3)
    ]
    for n, sponsor in enumerate(sponsors):
        SeatFactory(
            body=committee,
            organisation=sponsor,
            role="chair" if n == 0 else "member",
            person=PersonFactory(given_names=f"Official{n}", surname="Senior"),
        )
    card = softhsm.ec
    secretary = UserFactory(
        username="sophie", person=PersonFactory(national_number=card.card.national_number)
    )
    TOTPDevice.objects.create(user=secretary, name="app", confirmed=True)
    SeatFactory(body=committee, organisation=sponsors[1], person=secretary.person, role="secretary")
    representative = UserFactory(username="walter")
    TOTPDevice.objects.create(user=representative, name="app", confirmed=True)
    application = ApplicationFactory(
        reported=True,
        organisation__code="walloon-tax",
        organisation__name_en="Walloon Tax Office",
        representative=representative.person,
    )
    DomainFactory(code="tax", name_en="Taxes")
    start_agent(card.serial)

    # The secretary logs in ("substantial") and records the meeting and who attended.
    page.goto("/accounts/login/?next=/governance/bodies/mc/")
    _log_in(page, secretary, "sophie")
    expect(page.get_by_role("heading", name="Management Committee", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Record a meeting").click()
    page.get_by_role("textbox", name="Title").fill("Spring meeting")
    page.get_by_role("textbox", name="Agenda").fill("Opening\nNew member: Walloon Tax Office")
    for n in range(3):
        page.get_by_label(f"Official{n} Senior", exact=False).check()
    assert_accessible(page)
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_text("The meeting was recorded.")).to_be_visible()
    expect(page.get_by_test_id("quorum")).to_contain_text("reached")
    assert_accessible(page)

    # Recording a decision needs level "high": step up with the eID card first.
    page.get_by_role("link", name="Record a decision").click()
    expect(page.get_by_role("heading", name="Confirm your identity", level=1)).to_be_visible()
    sign_with_card(page, card)
    expect(page.get_by_role("heading", name="Record a decision", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Type of decision").select_option(label="approval of a new member")
    page.get_by_label("Outcome").select_option(label="approved")
    page.get_by_role("spinbutton", name="Votes for").fill("3")
    page.get_by_role("textbox", name="Rationale").fill("The report finds it complies.")
    page.get_by_label("Application decided on").select_option(str(application.pk))
    page.get_by_label("I confirm this decision was taken as entered").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(
        page.get_by_text("The decision “approval of a new member” was recorded.")
    ).to_be_visible()
    assert Decision.objects.get().outcome == "approved"

    # The public register shows who was approved when.
    page.get_by_role("link", name="Members", exact=True).click()
    expect(page.get_by_test_id("approvals")).to_contain_text("Walloon Tax Office")
    assert_accessible(page)
    page.get_by_role("button", name="Log out").click()

    # The new member's representative registers a service in the catalogue.
    page.goto("/accounts/login/?next=/governance/organisations/walloon-tax/services/new/")
    _log_in(page, representative, "walter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Walloon Tax Office")
    page.get_by_role("textbox", name="Code").fill("regional-tax")
    page.get_by_label("Domain").select_option(label="Taxes")
    page.get_by_role("textbox", name="Name (English)").fill("Regional tax returns")
    assert_accessible(page)
    page.get_by_role("button", name="Register the service").click()
    expect(
        page.get_by_text("The service “Regional tax returns” is now in the catalogue.")
    ).to_be_visible()
    assert Service.objects.get(code="regional-tax").owner.code == "walloon-tax"
