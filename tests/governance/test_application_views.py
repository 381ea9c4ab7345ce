"""The application pages: registering an application (the Operational Management Group's
secretary), recording the group's report, the lists and the link to the Management Committee's
decision form."""

from django.urls import reverse

import pytest

from csam.audit.models import AuditEvent
from governance.models import Application, Decision, Organisation
from identity.models import Person
from tests.factories.governance import ApplicationFactory, OrganisationFactory
from tests.factories.identity import PersonFactory
from tests.governance.conftest import actor

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "citizen", "omg_secretary", "mc_secretary", "staff"]
NEW_NUMBER = "85071400155"  # a valid national register number


def _client(client, client_at, gov, who, level="substantial"):
    if who == "anonymous":
        return client
    return client_at(getattr(gov, who), level)


def _expected(who, allowed):
    """Anonymous goes to the log-in page; only the group's secretary is allowed."""
    if who == "anonymous":
        return 302
    return allowed if who == "omg_secretary" else 403


def _submit_data(**overrides):
    data = {
        "target": "membership",
        "organisation": "",
        "new_code": "walloon-tax",
        "new_name_en": "Walloon Tax Office",
        "new_kind": "regional",
        "motivation": "We offer regional tax returns online.",
        "national_number": NEW_NUMBER,
        "given_names": "Walter",
        "surname": "Lemaire",
    }
    data.update(overrides)
    return data


# --- Permission matrices --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ACTORS)
def test_application_submit_page_matrix(client, client_at, gov, who):
    response = _client(client, client_at, gov, who).get(reverse("governance:application_submit"))
    assert response.status_code == _expected(who, 200)


@pytest.mark.parametrize("who", ACTORS)
def test_application_submit_post_matrix(client, client_at, gov, who):
    response = _client(client, client_at, gov, who).post(
        reverse("governance:application_submit"), _submit_data()
    )
    assert response.status_code == _expected(who, 302)
    assert Application.objects.count() == (1 if who == "omg_secretary" else 0)
    assert Organisation.objects.filter(code="walloon-tax").exists() is (who == "omg_secretary")


@pytest.mark.parametrize("who", ACTORS)
def test_application_report_page_matrix(client, client_at, gov, who):
    application = ApplicationFactory()
    response = _client(client, client_at, gov, who).get(
        reverse("governance:application_report", args=[application.pk])
    )
    assert response.status_code == _expected(who, 200)


@pytest.mark.parametrize("who", ACTORS)
def test_application_report_post_matrix(client, client_at, gov, who):
    application = ApplicationFactory()
    response = _client(client, client_at, gov, who).post(
        reverse("governance:application_report", args=[application.pk]),
        {"report": "Complies with the framework.", "confirm": "on"},
    )
    assert response.status_code == _expected(who, 302)
    application.refresh_from_db()
    assert application.status == ("reported" if who == "omg_secretary" else "submitted")


@pytest.mark.parametrize("who", ACTORS)
def test_application_list_and_detail_are_public(client, client_at, gov, who):
    application = ApplicationFactory(organisation__name_en="Walloon Tax Office")
    c = _client(client, client_at, gov, who)
    listing = c.get(reverse("governance:applications"))
    detail = c.get(reverse("governance:application", args=[application.pk]))
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "Walloon Tax Office" in listing.content.decode()
    assert application.motivation in detail.content.decode()


@pytest.mark.parametrize("who", ["citizen", "mc_secretary", "staff"])
def test_application_submit_denial_explains_who_may(client_at, gov, who):
    response = client_at(getattr(gov, who), "substantial").get(
        reverse("governance:application_submit")
    )
    assert response.status_code == 403
    assert (
        "Only the secretary of the Operational Management Group registers applications and "
        "their reports." in response.content.decode()
    )


def test_application_submit_page_steps_up_when_session_low(client_at, gov):
    response = client_at(gov.omg_secretary, "low").get(reverse("governance:application_submit"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/?level=substantial")


def test_pages_404_when_application_unknown(client, client_at, gov):
    assert client.get(reverse("governance:application", args=[999])).status_code == 404
    c = client_at(gov.omg_secretary, "substantial")
    assert c.get(reverse("governance:application_report", args=[999])).status_code == 404


# --- Registering an application -------------------------------------------------------------------


def test_application_submit_registers_new_organisation_as_non_member(client_at, gov):
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:application_submit"), _submit_data()
    )
    application = Application.objects.get()
    assert response["Location"] == reverse("governance:application", args=[application.pk])
    organisation = application.organisation
    assert (organisation.code, organisation.is_member, organisation.is_sponsor) == (
        "walloon-tax",
        False,
        False,
    )
    assert application.status == "submitted"
    assert str(application.representative) == "Walter Lemaire"
    assert application.representative.national_number == NEW_NUMBER
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"governance.organisation_registered", "governance.application_submitted"} <= actions


def test_application_submit_for_known_organisation_to_user_committee(client_at, gov):
    known = OrganisationFactory(code="city-of-ghent", is_member=False)
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:application_submit"),
        _submit_data(
            target="strategic_user_committee",
            organisation="city-of-ghent",
            new_code="",
            new_name_en="",
            new_kind="",
        ),
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.organisation, application.target) == (known, "strategic_user_committee")


def test_application_submit_page_preselects_target(client_at, gov):
    response = client_at(gov.omg_secretary, "substantial").get(
        reverse("governance:application_submit"), {"target": "strategic_user_committee"}
    )
    assert '<option value="strategic_user_committee" selected>' in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"organisation": "sponsor-0", "new_code": "", "new_name_en": "", "new_kind": ""},
            "This organisation is a member already.",
        ),
        (
            {"organisation": "sponsor-0"},
            "Choose an organisation in the list or enter a new one, not both.",
        ),
        ({"new_code": ""}, "Give the new organisation a code."),
        ({"new_name_en": ""}, "Give the new organisation&#x27;s name in English."),
        ({"new_kind": ""}, "Choose the kind of the new organisation."),
        (
            {"new_code": "sponsor-1"},
            "An organisation with this code is known already: choose it in the list instead.",
        ),
        ({"national_number": "12345678901"}, "national"),
        ({"motivation": " "}, "This field is required."),
    ],
)
def test_application_submit_refused_with_message(client_at, gov, overrides, message):
    before = (Organisation.objects.count(), Person.objects.count())
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:application_submit"), _submit_data(**overrides)
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in body
    assert message in body
    assert Application.objects.count() == 0
    assert (Organisation.objects.count(), Person.objects.count()) == before


def test_application_submit_refused_when_open_application_exists(client_at, gov):
    open_one = ApplicationFactory(organisation__code="flemish-roads")
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:application_submit"),
        _submit_data(organisation="flemish-roads", new_code="", new_name_en="", new_kind=""),
    )
    assert response.status_code == 400
    assert "This organisation has an open application for this already." in (
        response.content.decode()
    )
    assert list(Application.objects.all()) == [open_one]


def test_application_submit_refused_when_already_on_user_committee(client_at, gov):
    admitted = ApplicationFactory(target="strategic_user_committee", status="approved")
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:application_submit"),
        _submit_data(
            target="strategic_user_committee",
            organisation=admitted.organisation.code,
            new_code="",
            new_name_en="",
            new_kind="",
        ),
    )
    assert response.status_code == 400
    assert "This organisation sits on the Strategic User Committee already." in (
        response.content.decode()
    )


# --- Recording the report -------------------------------------------------------------------------


def test_application_report_recorded_and_audited(client_at, gov):
    application = ApplicationFactory()
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:application_report", args=[application.pk]),
        {"report": "Complies with the framework.", "confirm": "on"},
    )
    assert response["Location"] == reverse("governance:application", args=[application.pk])
    application.refresh_from_db()
    assert (application.status, application.report) == ("reported", "Complies with the framework.")
    assert application.reported_at is not None
    assert AuditEvent.objects.filter(action="governance.application_reported").count() == 1


def test_application_report_refused_without_confirmation(client_at, gov):
    application = ApplicationFactory()
    response = client_at(gov.omg_secretary, "substantial").post(
        reverse("governance:application_report", args=[application.pk]),
        {"report": "Complies."},
    )
    assert response.status_code == 400
    assert "Confirm the report before recording it." in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_application_report_refused_when_reported_already(client_at, gov):
    application = ApplicationFactory(reported=True)
    c = client_at(gov.omg_secretary, "substantial")
    page = c.get(reverse("governance:application_report", args=[application.pk]))
    assert "This application has been reported on already." in page.content.decode()
    assert "<textarea" not in page.content.decode()
    response = c.post(
        reverse("governance:application_report", args=[application.pk]),
        {"report": "A second report.", "confirm": "on"},
    )
    assert response.status_code == 400
    assert "This application has been reported on already." in response.content.decode()
    application.refresh_from_db()
    assert application.report == "Complies with the framework."


# --- What the detail page offers ------------------------------------------------------------------


def test_application_detail_offers_report_only_to_group_secretary(client, client_at, gov):
    application = ApplicationFactory()
    url = reverse("governance:application_report", args=[application.pk])
    detail = reverse("governance:application", args=[application.pk])
    assert url not in client.get(detail).content.decode()
    assert url in client_at(gov.omg_secretary, "substantial").get(detail).content.decode()


def test_application_detail_offers_committee_meetings_to_committee_secretary(
    client, client_at, gov, meeting
):
    application = ApplicationFactory(reported=True)
    detail = reverse("governance:application", args=[application.pk])
    link = (
        f"{reverse('governance:decision_record', args=[meeting.pk])}?application={application.pk}"
    )
    assert link not in client.get(detail).content.decode()
    assert link not in client_at(gov.omg_secretary, "high").get(detail).content.decode()
    assert link in client_at(gov.mc_secretary, "high").get(detail).content.decode()


def test_application_detail_offers_no_decision_before_the_report(client_at, gov, meeting):
    application = ApplicationFactory()
    body = (
        client_at(gov.mc_secretary, "high")
        .get(reverse("governance:application", args=[application.pk]))
        .content.decode()
    )
    assert reverse("governance:decision_record", args=[meeting.pk]) not in body


def test_decision_form_preselects_application_from_link(client_at, gov, meeting):
    application = ApplicationFactory(reported=True)
    response = client_at(gov.mc_secretary, "high").get(
        reverse("governance:decision_record", args=[meeting.pk]),
        {"application": application.pk},
    )
    body = response.content.decode()
    assert f'<option value="{application.pk}" selected>' in body
    assert '<option value="member_approval" selected>' in body


def test_decision_form_offers_decided_application_for_correction(client_at, gov, meeting):
    from governance.services import decision_record

    application = ApplicationFactory(reported=True)
    first = decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="member_approval",
        outcome="approved",
        votes_for=3,
        rationale="Meets the conditions.",
        application=application,
    )
    response = client_at(gov.mc_secretary, "high").post(
        reverse("governance:decision_record", args=[meeting.pk]),
        {
            "type": "member_approval",
            "outcome": "rejected",
            "votes_for": 0,
            "votes_against": 3,
            "votes_abstaining": 0,
            "rationale": "The earlier record was wrong.",
            "application": application.pk,
            "supersedes": first.pk,
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    correction = Decision.objects.get(supersedes=first)
    application.refresh_from_db()
    application.organisation.refresh_from_db()
    assert correction.outcome == "rejected"
    assert application.status == "rejected"
    assert not application.organisation.is_member


def test_application_detail_lists_decisions_and_decision_links_back(client, gov, meeting):
    from governance.services import decision_record

    application = ApplicationFactory(reported=True)
    decision = decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="member_approval",
        outcome="approved",
        votes_for=3,
        rationale="Meets the conditions.",
        application=application,
    )
    detail = client.get(reverse("governance:application", args=[application.pk])).content
    assert reverse("governance:decision", args=[decision.pk]) in detail.decode()
    assert ">approved<" in detail.decode()
    back = client.get(reverse("governance:decision", args=[decision.pk])).content.decode()
    assert reverse("governance:application", args=[application.pk]) in back


# --- The list -------------------------------------------------------------------------------------


def test_application_list_filters_by_target_and_status(client, gov):
    ApplicationFactory(organisation__name_en="Walloon Tax Office")
    ApplicationFactory(
        organisation__name_en="City of Ghent", target="strategic_user_committee", reported=True
    )
    body = client.get(
        reverse("governance:applications"), {"target": "strategic_user_committee"}
    ).content.decode()
    assert "City of Ghent" in body
    assert "Walloon Tax Office" not in body
    body = client.get(reverse("governance:applications"), {"status": "submitted"}).content.decode()
    assert "Walloon Tax Office" in body
    assert "City of Ghent" not in body


def test_application_list_refuses_unknown_filter_with_message(client, gov):
    response = client.get(reverse("governance:applications"), {"status": "lost"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_application_list_is_paginated_with_bounded_queries(
    client, gov, django_assert_max_num_queries
):
    for _ in range(30):
        ApplicationFactory(representative=PersonFactory())
    with django_assert_max_num_queries(12):
        first = client.get(reverse("governance:applications"))
    second = client.get(reverse("governance:applications"), {"page": 2})
    assert "30 applications" in first.content.decode()
    assert first.content.decode().count("/governance/applications/") - 1 >= 25
    assert second.status_code == 200
    assert 'aria-current="page"' in second.content.decode()


def test_application_list_offers_registering_only_to_group_secretary(client, client_at, gov):
    url = reverse("governance:application_submit")
    assert url not in client.get(reverse("governance:applications")).content.decode()
    staff_page = client_at(gov.staff, "substantial").get(reverse("governance:applications"))
    assert url not in staff_page.content.decode()
    omg_page = client_at(gov.omg_secretary, "substantial").get(reverse("governance:applications"))
    assert url in omg_page.content.decode()
