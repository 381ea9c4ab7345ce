"""Meetings: recording a meeting of a body, its agenda and who attended."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import AgendaItem, Attendance, Body, Meeting, Seat
from governance.services._common import _audit, _require

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


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
