"""What a decision may be: which body takes it, what it is on and how its votes add up.

The checks return the errors they find (field: messages); `decision_record` raises them.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from governance.models import (
    VOTING_ROLES,
    Application,
    ApplicationStatus,
    BodyKind,
    Decision,
    DecisionOutcome,
    DecisionType,
    Organisation,
    Seat,
    SeatRole,
    StrategicPlanVersion,
)
from identity.models import Person

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
