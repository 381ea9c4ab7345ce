import datetime as dt

from django.urls import reverse
from django.utils import timezone

import pytest

from companies.models import Service
from governance.models import Decision, Meeting
from tests.factories.companies import DomainFactory
from tests.factories.governance import ApplicationFactory
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def _client(client_at, gov, who, level):
    if who == "anonymous":
        return None
    return client_at(getattr(gov, who), level)


# --- Permission matrix over the recording pages --------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("mc_secretary", 200), ("omg_secretary", 403), ("member", 403), ("anonymous", 302)],
)
def test_meeting_record_page_matrix(client, client_at, gov, who, expected):
    c = _client(client_at, gov, who, "substantial") or client
    response = c.get(reverse("governance:meeting_record", args=["mc"]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("mc_secretary", 302), ("omg_secretary", 403), ("member", 403), ("anonymous", 302)],
)
def test_meeting_record_post_matrix(client, client_at, gov, who, expected):
    c = _client(client_at, gov, who, "substantial") or client
    response = c.post(
        reverse("governance:meeting_record", args=["mc"]),
        {"date": YESTERDAY.isoformat(), "title": "Spring", "agenda": "Opening"},
    )
    assert response.status_code == expected
    assert Meeting.objects.count() == (1 if who == "mc_secretary" else 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("mc_secretary", 302), ("omg_secretary", 403), ("member", 403), ("anonymous", 302)],
)
def test_decision_record_post_matrix(client, client_at, gov, meeting, who, expected):
    application = ApplicationFactory(reported=True)
    c = _client(client_at, gov, who, "high") or client
    response = c.post(
        reverse("governance:decision_record", args=[meeting.pk]),
        {
            "type": "member_approval",
            "outcome": "approved",
            "votes_for": 3,
            "votes_against": 0,
            "votes_abstaining": 0,
            "rationale": "Meets the conditions.",
            "application": application.pk,
            "confirm": "on",
        },
    )
    assert response.status_code == expected
    assert Decision.objects.count() == (1 if who == "mc_secretary" else 0)


def test_decision_record_page_steps_up_when_session_substantial(client_at, gov, meeting):
    response = client_at(gov.mc_secretary, "substantial").get(
        reverse("governance:decision_record", args=[meeting.pk])
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/?level=high")


def test_decision_record_refused_without_confirmation_and_nothing_changes(client_at, gov, meeting):
    application = ApplicationFactory(reported=True)
    response = client_at(gov.mc_secretary, "high").post(
        reverse("governance:decision_record", args=[meeting.pk]),
        {
            "type": "member_approval",
            "outcome": "approved",
            "votes_for": 3,
            "votes_against": 0,
            "votes_abstaining": 0,
            "rationale": "x",
            "application": application.pk,
        },
    )
    assert response.status_code == 400
    assert "Confirm the decision before recording it." in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert Decision.objects.count() == 0


def test_decision_record_shows_service_error_when_no_quorum(client_at, gov):
    meeting = gov.meeting(gov.mc, present=0)
    response = client_at(gov.mc_secretary, "high").post(
        reverse("governance:decision_record", args=[meeting.pk]),
        {
            "type": "other",
            "outcome": "deferred",
            "votes_for": 0,
            "votes_against": 0,
            "votes_abstaining": 0,
            "rationale": "x",
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    assert "The meeting did not have quorum" in response.content.decode()
    assert Decision.objects.count() == 0


def test_meeting_record_refused_when_date_in_future(client_at, gov):
    response = client_at(gov.mc_secretary, "substantial").post(
        reverse("governance:meeting_record", args=["mc"]),
        {"date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "title": "Later"},
    )
    assert response.status_code == 400
    assert "A meeting is recorded after it took place, not before." in response.content.decode()
    assert Meeting.objects.count() == 0


def test_pages_404_when_unknown(client, client_at, gov):
    assert client.get(reverse("governance:body", args=["nope"])).status_code == 404
    assert client.get(reverse("governance:meeting", args=[999])).status_code == 404
    c = client_at(gov.mc_secretary, "high")
    assert c.get(reverse("governance:decision_record", args=[999])).status_code == 404


# --- Public register and minutes ------------------------------------------------------------------


def _decisions(gov, meeting):
    from governance.services import decision_record
    from tests.governance.conftest import actor

    approved = decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="member_approval",
        outcome="approved",
        votes_for=3,
        rationale="Meets the conditions.",
        application=ApplicationFactory(reported=True, organisation__name_en="Walloon Tax Office"),
    )
    other = decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="legal_compliance",
        outcome="deferred",
        rationale="Waiting for the GDPR audit.",
    )
    return approved, other


def test_register_is_public_and_filters_by_type(client, gov, meeting):
    approved, other = _decisions(gov, meeting)
    response = client.get(reverse("governance:register"), {"type": "member_approval"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Walloon Tax Office" in body
    assert reverse("governance:decision", args=[approved.pk]) in body
    assert reverse("governance:decision", args=[other.pk]) not in body
    assert "1 decision" in body


def test_register_refuses_bad_filter_with_message(client, gov):
    response = client.get(
        reverse("governance:register"), {"date_from": "2025-05-01", "date_until": "2025-01-01"}
    )
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.content.decode()


def test_members_page_lists_who_was_approved_when(client, gov, meeting):
    _decisions(gov, meeting)
    body = client.get(reverse("governance:members")).content.decode()
    assert "Walloon Tax Office" in body
    assert meeting.date.strftime("%Y-%m-%d") in body


def test_body_page_lists_current_members(client, gov):
    body = client.get(reverse("governance:body", args=["mc"])).content.decode()
    assert str(gov.member.person) in body


def test_minutes_csv_and_pdf(client, gov, meeting):
    _decisions(gov, meeting)
    csv_response = client.get(reverse("governance:minutes_csv", args=[meeting.pk]))
    assert csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode()
    assert "approval of a new member" in text
    assert "Waiting for the GDPR audit." in text
    pdf_response = client.get(reverse("governance:minutes_pdf", args=[meeting.pk]))
    assert pdf_response["Content-Type"] == "application/pdf"
    assert pdf_response.content.startswith(b"%PDF")


# --- A member registers a service ----------------------------------------------------------------


def test_service_register_page_refuses_non_member(client_at, gov):
    representative = UserFactory()
    application = ApplicationFactory(reported=True, representative=representative.person)
    # Not yet a member and not yet its representative: the engine denies first on the page.
    response = client_at(representative, "substantial").get(
        reverse("governance:service_register", args=[application.organisation.code])
    )
    assert response.status_code == 403


def test_service_register_page_registers_for_seat_holder(client_at, gov):
    domain = DomainFactory(code="social")
    response = client_at(gov.member, "substantial").post(
        reverse("governance:service_register", args=[gov.sponsors[0].code]),
        {"code": "pensions", "domain": domain.code, "name_en": "Pensions"},
    )
    assert response.status_code == 302
    assert Service.objects.get(code="pensions").owner == gov.sponsors[0]
