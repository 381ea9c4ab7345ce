"""Writes in the governance app: seats, meetings, decisions, applications and strategic plans.

Every act is authorised by the decision engine (it sits above this app, so it is looked up at
call time), validated, written in one transaction and audited. Decisions are never changed: a
correction is a new decision that supersedes the old one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csam.audit.services import audit_act
from governance.models import (
    VOTING_ROLES,
    AgendaItem,
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
    SeatRole,
    StrategicPlan,
    StrategicPlanVersion,
)
from governance.selectors import (
    body_drafts_plans,
    meeting_quorum,
    organisation_is_user_committee_member,
)
from identity.models import Person

if TYPE_CHECKING:
    from csam.authz.context import ActingContext, SystemActor


def _require(actor: ActingContext, action: str, target: Any) -> None:
    """Ask the decision engine; raise `PermissionDenied` / `StepUpRequired` when denied."""
    from csam.authz.actions import Action
    from csam.authz.engine import require

    require(actor=actor, action=Action(action), target=target, tenant=None)


def _audit(actor: Any, action: str, obj: Any, after: dict[str, Any], **kw: Any) -> None:
    audit_act(
        actor=actor,
        action=action,
        tenant_id=None,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        after=after,
        **kw,
    )


# Which bodies may take which decisions.
DECISION_BODIES: dict[str, tuple[str, ...]] = {
    DecisionType.MEMBER_APPROVAL: (BodyKind.MANAGEMENT_COMMITTEE,),
    DecisionType.OMG_CHAIR_DESIGNATION: (BodyKind.MANAGEMENT_COMMITTEE,),
    DecisionType.OMG_MEMBER_DESIGNATION: (BodyKind.MANAGEMENT_COMMITTEE,),
    DecisionType.PLAN_APPROVAL: (BodyKind.MANAGEMENT_COMMITTEE,),
    DecisionType.LEGAL_COMPLIANCE: (BodyKind.MANAGEMENT_COMMITTEE, BodyKind.OPERATIONAL_GROUP),
    DecisionType.RISK_SECURITY: (BodyKind.MANAGEMENT_COMMITTEE, BodyKind.OPERATIONAL_GROUP),
    DecisionType.OTHER: tuple(BodyKind.values),
}


def _wrong_body_message(decision_type: str) -> str:
    messages = {
        DecisionType.MEMBER_APPROVAL: _("Only the Management Committee approves new members."),
        DecisionType.OMG_CHAIR_DESIGNATION: _(
            "Only the Management Committee designates the chairpersons of the Operational "
            "Management Group."
        ),
        DecisionType.OMG_MEMBER_DESIGNATION: _(
            "Only the Management Committee designates the members of the Operational "
            "Management Group."
        ),
        DecisionType.PLAN_APPROVAL: _("Only the Management Committee approves strategic plans."),
    }
    return str(
        messages.get(
            decision_type,
            _(
                "Legal, compliance, risk and information security follow-up is decided by the "
                "Management Committee or the Operational Management Group."
            ),
        )
    )


# --- Seats ----------------------------------------------------------------------------------------


def _holds(person: Person, body_kind: str, roles: tuple[str, ...], day: dt.date) -> bool:
    return Seat.objects.at(day).filter(person=person, body__kind=body_kind, role__in=roles).exists()


@transaction.atomic
def seat_create(
    *,
    actor: ActingContext | SystemActor,
    body: Body,
    organisation: Organisation,
    person: Person,
    role: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    designated_by: Decision | None = None,
) -> Seat:
    """Seat ``person`` in ``body`` for ``organisation``, in ``role``, from ``valid_from``.

    Used by the staff (admin), the demo seed and approving designation decisions; there is no
    self-service page. Rules of composition:
    - Management Committee: the most senior official of each sponsor (or their delegate) and
      the chairpersons of the Operational Management Group; the secretary is any member's.
    - Operational Management Group: chairpersons and members only through an approving
      Management Committee designation decision; a member seat goes to an organisation that
      sits on the Management Committee and offers a service; one member seat per organisation.
    - Strategic User Committee: organisations admitted to it by an approving decision.
    - Working groups: member organisations.
    - One secretary per body at a time; the period is ordered.
    Raises `ValidationError`. Audited.
    """
    try:
        role = SeatRole(role)
    except ValueError:
        raise ValidationError({"role": [_("Choose a role.")]}) from None
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": [_("The end date cannot be before the start date.")]})
    voting = role in VOTING_ROLES
    if body.kind == BodyKind.MANAGEMENT_COMMITTEE and voting:
        is_group_chair = _holds(person, BodyKind.OPERATIONAL_GROUP, (SeatRole.CHAIR,), valid_from)
        if not (organisation.is_sponsor or is_group_chair):
            raise ValidationError(
                {
                    "organisation": [
                        _(
                            "Only a sponsor's most senior official (or their delegate) and the "
                            "chairpersons of the Operational Management Group sit on the "
                            "Management Committee."
                        )
                    ]
                }
            )
    if body.kind == BodyKind.OPERATIONAL_GROUP and role in (SeatRole.CHAIR, SeatRole.MEMBER):
        expected = (
            DecisionType.OMG_CHAIR_DESIGNATION
            if role == SeatRole.CHAIR
            else DecisionType.OMG_MEMBER_DESIGNATION
        )
        if (
            designated_by is None
            or designated_by.type != expected
            or designated_by.outcome != DecisionOutcome.APPROVED
        ):
            raise ValidationError(
                {
                    "role": [
                        _(
                            "Chairpersons and members of the Operational Management Group are "
                            "designated by a Management Committee decision."
                        )
                    ]
                }
            )
    if body.kind == BodyKind.STRATEGIC_USER_COMMITTEE and role != SeatRole.SECRETARY:
        if not organisation_is_user_committee_member(organisation=organisation):
            raise ValidationError(
                {
                    "organisation": [
                        _(
                            "Only organisations admitted to the Strategic User Committee hold "
                            "a seat in it."
                        )
                    ]
                }
            )
    elif body.kind != BodyKind.STRATEGIC_USER_COMMITTEE and not organisation.is_member:
        raise ValidationError(
            {"organisation": [_("Only member organisations hold seats in this body.")]}
        )
    overlapping = Seat.objects.filter(body=body, valid_from__lte=valid_until or dt.date.max)
    overlapping = overlapping.exclude(valid_until__lt=valid_from)
    if role == SeatRole.SECRETARY and overlapping.filter(role=SeatRole.SECRETARY).exists():
        raise ValidationError({"role": [_("This body already has a secretary for this period.")]})
    seat = Seat(
        body=body,
        organisation=organisation,
        person=person,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        designated_by=designated_by,
    )
    seat.full_clean()
    seat.save()
    _audit(
        actor,
        "governance.seat_created",
        seat,
        {
            "body": body.code,
            "organisation": organisation.code,
            "person_id": person.pk,
            "role": role,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "designated_by": designated_by.pk if designated_by else None,
        },
    )
    return seat


def _seat_end(actor: Any, seat: Seat, day: dt.date) -> None:
    seat.valid_until = max(day, seat.valid_from)
    seat.save(update_fields=["valid_until"])
    _audit(actor, "governance.seat_ended", seat, {"valid_until": seat.valid_until.isoformat()})


# --- Meetings -------------------------------------------------------------------------------------


@transaction.atomic
def meeting_record(
    *,
    actor: ActingContext,
    body: Body,
    date: dt.date,
    title: str,
    agenda: list[str],
    present_seat_ids: list[int],
) -> Meeting:
    """Record a meeting of ``body`` that took place on ``date``, its agenda and who attended.

    Only the body's secretary records (engine). The date is not in the future; every seat
    present is a seat of this body held on that date. Raises `PermissionDenied`,
    `StepUpRequired` or `ValidationError`. Audited.
    """
    _require(actor, "governance.record_meeting", body)
    errors: dict[str, list[str]] = {}
    if date > timezone.localdate():
        errors["date"] = [_("A meeting is recorded after it took place, not before.")]
    if not title.strip():
        errors["title"] = [_("Give the meeting a title.")]
    agenda = [item.strip() for item in agenda if item.strip()]
    seats = {s.pk: s for s in Seat.objects.at(date).filter(body=body, pk__in=set(present_seat_ids))}
    if set(present_seat_ids) - set(seats):
        errors["attendance"] = [
            _("Attendance lists only the seats of this body held on the meeting's date.")
        ]
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(body=body, date=date, title=title.strip(), recorded_by=actor.person)
    meeting.full_clean()
    meeting.save()
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, position=n, title=text[:300])
        for n, text in enumerate(agenda, start=1)
    )
    Attendance.objects.bulk_create(Attendance(meeting=meeting, seat=s) for s in seats.values())
    _audit(
        actor,
        "governance.meeting_recorded",
        meeting,
        {
            "body": body.code,
            "date": date.isoformat(),
            "title": meeting.title,
            "agenda": agenda,
            "present_seat_ids": sorted(seats),
        },
    )
    return meeting


# --- Decisions ------------------------------------------------------------------------------------


def _check_links(
    decision_type: str,
    *,
    application: Application | None,
    organisation: Organisation | None,
    person: Person | None,
    plan_version: StrategicPlanVersion | None,
    supersedes: Decision | None,
) -> dict[str, list[str]]:
    """What the decision is on: exactly the links its type needs, each in the right state."""
    errors: dict[str, list[str]] = {}
    needs = {
        DecisionType.MEMBER_APPROVAL: {"application"},
        DecisionType.OMG_CHAIR_DESIGNATION: {"organisation", "person"},
        DecisionType.OMG_MEMBER_DESIGNATION: {"organisation", "person"},
        DecisionType.PLAN_APPROVAL: {"plan_version"},
    }.get(decision_type, set())
    given = {
        "application": application,
        "organisation": organisation,
        "person": person,
        "plan_version": plan_version,
    }
    missing_messages = {
        "application": _("Choose the application this decision is on."),
        "organisation": _("Choose the organisation of the person designated."),
        "person": _("Name the person designated."),
        "plan_version": _("Choose the version of the strategic plan this decision is on."),
    }
    for name, value in given.items():
        if name in needs and value is None:
            errors[name] = [str(missing_messages[name])]
        if name not in needs and value is not None:
            errors[name] = [_("This type of decision is not on this.")]
    if errors:
        return errors
    if application is not None:
        corrects_same = supersedes is not None and supersedes.application_id == application.pk
        if application.status != ApplicationStatus.REPORTED and not corrects_same:
            errors["application"] = [
                _(
                    "The Operational Management Group has not reported on this application, "
                    "or it was decided already."
                )
            ]
    if organisation is not None and not organisation.is_member:
        errors["organisation"] = [_("Only a member organisation's representative is designated.")]
    return errors


def _designation_checks(
    decision_type: str, organisation: Organisation, person: Person, day: dt.date
) -> dict[str, list[str]]:
    if decision_type != DecisionType.OMG_MEMBER_DESIGNATION:
        return {}
    on_committee = (
        Seat.objects.at(day)
        .filter(
            organisation=organisation,
            body__kind=BodyKind.MANAGEMENT_COMMITTEE,
            role__in=VOTING_ROLES,
        )
        .exists()
    )
    # The services the organisation owns (the catalogue's reverse relation; no import needed).
    offers_service = organisation.services.filter(is_active=True).exists()
    if not (on_committee and offers_service):
        return {
            "organisation": [
                _(
                    "Only an organisation that sits on the Management Committee and offers a "
                    "service under common management delegates a member to the Operational "
                    "Management Group."
                )
            ]
        }
    already = (
        Seat.objects.at(day)
        .filter(
            organisation=organisation,
            body__kind=BodyKind.OPERATIONAL_GROUP,
            role=SeatRole.MEMBER,
        )
        .exists()
    )
    if already:
        return {
            "organisation": [
                _(
                    "This organisation already delegates a member to the Operational "
                    "Management Group."
                )
            ]
        }
    return {}


def _check_votes(
    outcome: str, votes_for: int, votes_against: int, votes_abstaining: int, present: int
) -> dict[str, list[str]]:
    if min(votes_for, votes_against, votes_abstaining) < 0:
        return {"votes_for": [_("Votes cannot be negative.")]}
    if votes_for + votes_against + votes_abstaining > present:
        return {
            "votes_for": [
                _(
                    "More votes were cast (%(votes)s) than voting members were present "
                    "(%(present)s)."
                )
                % {"votes": votes_for + votes_against + votes_abstaining, "present": present}
            ]
        }
    if outcome == DecisionOutcome.APPROVED and votes_for <= votes_against:
        return {"outcome": [_("An approval needs more votes for than against.")]}
    if outcome == DecisionOutcome.REJECTED and votes_for > votes_against:
        return {"outcome": [_("A rejection cannot have more votes for than against.")]}
    return {}


def _apply(actor: Any, decision: Decision) -> None:
    """Carry out what an approving (or rejecting) decision decides, and undo what the decision
    it supersedes had carried out."""
    old = decision.supersedes
    day = decision.meeting.date
    if old is not None and old.outcome == DecisionOutcome.APPROVED:
        if (
            old.type == DecisionType.MEMBER_APPROVAL
            and decision.outcome != DecisionOutcome.APPROVED
        ):
            application = old.application
            if application.target == ApplicationTarget.MEMBERSHIP:
                organisation = application.organisation
                organisation.is_member = False
                organisation.member_since = None
                organisation.save(update_fields=["is_member", "member_since"])
                _audit(actor, "governance.member_removed", organisation, {"is_member": False})
        for seat in old.designated_seats.all():
            if decision.outcome != DecisionOutcome.APPROVED or seat.person_id != decision.person_id:
                _seat_end(actor, seat, day)
    if decision.application is not None:
        application = decision.application
        status = {
            DecisionOutcome.APPROVED: ApplicationStatus.APPROVED,
            DecisionOutcome.REJECTED: ApplicationStatus.REJECTED,
        }.get(decision.outcome, ApplicationStatus.REPORTED)
        if application.status != status:
            application.status = status
            application.save(update_fields=["status"])
            _audit(actor, "governance.application_decided", application, {"status": status})
        organisation = application.organisation
        if (
            status == ApplicationStatus.APPROVED
            and application.target == ApplicationTarget.MEMBERSHIP
            and not organisation.is_member
        ):
            organisation.is_member = True
            organisation.member_since = day
            organisation.save(update_fields=["is_member", "member_since"])
            _audit(
                actor,
                "governance.member_approved",
                organisation,
                {"is_member": True, "member_since": day.isoformat(), "decision": decision.pk},
            )
    if decision.outcome == DecisionOutcome.APPROVED and decision.type in (
        DecisionType.OMG_CHAIR_DESIGNATION,
        DecisionType.OMG_MEMBER_DESIGNATION,
    ):
        kept = old is not None and old.designated_seats.filter(
            person=decision.person, valid_until__isnull=True
        )
        if not kept:
            from governance.selectors import body_get_by_kind

            group = body_get_by_kind(kind=BodyKind.OPERATIONAL_GROUP)
            if group is None:
                raise ValidationError(_("There is no Operational Management Group to sit on."))
            seat_create(
                actor=actor,
                body=group,
                organisation=decision.organisation,
                person=decision.person,
                role=(
                    SeatRole.CHAIR
                    if decision.type == DecisionType.OMG_CHAIR_DESIGNATION
                    else SeatRole.MEMBER
                ),
                valid_from=day,
                designated_by=decision,
            )


@transaction.atomic
def decision_record(
    *,
    actor: ActingContext,
    meeting: Meeting,
    type: str,  # noqa: A002 - the decision's own word
    outcome: str,
    rationale: str,
    votes_for: int = 0,
    votes_against: int = 0,
    votes_abstaining: int = 0,
    application: Application | None = None,
    organisation: Organisation | None = None,
    person: Person | None = None,
    plan_version: StrategicPlanVersion | None = None,
    supersedes: Decision | None = None,
) -> Decision:
    """Record a decision ``meeting``'s body took, and carry it out.

    Rules: only the body's secretary records, at level high (engine). Approving members,
    designating the Operational Management Group's chairpersons and members and approving
    strategic plans belong to the Management Committee; follow-up decisions to the Management
    Committee or the Operational Management Group. The meeting must have quorum. Votes add up
    to no more than the voting members present and match the outcome. A member approval is on a
    reported application; a designation on a member organisation and a person (a member
    designation needs an organisation on the Management Committee offering a service, one per
    organisation); a plan approval on a plan version. A correction supersedes an earlier
    decision of the same body and type that nothing supersedes yet.

    On approval: the applicant becomes a member (or joins the Strategic User Committee); the
    designated person gets their seat. A correction undoes what the corrected one carried out.
    Raises `PermissionDenied`, `StepUpRequired` or `ValidationError`; audited.
    """
    body = meeting.body
    _require(actor, "governance.record_decision", body)
    if type not in DecisionType.values:
        raise ValidationError({"type": [_("Choose a type of decision.")]})
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": [_("Choose an outcome.")]})
    if body.kind not in DECISION_BODIES[type]:
        raise ValidationError({"type": [_wrong_body_message(type)]})
    quorum = meeting_quorum(meeting=meeting)
    if not quorum.reached:
        raise ValidationError(
            _(
                "The meeting did not have quorum: %(present)s of %(seats)s voting members "
                "present, %(required)s needed."
            )
            % {
                "present": quorum.present,
                "seats": quorum.voting_seats,
                "required": quorum.required,
            }
        )
    errors: dict[str, list[str]] = {}
    if not rationale.strip():
        errors["rationale"] = [_("Give the rationale of the decision.")]
    errors.update(_check_votes(outcome, votes_for, votes_against, votes_abstaining, quorum.present))
    if supersedes is not None:
        supersedes = Decision.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.body_id != body.pk or supersedes.type != type:
            errors["supersedes"] = [
                _("A correction supersedes a decision of the same body and type.")
            ]
        elif Decision.objects.filter(supersedes=supersedes).exists():
            errors["supersedes"] = [
                _("This decision has been superseded already; correct the latest one.")
            ]
        elif supersedes.meeting.date > meeting.date:
            errors["supersedes"] = [_("A correction cannot precede the decision it corrects.")]
    errors.update(
        _check_links(
            type,
            application=application,
            organisation=organisation,
            person=person,
            plan_version=plan_version,
            supersedes=supersedes,
        )
    )
    if not errors and organisation is not None and person is not None and outcome == "approved":
        errors.update(_designation_checks(type, organisation, person, meeting.date))
    if errors:
        raise ValidationError(errors)
    decision = Decision(
        meeting=meeting,
        body=body,
        type=type,
        outcome=outcome,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstaining=votes_abstaining,
        rationale=rationale.strip(),
        application=application,
        organisation=organisation,
        person=person,
        plan_version=plan_version,
        supersedes=supersedes,
        recorded_by=actor.person,
    )
    decision.full_clean()
    decision.save()
    _audit(
        actor,
        "governance.decision_recorded",
        decision,
        {
            "body": body.code,
            "meeting_id": meeting.pk,
            "type": type,
            "outcome": outcome,
            "votes": [votes_for, votes_against, votes_abstaining],
            "application_id": application.pk if application else None,
            "organisation": organisation.code if organisation else None,
            "person_id": person.pk if person else None,
            "plan_version_id": plan_version.pk if plan_version else None,
            "supersedes": supersedes.pk if supersedes else None,
        },
    )
    _apply(actor, decision)
    return decision


# --- Applications ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewOrganisation:
    """A government service not yet known to the framework, registered with its application."""

    code: str
    name_en: str
    kind: str
    name_fr: str = ""
    name_nl: str = ""
    name_de: str = ""


def _new_organisation(data: NewOrganisation) -> tuple[Organisation, dict[str, list[str]]]:
    """The organisation to register (not saved), and what is wrong with it."""
    organisation = Organisation(
        code=data.code.strip(),
        name_en=data.name_en.strip(),
        name_fr=data.name_fr.strip(),
        name_nl=data.name_nl.strip(),
        name_de=data.name_de.strip(),
        kind=data.kind,
        # Membership comes only from an approving Management Committee decision, and
        # sponsorship from the founding agreement (entered by the staff), never from here.
        is_member=False,
        is_sponsor=False,
    )
    errors: dict[str, list[str]] = {}
    try:
        organisation.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    if not organisation.name_en:
        errors["name_en"] = [_("Give the organisation's name in English.")]
    if organisation.code and Organisation.objects.filter(code=organisation.code).exists():
        errors["code"] = [
            _("An organisation with this code is known already: choose it in the list instead.")
        ]
    return organisation, errors


@transaction.atomic
def application_submit(
    *,
    actor: ActingContext,
    organisation: Organisation | NewOrganisation,
    target: str,
    motivation: str,
    representative: Person,
) -> Application:
    """Register an organisation's application to join the framework or the Strategic User
    Committee, naming its representative.

    Applications reach the Operational Management Group: its secretary registers them (engine).
    ``organisation`` is a known organisation, or a `NewOrganisation` registered here together
    with its application (never as a member or a sponsor). Refused when the organisation is a
    member already (or sits on the Strategic User Committee already, for that committee), or
    has an open application for the same; a new organisation's code must be free. Raises
    `PermissionDenied`, `StepUpRequired` or `ValidationError`; audited.
    """
    _require(actor, "governance.manage_applications", None)
    if target not in ApplicationTarget.values:
        raise ValidationError({"target": [_("Choose what the organisation applies for.")]})
    errors: dict[str, list[str]] = {}
    if not motivation.strip():
        errors["motivation"] = [_("Give the motivation of the application.")]
    if isinstance(organisation, NewOrganisation):
        organisation, organisation_errors = _new_organisation(organisation)
        errors.update(organisation_errors)
        new = True
    else:
        new = False
    if target == ApplicationTarget.MEMBERSHIP and organisation.is_member:
        errors["organisation"] = [_("This organisation is a member already.")]
    if (
        not new
        and target == ApplicationTarget.STRATEGIC_USER_COMMITTEE
        and organisation_is_user_committee_member(organisation=organisation)
    ):
        errors["organisation"] = [
            _("This organisation sits on the Strategic User Committee already.")
        ]
    if (
        not new
        and Application.objects.filter(
            organisation=organisation,
            target=target,
            status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.REPORTED),
        ).exists()
    ):
        errors["organisation"] = [_("This organisation has an open application for this already.")]
    if errors:
        raise ValidationError(errors)
    if new:
        organisation.save()
        _audit(
            actor,
            "governance.organisation_registered",
            organisation,
            {"code": organisation.code, "name_en": organisation.name_en, "kind": organisation.kind},
        )
    application = Application(
        organisation=organisation,
        target=target,
        motivation=motivation.strip(),
        representative=representative,
    )
    application.full_clean()
    application.save()
    _audit(
        actor,
        "governance.application_submitted",
        application,
        {
            "organisation": organisation.code,
            "target": target,
            "representative_id": representative.pk,
        },
    )
    return application


@transaction.atomic
def application_report(
    *, actor: ActingContext, application: Application, report: str
) -> Application:
    """Record the Operational Management Group's report on a submitted application, which then
    awaits the Management Committee's decision. Its secretary records it (engine). Raises
    `PermissionDenied` or `ValidationError`; audited."""
    _require(actor, "governance.manage_applications", application)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(_("This application has been reported on already."))
    if not report.strip():
        raise ValidationError({"report": [_("Write the report.")]})
    application.report = report.strip()
    application.reported_at = timezone.now()
    application.status = ApplicationStatus.REPORTED
    application.save(update_fields=["report", "reported_at", "status"])
    _audit(actor, "governance.application_reported", application, {"status": application.status})
    return application


# --- Strategic plans ------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: ActingContext, body: Body, title: str, text: str) -> StrategicPlan:
    """Start a strategic plan drafted by ``body`` (a working group or the Operational
    Management Group), with its first version. Those who sit on the body draft (engine).
    Raises `PermissionDenied` or `ValidationError`; audited."""
    if not body_drafts_plans(body=body):
        raise ValidationError(
            {
                "body": [
                    _(
                        "A strategic plan is drafted by a working group or the Operational "
                        "Management Group."
                    )
                ]
            }
        )
    _require(actor, "governance.draft_plan", body)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the plan a title.")]
    if not text.strip():
        errors["text"] = [_("Write the text of the plan.")]
    if errors:
        raise ValidationError(errors)
    plan = StrategicPlan(title=title.strip(), drafted_by=body)
    plan.full_clean()
    plan.save()
    _audit(actor, "governance.plan_created", plan, {"title": plan.title, "body": body.code})
    plan_version_add(actor=actor, plan=plan, text=text)
    return plan


@transaction.atomic
def plan_version_add(
    *, actor: ActingContext, plan: StrategicPlan, text: str
) -> StrategicPlanVersion:
    """Add the next version of ``plan``; earlier versions are kept unchanged (and so are the
    decisions taken on them: approving the new version takes a new decision). Those who sit on
    the drafting body draft (engine). Refused when the text is empty or the same as the latest
    version's. Raises `PermissionDenied`, `StepUpRequired` or `ValidationError`; audited."""
    _require(actor, "governance.draft_plan", plan.drafted_by)
    if not text.strip():
        raise ValidationError({"text": [_("Write the text of the plan.")]})
    # Lock the plan so two drafters cannot both take the next number.
    plan = StrategicPlan.objects.select_for_update().get(pk=plan.pk)
    last = plan.versions.order_by("-number").values("number", "text").first()
    if last is not None and last["text"] == text.strip():
        raise ValidationError(
            {
                "text": [
                    _(
                        "This text is the same as version %(number)s: a new version changes "
                        "something."
                    )
                    % {"number": last["number"]}
                ]
            }
        )
    version = StrategicPlanVersion(
        plan=plan,
        number=(last["number"] if last else 0) + 1,
        text=text.strip(),
        drafted_by=actor.person,
    )
    version.full_clean()
    version.save()
    _audit(
        actor,
        "governance.plan_version_added",
        version,
        {"plan_id": plan.pk, "number": version.number},
    )
    return version
