"""Reads in the governance app. The register, the bodies and their members are public."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from governance.models import (
    VOTING_ROLES,
    Application,
    ApplicationStatus,
    ApplicationTarget,
    Attendance,
    Body,
    BodyKind,
    Decision,
    DecisionOutcome,
    DecisionType,
    Meeting,
    Organisation,
    Seat,
    StrategicPlan,
    StrategicPlanVersion,
)


def organisation_list_members() -> QuerySet[Organisation]:
    """Member organisations, sponsors first."""
    return Organisation.objects.filter(is_member=True).order_by("-is_sponsor", "name_en")


def organisation_get(*, code: str) -> Organisation | None:
    return Organisation.objects.filter(code=code).first()


def organisation_may_register_services(organisation: Organisation) -> bool:
    """Whether ``organisation`` may own services in the catalogue: only members may, and an
    organisation becomes a member through an approving Management Committee decision."""
    return bool(organisation.is_member)


def organisation_is_user_committee_member(*, organisation: Organisation) -> bool:
    """Admitted to the Strategic User Committee by an approving decision."""
    return Application.objects.filter(
        organisation=organisation,
        target=ApplicationTarget.STRATEGIC_USER_COMMITTEE,
        status=ApplicationStatus.APPROVED,
    ).exists()


def organisation_representative_facts(
    *, person: Any, organisation: Organisation, day: dt.date
) -> list[dict[str, Any]]:
    """Why ``person`` represents ``organisation`` on ``day``: the seats they hold for it, and
    the approved membership applications naming them as its representative."""
    if person is None:
        return []
    seats = Seat.objects.at(day).filter(person=person, organisation=organisation)
    applications = Application.objects.filter(
        organisation=organisation,
        representative=person,
        target=ApplicationTarget.MEMBERSHIP,
        status=ApplicationStatus.APPROVED,
    )
    return [{"kind": "seat", "id": i} for i in seats.values_list("id", flat=True)] + [
        {"kind": "application", "id": i} for i in applications.values_list("id", flat=True)
    ]


# --- Bodies and seats -----------------------------------------------------------------------------


def body_list() -> QuerySet[Body]:
    return Body.objects.order_by("kind", "name_en")


def body_get(*, code: str) -> Body | None:
    return Body.objects.filter(code=code).first()


def body_get_by_kind(*, kind: str) -> Body | None:
    """The standing body of ``kind`` (there is one of each but working groups)."""
    return Body.objects.filter(kind=kind).exclude(kind=BodyKind.WORKING_GROUP).first()


def seat_list(*, body: Body, day: dt.date) -> QuerySet[Seat]:
    """The seats of ``body`` held on ``day``, chairs first."""
    return (
        Seat.objects.at(day)
        .filter(body=body)
        .select_related("person", "organisation")
        .order_by("role", "organisation__name_en", "person__surname")
    )


def seat_ids_held(*, person: Any, body: Body, day: dt.date, role: str | None = None) -> list[int]:
    """Ids of the seats ``person`` holds in ``body`` on ``day`` (in ``role``, if given)."""
    if person is None:
        return []
    seats = Seat.objects.at(day).filter(body=body, person=person)
    if role is not None:
        seats = seats.filter(role=role)
    return list(seats.values_list("id", flat=True))


# --- Meetings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    voting_seats: int
    present: int
    required: int

    @property
    def reached(self) -> bool:
        return self.voting_seats > 0 and self.present >= self.required


def quorum_required(*, voting_seats: int, percent: int) -> int:
    """The smallest number present that is *more than* ``percent`` % of the voting seats."""
    return (voting_seats * percent) // 100 + 1


def meeting_quorum(*, meeting: Meeting) -> Quorum:
    """Quorum of ``meeting``, from the body's voting seats held on the meeting's date (the
    secretary does not vote) and the voting seats present."""
    voting = Seat.objects.at(meeting.date).filter(body=meeting.body_id, role__in=VOTING_ROLES)
    seats = voting.count()
    present = Attendance.objects.filter(meeting=meeting, seat__in=voting).count()
    return Quorum(
        voting_seats=seats,
        present=present,
        required=quorum_required(voting_seats=seats, percent=meeting.body.quorum_percent),
    )


def meeting_list(*, body: Body) -> QuerySet[Meeting]:
    return Meeting.objects.filter(body=body).order_by("-date", "-id")


def meeting_get(*, meeting_id: int) -> Meeting | None:
    return (
        Meeting.objects.select_related("body", "recorded_by")
        .prefetch_related(
            "agenda_items",
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("seat__person", "seat__organisation"),
            ),
        )
        .filter(pk=meeting_id)
        .first()
    )


# --- Decisions ------------------------------------------------------------------------------------


def _decisions() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "meeting",
        "body",
        "organisation",
        "application__organisation",
        "person",
        "plan_version__plan",
        "supersedes",
        "superseded_by",
    )


def decision_register(
    *,
    body: Body | None = None,
    type: str = "",  # noqa: A002 - the register's own word
    outcome: str = "",
    date_from: dt.date | None = None,
    date_until: dt.date | None = None,
) -> QuerySet[Decision]:
    """The public register of decisions, newest meeting first, filtered as asked."""
    decisions = _decisions()
    if body is not None:
        decisions = decisions.filter(body=body)
    if type:
        decisions = decisions.filter(type=type)
    if outcome:
        decisions = decisions.filter(outcome=outcome)
    if date_from is not None:
        decisions = decisions.filter(meeting__date__gte=date_from)
    if date_until is not None:
        decisions = decisions.filter(meeting__date__lte=date_until)
    return decisions.order_by("-meeting__date", "-id")


def decision_get(*, decision_id: int) -> Decision | None:
    return _decisions().filter(pk=decision_id).first()


def decision_list_for_meeting(*, meeting: Meeting) -> QuerySet[Decision]:
    return _decisions().filter(meeting=meeting).order_by("id")


def decision_list_correctable(*, body: Body) -> QuerySet[Decision]:
    """Decisions of ``body`` that no later decision supersedes yet (the ones a correction may
    point to)."""
    return _decisions().filter(body=body, superseded_by__isnull=True).order_by("-id")


def member_approvals() -> QuerySet[Decision]:
    """Who was approved as a member, and when: the approving decisions still in force."""
    return (
        _decisions()
        .filter(
            type=DecisionType.MEMBER_APPROVAL,
            outcome=DecisionOutcome.APPROVED,
            superseded_by__isnull=True,
        )
        .order_by("-meeting__date", "-id")
    )


# --- Applications and plans -----------------------------------------------------------------------


def application_list(*, status: str = "", target: str = "") -> QuerySet[Application]:
    """Applications, newest first, with the given status and target (all when blank). Part of
    the public record, like the decisions taken on them."""
    applications = Application.objects.select_related("organisation", "representative")
    if status:
        applications = applications.filter(status=status)
    if target:
        applications = applications.filter(target=target)
    return applications.order_by("-submitted_at", "-id")


def application_get(*, application_id: int) -> Application | None:
    return application_list().filter(pk=application_id).first()


def application_list_decidable() -> QuerySet[Application]:
    """Applications the Management Committee may decide on: those the Operational Management
    Group has reported on and that await a decision, and those whose decision in force a
    correction may supersede (the correction is on the same application)."""
    in_force = Decision.objects.filter(
        type=DecisionType.MEMBER_APPROVAL,
        application__isnull=False,
        superseded_by__isnull=True,
    ).values("application_id")
    return application_list().filter(Q(status=ApplicationStatus.REPORTED) | Q(pk__in=in_force))


def application_is_decidable(*, application: Application) -> bool:
    """Whether the Management Committee may record a decision on ``application`` now (see
    `application_list_decidable`)."""
    return application_list_decidable().filter(pk=application.pk).exists()


def application_decisions(*, application: Application) -> QuerySet[Decision]:
    """The decisions taken on ``application``, in the order they were taken (a correction comes
    after the decision it supersedes)."""
    return _decisions().filter(application=application).order_by("meeting__date", "id")


def organisation_list_applicable() -> QuerySet[Organisation]:
    """The organisations known to the framework, to choose the applicant from (the service
    refuses the ones that may not apply)."""
    return Organisation.objects.order_by("name_en")


def plan_drafting_kinds() -> tuple[str, ...]:
    """The kinds of body that draft strategic plans."""
    return (BodyKind.WORKING_GROUP, BodyKind.OPERATIONAL_GROUP)


def body_drafts_plans(*, body: Body) -> bool:
    """Whether ``body`` drafts strategic plans (a working group or the Operational Management
    Group); the Management Committee approves them."""
    return body.kind in plan_drafting_kinds()


def plan_drafting_body_list() -> QuerySet[Body]:
    """The bodies that draft strategic plans."""
    return Body.objects.filter(kind__in=plan_drafting_kinds()).order_by("kind", "name_en")


def plan_version_list_approvable() -> QuerySet[StrategicPlanVersion]:
    return StrategicPlanVersion.objects.select_related("plan").order_by("plan__title", "-number")


def plan_list() -> QuerySet[StrategicPlan]:
    """Strategic plans, newest first, with their drafting body and versions."""
    return (
        StrategicPlan.objects.select_related("drafted_by")
        .prefetch_related("versions")
        .order_by("-created_at", "-id")
    )


def plan_get(*, plan_id: int) -> StrategicPlan | None:
    return StrategicPlan.objects.select_related("drafted_by").filter(pk=plan_id).first()


def plan_version_list(*, plan: StrategicPlan) -> QuerySet[StrategicPlanVersion]:
    """The versions of ``plan``, newest first, each with the decisions taken on it (which
    Management Committee decision approved which version, and whether it is still in force)."""
    return (
        StrategicPlanVersion.objects.filter(plan=plan)
        .select_related("drafted_by")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=_decisions().order_by("meeting__date", "id"),
            )
        )
        .order_by("-number")
    )


def plan_version_get(*, plan: StrategicPlan, number: int) -> StrategicPlanVersion | None:
    return plan_version_list(plan=plan).filter(number=number).first()


def plan_approval_in_force(*, plan: StrategicPlan) -> Decision | None:
    """The approving decision in force on the latest approved version of ``plan`` (none when no
    version is approved, or every approval was corrected away)."""
    return (
        _decisions()
        .filter(
            plan_version__plan=plan,
            type=DecisionType.PLAN_APPROVAL,
            outcome=DecisionOutcome.APPROVED,
            superseded_by__isnull=True,
        )
        .order_by("-plan_version__number", "-id")
        .first()
    )


def meeting_minutes_rows(*, meeting: Meeting) -> list[list[str]]:
    """The minutes of ``meeting`` as rows (section, item, detail) for the CSV and PDF exports."""
    from django.utils.translation import gettext as _

    quorum = meeting_quorum(meeting=meeting)
    rows: list[list[str]] = [
        [_("meeting"), meeting.body.name, f"{meeting.date:%Y-%m-%d} — {meeting.title}"],
        [
            _("quorum"),
            _("reached") if quorum.reached else _("not reached"),
            _("%(present)s of %(seats)s voting members present, %(required)s needed")
            % {
                "present": quorum.present,
                "seats": quorum.voting_seats,
                "required": quorum.required,
            },
        ],
    ]
    rows += [[_("agenda"), str(item.position), item.title] for item in meeting.agenda_items.all()]
    rows += [
        [
            _("present"),
            str(a.seat.person),
            f"{a.seat.get_role_display()}, {a.seat.organisation.name}",
        ]
        for a in meeting.attendances.all()
    ]
    for decision in decision_list_for_meeting(meeting=meeting):
        detail = _("%(outcome)s (for %(for)s, against %(against)s, abstaining %(abstain)s)") % {
            "outcome": decision.get_outcome_display(),
            "for": decision.votes_for,
            "against": decision.votes_against,
            "abstain": decision.votes_abstaining,
        }
        rows.append([_("decision"), decision.get_type_display(), detail])
        rows.append([_("rationale"), str(decision.pk), decision.rationale])
    return rows
