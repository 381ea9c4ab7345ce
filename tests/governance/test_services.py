import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

import pytest

from csam.audit.models import AuditEvent
from csam.authz.context import SYSTEM_ACTOR
from governance.models import (
    Application,
    Decision,
    Meeting,
    Organisation,
    Seat,
    StrategicPlanVersion,
)
from governance.selectors import (
    meeting_quorum,
    organisation_is_user_committee_member,
    quorum_required,
)
from governance.services import (
    NewOrganisation,
    application_report,
    application_submit,
    decision_record,
    meeting_record,
    plan_create,
    plan_version_add,
    seat_create,
)
from identity.assurance import StepUpRequired
from tests.factories.companies import ServiceFactory
from tests.factories.governance import ApplicationFactory, OrganisationFactory, SeatFactory
from tests.factories.identity import PersonFactory, UserFactory
from tests.governance.conftest import actor

pytestmark = pytest.mark.django_db
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def approve(gov, meeting, application, **kw):
    values = {"votes_for": 3, "rationale": "Meets the conditions.", "outcome": "approved"}
    values.update(kw)
    return decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="member_approval",
        application=application,
        **values,
    )


# --- Meetings and quorum --------------------------------------------------------------------------


def test_meeting_record_keeps_agenda_and_attendance_when_secretary_records(gov):
    meeting = meeting_record(
        actor=actor(gov.mc_secretary, "substantial"),
        body=gov.mc,
        date=YESTERDAY,
        title="Spring meeting",
        agenda=["Opening", " ", "New members"],
        present_seat_ids=[s.pk for s in gov.mc_seats[:2]],
    )
    assert [a.title for a in meeting.agenda_items.all()] == ["Opening", "New members"]
    assert meeting.attendances.count() == 2
    assert AuditEvent.objects.filter(action="governance.meeting_recorded").count() == 1


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("omg_secretary", "Only the secretary of Management Committee"),
        ("member", "Only the secretary of Management Committee"),
    ],
)
def test_meeting_record_denied_when_not_this_bodys_secretary(gov, who, message):
    with pytest.raises(PermissionDenied, match=message):
        meeting_record(
            actor=actor(getattr(gov, who)),
            body=gov.mc,
            date=YESTERDAY,
            title="Spring meeting",
            agenda=[],
            present_seat_ids=[],
        )
    assert Meeting.objects.count() == 0


def test_meeting_record_refused_when_date_in_future_or_foreign_seat(gov):
    foreign = SeatFactory(body=gov.omg, role="member")
    with pytest.raises(ValidationError) as exc:
        meeting_record(
            actor=actor(gov.mc_secretary),
            body=gov.mc,
            date=timezone.localdate() + dt.timedelta(days=2),
            title="",
            agenda=[],
            present_seat_ids=[foreign.pk],
        )
    assert exc.value.message_dict == {
        "date": ["A meeting is recorded after it took place, not before."],
        "title": ["Give the meeting a title."],
        "attendance": ["Attendance lists only the seats of this body held on the meeting's date."],
    }
    assert Meeting.objects.count() == 0


def test_quorum_counts_voting_seats_held_at_the_meeting_date(gov):
    # A seat that ended before the meeting does not count; the secretary does not vote.
    SeatFactory(body=gov.mc, role="member", valid_until=dt.date(2024, 6, 30))
    meeting = gov.meeting(gov.mc, present=2)
    quorum = meeting_quorum(meeting=meeting)
    assert (quorum.voting_seats, quorum.present, quorum.required, quorum.reached) == (3, 2, 2, True)


@pytest.mark.parametrize(("seats", "required"), [(1, 1), (2, 2), (3, 2), (4, 3), (6, 4)])
def test_quorum_required_is_more_than_half(seats, required):
    assert quorum_required(voting_seats=seats, percent=50) == required


def test_decision_refused_when_meeting_has_no_quorum(gov):
    meeting = gov.meeting(gov.mc, present=1)
    application = ApplicationFactory(reported=True)
    with pytest.raises(ValidationError) as exc:
        approve(gov, meeting, application, votes_for=1)
    assert exc.value.messages == [
        "The meeting did not have quorum: 1 of 3 voting members present, 2 needed."
    ]
    assert Decision.objects.count() == 0
    application.organisation.refresh_from_db()
    assert not application.organisation.is_member


# --- Decisions: who records, which body decides ---------------------------------------------------


def test_member_approval_makes_organisation_member_when_approved(gov, meeting):
    application = ApplicationFactory(reported=True)
    decision = approve(gov, meeting, application)
    organisation = application.organisation
    organisation.refresh_from_db()
    application.refresh_from_db()
    assert organisation.is_member
    assert organisation.member_since == meeting.date
    assert application.status == "approved"
    assert decision.recorded_by == gov.mc_secretary.person
    assert AuditEvent.objects.filter(action="governance.member_approved").count() == 1


@pytest.mark.parametrize(
    ("outcome", "status"), [("rejected", "rejected"), ("deferred", "reported")]
)
def test_member_approval_leaves_non_member_when_not_approved(gov, meeting, outcome, status):
    application = ApplicationFactory(reported=True)
    approve(gov, meeting, application, outcome=outcome, votes_for=0, votes_against=3)
    application.refresh_from_db()
    application.organisation.refresh_from_db()
    assert application.status == status
    assert not application.organisation.is_member


@pytest.mark.parametrize("who", ["omg_secretary", "suc_secretary", "member"])
def test_decision_record_denied_when_not_this_bodys_secretary(gov, meeting, who):
    application = ApplicationFactory(reported=True)
    with pytest.raises(PermissionDenied) as exc:
        decision_record(
            actor=actor(getattr(gov, who)),
            meeting=meeting,
            type="member_approval",
            outcome="approved",
            votes_for=3,
            rationale="x",
            application=application,
        )
    assert str(exc.value) == (
        "Only the secretary of Management Committee can record its meetings and decisions."
    )
    assert Decision.objects.count() == 0


def test_decision_record_needs_level_high(gov, meeting):
    with pytest.raises(StepUpRequired):
        decision_record(
            actor=actor(gov.mc_secretary, "substantial"),
            meeting=meeting,
            type="other",
            outcome="approved",
            votes_for=3,
            rationale="x",
        )


@pytest.mark.parametrize(
    ("decision_type", "message"),
    [
        ("member_approval", "Only the Management Committee approves new members."),
        (
            "omg_chair_designation",
            "Only the Management Committee designates the chairpersons of the Operational "
            "Management Group.",
        ),
        (
            "omg_member_designation",
            "Only the Management Committee designates the members of the Operational "
            "Management Group.",
        ),
        ("plan_approval", "Only the Management Committee approves strategic plans."),
    ],
)
def test_decision_refused_when_body_is_not_management_committee(gov, decision_type, message):
    SeatFactory(body=gov.omg, organisation=gov.sponsors[0], role="chair")
    meeting = gov.meeting(gov.omg)
    with pytest.raises(ValidationError) as exc:
        decision_record(
            actor=actor(gov.omg_secretary),
            meeting=meeting,
            type=decision_type,
            outcome="approved",
            votes_for=1,
            rationale="x",
        )
    assert exc.value.message_dict == {"type": [message]}
    assert Decision.objects.count() == 0


def test_follow_up_refused_in_strategic_user_committee(gov):
    admitted = OrganisationFactory(is_member=False)
    ApplicationFactory(organisation=admitted, target="strategic_user_committee", status="approved")
    SeatFactory(body=gov.suc, organisation=admitted, role="member")
    meeting = gov.meeting(gov.suc)
    with pytest.raises(ValidationError, match="Legal, compliance, risk"):
        decision_record(
            actor=actor(gov.suc_secretary),
            meeting=meeting,
            type="risk_security",
            outcome="approved",
            votes_for=1,
            rationale="x",
        )


def test_decision_refused_when_application_not_reported(gov, meeting):
    with pytest.raises(ValidationError) as exc:
        approve(gov, meeting, ApplicationFactory())
    assert exc.value.message_dict["application"] == [
        "The Operational Management Group has not reported on this application, or it was "
        "decided already."
    ]


@pytest.mark.parametrize(
    ("votes", "outcome", "field", "message"),
    [
        ((1, 1, 1), "approved", "outcome", "An approval needs more votes for than against."),
        ((2, 1, 0), "rejected", "outcome", "A rejection cannot have more votes for than against."),
        (
            (3, 1, 0),
            "approved",
            "votes_for",
            "More votes were cast (4) than voting members were present (3).",
        ),
    ],
)
def test_decision_refused_when_votes_do_not_add_up(gov, meeting, votes, outcome, field, message):
    with pytest.raises(ValidationError) as exc:
        approve(
            gov,
            meeting,
            ApplicationFactory(reported=True),
            outcome=outcome,
            votes_for=votes[0],
            votes_against=votes[1],
            votes_abstaining=votes[2],
        )
    assert exc.value.message_dict[field] == [message]
    assert Decision.objects.count() == 0


def test_decision_refused_when_links_missing_or_foreign(gov, meeting):
    with pytest.raises(ValidationError) as exc:
        decision_record(
            actor=actor(gov.mc_secretary),
            meeting=meeting,
            type="omg_chair_designation",
            outcome="approved",
            votes_for=3,
            rationale="",
            application=ApplicationFactory(reported=True),
        )
    assert exc.value.message_dict == {
        "rationale": ["Give the rationale of the decision."],
        "application": ["This type of decision is not on this."],
        "organisation": ["Choose the organisation of the person designated."],
        "person": ["Name the person designated."],
    }


# --- Immutability and supersession ---------------------------------------------------------------


def test_correction_supersedes_and_undoes_membership(gov, meeting):
    application = ApplicationFactory(reported=True)
    first = approve(gov, meeting, application)
    correction = approve(
        gov,
        meeting,
        application,
        outcome="rejected",
        votes_for=0,
        votes_against=3,
        supersedes=first,
        rationale="The earlier record was wrong.",
    )
    first.refresh_from_db()
    application.refresh_from_db()
    application.organisation.refresh_from_db()
    assert first.superseded_by == correction
    assert first.outcome == "approved"  # the recorded decision itself is unchanged
    assert application.status == "rejected"
    assert not application.organisation.is_member


def test_correction_refused_when_decision_superseded_already(gov, meeting):
    application = ApplicationFactory(reported=True)
    first = approve(gov, meeting, application)
    approve(gov, meeting, application, supersedes=first, rationale="Corrected votes.")
    with pytest.raises(ValidationError) as exc:
        approve(gov, meeting, application, supersedes=first, rationale="Again.")
    assert exc.value.message_dict["supersedes"] == [
        "This decision has been superseded already; correct the latest one."
    ]
    assert Decision.objects.count() == 2


def test_correction_refused_when_type_differs(gov, meeting):
    first = decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="other",
        outcome="approved",
        votes_for=3,
        rationale="x",
    )
    with pytest.raises(ValidationError) as exc:
        approve(gov, meeting, ApplicationFactory(reported=True), supersedes=first)
    assert exc.value.message_dict["supersedes"] == [
        "A correction supersedes a decision of the same body and type."
    ]


def test_decision_has_no_update_path_in_admin(gov, meeting, rf):
    from django.contrib.admin.sites import site

    decision = approve(gov, meeting, ApplicationFactory(reported=True))
    model_admin = site._registry[Decision]
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_change_permission(request, decision)
    assert not model_admin.has_delete_permission(request, decision)


# --- Designations and seats -----------------------------------------------------------------------


def test_chair_designation_seats_chair_in_group_and_allows_committee_seat(gov, meeting):
    chair = PersonFactory()
    decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="omg_chair_designation",
        outcome="approved",
        votes_for=3,
        rationale="Experienced.",
        organisation=gov.sponsors[1],
        person=chair,
    )
    seat = Seat.objects.get(body=gov.omg, person=chair)
    assert (seat.role, seat.valid_from) == ("chair", meeting.date)
    # The group's chairpersons sit on the Management Committee even for a non-sponsor.
    other = OrganisationFactory(is_member=True, is_sponsor=False)
    seat_create(
        actor=SYSTEM_ACTOR,
        body=gov.mc,
        organisation=other,
        person=chair,
        role="member",
        valid_from=meeting.date,
    )


def test_member_designation_refused_when_organisation_offers_no_service(gov, meeting):
    with pytest.raises(ValidationError) as exc:
        decision_record(
            actor=actor(gov.mc_secretary),
            meeting=meeting,
            type="omg_member_designation",
            outcome="approved",
            votes_for=3,
            rationale="x",
            organisation=gov.sponsors[1],
            person=PersonFactory(),
        )
    assert "offers a service under common management" in exc.value.message_dict["organisation"][0]


def test_member_designation_seats_delegate_when_organisation_offers_service(gov, meeting):
    ServiceFactory(owner=gov.sponsors[1])
    delegate = PersonFactory()
    decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="omg_member_designation",
        outcome="approved",
        votes_for=3,
        rationale="x",
        organisation=gov.sponsors[1],
        person=delegate,
    )
    assert Seat.objects.get(body=gov.omg, person=delegate).role == "member"


@pytest.mark.parametrize(
    ("body", "role", "organisation", "field", "message"),
    [
        (
            "mc",
            "member",
            "non_sponsor",
            "organisation",
            "Only a sponsor's most senior official (or their delegate) and the chairpersons of "
            "the Operational Management Group sit on the Management Committee.",
        ),
        (
            "omg",
            "member",
            "sponsor",
            "role",
            "Chairpersons and members of the Operational Management Group are designated by a "
            "Management Committee decision.",
        ),
        (
            "suc",
            "member",
            "non_sponsor",
            "organisation",
            "Only organisations admitted to the Strategic User Committee hold a seat in it.",
        ),
        (
            "mc",
            "secretary",
            "sponsor",
            "role",
            "This body already has a secretary for this period.",
        ),
        (
            "wg",
            "member",
            "non_member",
            "organisation",
            "Only member organisations hold seats in this body.",
        ),
    ],
)
def test_seat_create_refused_by_composition_rules(gov, body, role, organisation, field, message):
    org = {
        "sponsor": gov.sponsors[0],
        "non_sponsor": OrganisationFactory(is_member=True, is_sponsor=False),
        "non_member": OrganisationFactory(is_member=False),
    }[organisation]
    before = Seat.objects.count()
    with pytest.raises(ValidationError) as exc:
        seat_create(
            actor=SYSTEM_ACTOR,
            body=getattr(gov, body),
            organisation=org,
            person=PersonFactory(),
            role=role,
            valid_from=timezone.localdate(),
        )
    assert exc.value.message_dict == {field: [message]}
    assert Seat.objects.count() == before


# --- Applications ---------------------------------------------------------------------------------


def test_application_submitted_and_reported_by_group_secretary(gov):
    organisation = OrganisationFactory(is_member=False)
    application = application_submit(
        actor=actor(gov.omg_secretary, "substantial"),
        organisation=organisation,
        target="membership",
        motivation="Regional tax office.",
        representative=PersonFactory(),
    )
    application_report(
        actor=actor(gov.omg_secretary, "substantial"), application=application, report="Fine."
    )
    application.refresh_from_db()
    assert application.status == "reported"


def test_application_submit_denied_when_not_group_secretary(gov):
    with pytest.raises(PermissionDenied, match="Only the secretary of the Operational"):
        application_submit(
            actor=actor(gov.mc_secretary),
            organisation=OrganisationFactory(is_member=False),
            target="membership",
            motivation="x",
            representative=PersonFactory(),
        )
    assert Application.objects.count() == 0


def test_application_submit_refused_when_member_already_or_open(gov):
    ApplicationFactory(organisation=gov.sponsors[0], target="membership")
    with pytest.raises(ValidationError) as exc:
        application_submit(
            actor=actor(gov.omg_secretary),
            organisation=gov.sponsors[0],
            target="membership",
            motivation="x",
            representative=PersonFactory(),
        )
    assert exc.value.message_dict["organisation"] == [
        "This organisation has an open application for this already."
    ]


def test_user_committee_application_approved_admits_organisation(gov, meeting):
    application = ApplicationFactory(target="strategic_user_committee", reported=True)
    approve(gov, meeting, application)
    assert organisation_is_user_committee_member(organisation=application.organisation)
    application.organisation.refresh_from_db()
    assert not application.organisation.is_member  # joining the committee is not membership
    seat_create(
        actor=SYSTEM_ACTOR,
        body=gov.suc,
        organisation=application.organisation,
        person=PersonFactory(),
        role="member",
        valid_from=timezone.localdate(),
    )


# --- Strategic plans ------------------------------------------------------------------------------


def test_plan_versions_kept_and_approved_by_committee(gov, meeting):
    drafter = UserFactory()
    SeatFactory(body=gov.wg, organisation=gov.sponsors[0], person=drafter.person)
    plan = plan_create(actor=actor(drafter, "substantial"), body=gov.wg, title="Plan", text="v1")
    second = plan_version_add(actor=actor(drafter, "substantial"), plan=plan, text="v2")
    assert list(plan.versions.values_list("number", "text")) == [(1, "v1"), (2, "v2")]
    decision = decision_record(
        actor=actor(gov.mc_secretary),
        meeting=meeting,
        type="plan_approval",
        outcome="approved",
        votes_for=3,
        rationale="Good plan.",
        plan_version=second,
    )
    assert decision.plan_version == second


def test_plan_create_refused_when_body_is_management_committee(gov):
    with pytest.raises(ValidationError, match="drafted by a working group"):
        plan_create(actor=actor(gov.mc_secretary), body=gov.mc, title="Plan", text="v1")
    assert StrategicPlanVersion.objects.count() == 0


def test_plan_create_denied_when_not_seated_on_drafting_body(gov):
    with pytest.raises(PermissionDenied, match="Only those who sit on"):
        plan_create(actor=actor(gov.member), body=gov.wg, title="Plan", text="v1")


def test_application_submit_registers_new_organisation_with_its_application(gov):
    application = application_submit(
        actor=actor(gov.omg_secretary, "substantial"),
        organisation=NewOrganisation(
            code="walloon-tax", name_en="Walloon Tax Office", kind="regional"
        ),
        target="membership",
        motivation="Regional tax office.",
        representative=PersonFactory(),
    )
    organisation = application.organisation
    assert (organisation.code, organisation.is_member, organisation.is_sponsor) == (
        "walloon-tax",
        False,
        False,
    )
    event = AuditEvent.objects.get(action="governance.organisation_registered")
    assert event.object_id == str(organisation.pk)


def test_application_submit_refused_and_nothing_registered_when_new_organisation_invalid(gov):
    with pytest.raises(ValidationError) as exc:
        application_submit(
            actor=actor(gov.omg_secretary, "substantial"),
            organisation=NewOrganisation(code=gov.sponsors[0].code, name_en=" ", kind="planet"),
            target="membership",
            motivation="",
            representative=PersonFactory(),
        )
    errors = exc.value.message_dict
    assert errors["code"] == [
        "An organisation with this code is known already: choose it in the list instead."
    ]
    assert errors["name_en"] == ["Give the organisation's name in English."]
    assert errors["motivation"] == ["Give the motivation of the application."]
    assert "kind" in errors
    assert Application.objects.count() == 0


def test_application_submit_denied_before_registering_new_organisation(gov):
    with pytest.raises(PermissionDenied):
        application_submit(
            actor=actor(gov.wg_secretary),
            organisation=NewOrganisation(code="walloon-tax", name_en="Walloon", kind="regional"),
            target="membership",
            motivation="x",
            representative=PersonFactory(),
        )
    assert not Organisation.objects.filter(code="walloon-tax").exists()


def test_application_report_refused_when_report_blank(gov):
    application = ApplicationFactory()
    with pytest.raises(ValidationError) as exc:
        application_report(actor=actor(gov.omg_secretary), application=application, report=" ")
    assert exc.value.message_dict == {"report": ["Write the report."]}


def test_application_report_denied_when_not_group_secretary(gov):
    application = ApplicationFactory()
    with pytest.raises(PermissionDenied, match="Only the secretary of the Operational"):
        application_report(actor=actor(gov.mc_secretary), application=application, report="Ok")
    application.refresh_from_db()
    assert application.status == "submitted"


def test_plan_version_add_refused_when_text_same_as_latest(gov):
    plan = plan_create(actor=actor(gov.wg_secretary), body=gov.wg, title="Plan", text="v1")
    with pytest.raises(ValidationError) as exc:
        plan_version_add(actor=actor(gov.wg_secretary), plan=plan, text=" v1 ")
    assert exc.value.message_dict == {
        "text": ["This text is the same as version 1: a new version changes something."]
    }
    assert plan.versions.count() == 1


def test_plan_create_refused_with_every_missing_field_at_once(gov):
    with pytest.raises(ValidationError) as exc:
        plan_create(actor=actor(gov.wg_secretary), body=gov.wg, title=" ", text="")
    assert exc.value.message_dict == {
        "title": ["Give the plan a title."],
        "text": ["Write the text of the plan."],
    }
    assert StrategicPlanVersion.objects.count() == 0


def test_plan_version_add_denied_to_another_bodys_secretary(gov):
    plan = plan_create(actor=actor(gov.wg_secretary), body=gov.wg, title="Plan", text="v1")
    with pytest.raises(PermissionDenied, match="Only those who sit on"):
        plan_version_add(actor=actor(gov.omg_secretary), plan=plan, text="v2")
    assert plan.versions.count() == 1
