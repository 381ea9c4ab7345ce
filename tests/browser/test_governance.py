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
from governance.models import Application, Decision, StrategicPlanVersion
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


def test_group_secretary_registers_application_reports_and_drafts_plan(page, live_server):
    """The Operational Management Group's secretary (level "substantial") registers an
    application for a new organisation, records the group's report after confirming it, and
    drafts a strategic plan with a second version, all reached from the governance navigation."""
    BodyFactory(code="mc", kind="management_committee", name_en="Management Committee")
    group = BodyFactory(
        code="omg", kind="operational_group", name_en="Operational Management Group"
    )
    sponsor = OrganisationFactory(code="sponsor-0", name_en="Sponsor 0", is_sponsor=True)
    secretary = UserFactory(username="alice")
    TOTPDevice.objects.create(user=secretary, name="app", confirmed=True)
    SeatFactory(body=group, organisation=sponsor, person=secretary.person, role="secretary")

    page.goto("/accounts/login/?next=/governance/applications/")
    _log_in(page, secretary, "alice")
    expect(page.get_by_role("heading", name="Applications", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Register a membership application").click()
    page.get_by_role("textbox", name="Code of the new organisation").fill("walloon-tax")
    page.get_by_role("textbox", name="Name of the new organisation (English)").fill(
        "Walloon Tax Office"
    )
    page.get_by_label("Kind of the new organisation").select_option(label="regional")
    page.get_by_role("textbox", name="Motivation").fill("Regional tax returns online.")
    page.get_by_role("textbox", name="National register number of the representative").fill(
        "85071400155"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Register the application").click()
    expect(
        page.get_by_text("The application of Walloon Tax Office was registered.")
    ).to_be_visible()
    expect(page.get_by_test_id("application-status")).to_have_text("submitted")
    assert_accessible(page)

    # The report is recorded only once confirmed.
    page.get_by_role("link", name="Record the report").click()
    page.get_by_role("textbox", name="Report of the Operational Management Group").fill(
        "Complies with the framework."
    )
    page.get_by_role("button", name="Record the report").click()
    expect(page.get_by_text("Confirm the report before recording it.").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("I confirm this is the report").check()
    page.get_by_role("button", name="Record the report").click()
    expect(page.get_by_test_id("application-status")).to_have_text("reported on")
    assert Application.objects.get().status == "reported"

    # The group drafts a strategic plan, then a second version; both are kept.
    page.get_by_role("link", name="Strategic plans").click()
    page.get_by_role("link", name="Draft a plan for Operational Management Group").click()
    page.get_by_role("textbox", name="Title").fill("Digital identity 2030")
    page.get_by_role("textbox", name="Text of the first version").fill("Phase one.")
    assert_accessible(page)
    page.get_by_role("button", name="Save version 1").click()
    expect(page.get_by_role("heading", name="Digital identity 2030", level=1)).to_be_visible()
    page.get_by_role("link", name="Add a version").click()
    page.get_by_role("textbox", name="Text of the new version").fill("Phase one, then two.")
    page.get_by_role("button", name="Save the new version").click()
    expect(page.get_by_text("Version 2 of the plan was added.")).to_be_visible()
    expect(page.get_by_test_id("plan-versions")).to_contain_text("version 1")
    expect(page.get_by_test_id("plan-approval")).to_have_text("none yet")
    assert_accessible(page)
    assert list(StrategicPlanVersion.objects.values_list("number", flat=True)) == [1, 2]
