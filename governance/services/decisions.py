"""Decisions: recording what a body decided, and carrying it out.

Decisions are never changed: a correction is a new decision that supersedes the old one, and
recording it undoes what the corrected one carried out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import (
    Application,
    ApplicationStatus,
    ApplicationTarget,
    BodyKind,
    Decision,
    DecisionOutcome,
    DecisionType,
    Meeting,
    Organisation,
    SeatRole,
    StrategicPlanVersion,
)
from governance.selectors import meeting_quorum
from governance.services._common import _audit, _require
from governance.services.decision_rules import (
    DECISION_BODIES,
    _check_links,
    _check_votes,
    _designation_checks,
    _wrong_body_message,
)
from governance.services.seats import _seat_end, seat_create
from identity.models import Person

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


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
