"""Seats: who sits on which body, for which organisation, in which role and for how long."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.models import (
    VOTING_ROLES,
    Body,
    BodyKind,
    Decision,
    DecisionOutcome,
    DecisionType,
    Organisation,
    Seat,
    SeatRole,
)
from governance.selectors import organisation_is_user_committee_member
from governance.services._common import _audit
from identity.models import Person

if TYPE_CHECKING:
    from csam.authz.context import ActingContext, SystemActor


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
