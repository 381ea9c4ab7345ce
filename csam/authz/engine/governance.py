"""Rules for the governance bodies' records and the catalogue of services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from companies.models import Company
from csam.authz.actions import Action
from csam.authz.context import ActingContext
from csam.authz.engine.core import Decision, Reason, _deny, rule


def _governance_day(at: dt.datetime | None) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(at) if at is not None else timezone.localdate()


@rule(Action.GOVERNANCE_RECORD_MEETING)
@rule(Action.GOVERNANCE_RECORD_DECISION)
def _record_for_body(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import Body
    from governance.selectors import seat_ids_held

    # The target is the body whose meeting or decision is recorded.
    if not isinstance(target, Body):
        return _deny(Reason("not_a_body", _("Choose a body.")))
    seats = seat_ids_held(
        person=actor.person, body=target, role="secretary", day=_governance_day(at)
    )
    # Only the body's own secretary, holding that seat today, keeps its minutes and decisions.
    if not seats:
        return _deny(
            Reason(
                "not_secretary",
                _("Only the secretary of %(body)s can record its meetings and decisions.")
                % {"body": target.name},
            )
        )
    return Decision(allowed=True, via=tuple({"kind": "seat", "id": i} for i in seats))


@rule(Action.GOVERNANCE_MANAGE_APPLICATIONS)
def _manage_applications(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import BodyKind
    from governance.selectors import body_get_by_kind, seat_ids_held

    group = body_get_by_kind(kind=BodyKind.OPERATIONAL_GROUP)
    seats = (
        seat_ids_held(person=actor.person, body=group, role="secretary", day=_governance_day(at))
        if group is not None
        else []
    )
    # Applications reach the Operational Management Group, which prepares the report the
    # Management Committee decides on: its secretary registers them and records the report.
    if not seats:
        return _deny(
            Reason(
                "not_group_secretary",
                _(
                    "Only the secretary of the Operational Management Group registers "
                    "applications and their reports."
                ),
            )
        )
    return Decision(allowed=True, via=tuple({"kind": "seat", "id": i} for i in seats))


@rule(Action.GOVERNANCE_DRAFT_PLAN)
def _draft_plan(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import Body
    from governance.selectors import seat_ids_held

    # The target is the drafting body.
    if not isinstance(target, Body):
        return _deny(Reason("not_a_body", _("Choose a body.")))
    seats = seat_ids_held(person=actor.person, body=target, day=_governance_day(at))
    # A plan is drafted by the people who sit on the drafting body, and by nobody else.
    if not seats:
        return _deny(
            Reason(
                "no_seat",
                _("Only those who sit on %(body)s draft its plans.") % {"body": target.name},
            )
        )
    return Decision(allowed=True, via=tuple({"kind": "seat", "id": i} for i in seats))


@rule(Action.CATALOGUE_REGISTER_SERVICE)
def _register_service(
    actor: ActingContext, target: Any, tenant: Company | None, at: dt.datetime | None
) -> Decision:
    from governance.models import Organisation
    from governance.selectors import organisation_representative_facts

    # The target is the organisation that will own the service.
    if not isinstance(target, Organisation):
        return _deny(Reason("not_an_organisation", _("Choose an organisation.")))
    via = organisation_representative_facts(
        person=actor.person, organisation=target, day=_governance_day(at)
    )
    # Only the organisation's representative registers its services: someone holding a seat for
    # it today, or the representative named in its approved membership application.
    if not via:
        return _deny(
            Reason(
                "not_representative",
                _("Only a representative of %(organisation)s registers its services.")
                % {"organisation": target.name},
            )
        )
    return Decision(allowed=True, via=tuple(via))
