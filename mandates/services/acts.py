"""Deciding on and ending mandates: accept, refuse, revoke (the mandator), withdraw (the
mandatary), and the daily expiry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mandates.exceptions import MandateConflict
from mandates.models import (
    Mandate,
    MandateEventKind,
    MandateState,
)
from mandates.services._common import (
    _deciding_party,
    _end,
    _locked,
    _record,
    _require,
    _scope_domains,
    mandate_snapshot,
)

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


@transaction.atomic
def mandate_accept(*, actor: ActingContext, mandate: Mandate) -> Mandate:
    """The deciding party accepts a proposed mandate (or the mandator approves a request); it is
    in force from then on, within its period. Only from "proposed" (`MandateConflict`); level
    high (the engine)."""
    locked = _locked(mandate)
    if locked.state != MandateState.PROPOSED:
        raise MandateConflict(_("Only a proposed mandate can be accepted."))
    if locked.valid_until is not None and locked.valid_until < timezone.localdate():
        raise MandateConflict(_("The period of this mandate is over."))
    _require(actor, "mandates.accept", _deciding_party(locked), _scope_domains(locked))
    if locked.parent_id is not None:
        parent = Mandate.objects.get(pk=locked.parent_id)
        if parent.state != MandateState.ACCEPTED or parent.ended_at is not None:
            raise MandateConflict(_("The mandate this one comes from is no longer in force."))
    before = mandate_snapshot(locked)
    locked.state = MandateState.ACCEPTED
    locked.accepted_at = timezone.now()
    locked.decided_by = actor.person
    locked.save(update_fields=["state", "accepted_at", "decided_by"])
    _record(actor, locked, MandateEventKind.ACCEPTED, before)
    return locked


@transaction.atomic
def mandate_refuse(*, actor: ActingContext, mandate: Mandate) -> Mandate:
    """The deciding party refuses a proposed mandate. Only from "proposed"."""
    locked = _locked(mandate)
    if locked.state != MandateState.PROPOSED:
        raise MandateConflict(_("Only a proposed mandate can be refused."))
    _require(actor, "mandates.refuse", _deciding_party(locked), _scope_domains(locked))
    before = mandate_snapshot(locked)
    locked.state = MandateState.REFUSED
    locked.refused_at = timezone.now()
    locked.decided_by = actor.person
    locked.save(update_fields=["state", "refused_at", "decided_by"])
    _record(actor, locked, MandateEventKind.REFUSED, before)
    return locked


@transaction.atomic
def mandate_revoke(*, actor: ActingContext, mandate: Mandate) -> Mandate:
    """The mandator ends a mandate (proposed or accepted) at once, without the mandatary's
    consent; what was sub-delegated from it ends too. `MandateConflict` once it has ended."""
    locked = _locked(mandate)
    if locked.state not in (MandateState.PROPOSED, MandateState.ACCEPTED):
        raise MandateConflict(_("This mandate has ended already."))
    _require(actor, "mandates.revoke", locked.mandator, _scope_domains(locked))
    _end(actor, locked, MandateState.REVOKED, MandateEventKind.REVOKED, timezone.now())
    return locked


@transaction.atomic
def mandate_withdraw(*, actor: ActingContext, mandate: Mandate) -> Mandate:
    """The mandatary gives up an accepted mandate at once, without the mandator's consent; what
    was sub-delegated from it ends too. `MandateConflict` unless it is accepted and in force."""
    locked = _locked(mandate)
    if locked.state != MandateState.ACCEPTED or locked.ended_at is not None:
        raise MandateConflict(_("Only an accepted mandate in force can be withdrawn from."))
    _require(actor, "mandates.withdraw", locked.mandatary, _scope_domains(locked))
    _end(actor, locked, MandateState.WITHDRAWN, MandateEventKind.WITHDRAWN, timezone.now())
    return locked


@transaction.atomic
def mandates_expire(*, today: dt.date | None = None) -> int:
    """Mark accepted mandates past their end date expired (and end their sub-delegations).

    Idempotent: an expired mandate is not touched again. The end moment is the end of the last
    valid day, so "as of" questions keep their answer.
    """
    from csam.authz.context import SYSTEM_ACTOR

    today = today or timezone.localdate()
    count = 0
    for mandate in Mandate.objects.select_for_update().filter(
        state=MandateState.ACCEPTED, ended_at__isnull=True, valid_until__lt=today
    ):
        end = dt.datetime.combine(
            mandate.valid_until + dt.timedelta(days=1),  # type: ignore[operator]
            dt.time.min,
            tzinfo=timezone.get_current_timezone(),
        )
        _end(SYSTEM_ACTOR, mandate, MandateState.EXPIRED, MandateEventKind.EXPIRED, end)
        count += 1
    return count
