"""Making mandates: propose (the mandator), request (the mandatary), sub-delegate."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Company
from mandates.exceptions import MandateConflict
from mandates.models import (
    MAX_DEPTH_LIMIT,
    Initiator,
    Mandate,
    MandateEventKind,
    MandateScope,
    MandateState,
)
from mandates.services._common import (
    Party,
    ScopeItem,
    _acting_party,
    _chain_parties,
    _record,
    _require,
    _same,
    _set_parties,
)

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


def _validate_period(
    valid_from: dt.date, valid_until: dt.date | None, errors: dict[str, list[str]]
) -> None:
    if valid_from < timezone.localdate():
        errors.setdefault("valid_from", []).append(_("A mandate cannot start in the past."))
    if valid_until is not None and valid_until < valid_from:
        errors.setdefault("valid_until", []).append(
            _("The end date cannot be before the start date.")
        )


def _validate_scope(scope: list[ScopeItem], mandatary: Party, errors: dict[str, list[str]]) -> None:
    if not scope:
        errors.setdefault("scope", []).append(_("Choose at least one domain, service or role."))
    for item in scope:
        if sum(x is not None for x in (item.domain, item.service, item.role)) != 1:
            errors.setdefault("scope", []).append(
                _("Each scope item is one domain, service or role.")
            )
        if (
            isinstance(mandatary, Company)
            and item.role is not None
            and not item.role.for_clients_allowed
        ):
            errors.setdefault("scope", []).append(
                _("The role %(role)s cannot be held by a company for its clients.")
                % {"role": item.role.name}
            )


def _create(
    *,
    actor: ActingContext,
    mandator: Party,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date,
    valid_until: dt.date | None,
    allows_subdelegation: bool,
    max_depth: int,
    initiated_by: str,
    parent: Mandate | None = None,
) -> Mandate:
    mandate = Mandate(
        valid_from=valid_from,
        valid_until=valid_until,
        initiated_by=initiated_by,
        allows_subdelegation=allows_subdelegation and max_depth > 0,
        max_depth=max_depth if allows_subdelegation else 0,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        proposed_by=actor.person,
    )
    _set_parties(mandate, mandator, mandatary)
    mandate.full_clean()
    mandate.save()
    MandateScope.objects.bulk_create(
        [
            MandateScope(mandate=mandate, domain=i.domain, service=i.service, role=i.role)
            for i in scope
        ]
    )
    kind = (
        MandateEventKind.REQUESTED
        if initiated_by == Initiator.MANDATARY
        else MandateEventKind.PROPOSED
    )
    _record(actor, mandate, kind)
    return mandate


def _common_checks(
    mandator: Party,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date,
    valid_until: dt.date | None,
    max_depth: int,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if _same(mandator, mandatary):
        errors.setdefault("number", []).append(_("A mandate cannot be given to oneself."))
    _validate_period(valid_from, valid_until, errors)
    _validate_scope(scope, mandatary, errors)
    if not 0 <= max_depth <= MAX_DEPTH_LIMIT:
        errors.setdefault("max_depth", []).append(
            _("The depth limit is between 0 and %(limit)d.") % {"limit": MAX_DEPTH_LIMIT}
        )
    return errors


@transaction.atomic
def mandate_propose(
    *,
    actor: ActingContext,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    allows_subdelegation: bool = False,
    max_depth: int = 0,
) -> Mandate:
    """The actor's party (themselves, or the company they act for) proposes to let
    ``mandatary`` act for it within ``scope``; the mandatary then accepts or refuses.

    Rules: a company mandator acts through an access manager of every domain of the scope; not
    to oneself; the period is ordered and does not start in the past; a company mandatary can
    hold only roles allowed for clients; the depth limit is at most MAX_DEPTH_LIMIT.
    Raises `ValidationError`, `PermissionDenied` or `StepUpRequired`.
    """
    mandator = _acting_party(actor)
    valid_from = valid_from or timezone.localdate()
    errors = _common_checks(mandator, mandatary, scope, valid_from, valid_until, max_depth)
    if errors:
        raise ValidationError(errors)
    _require(actor, "mandates.propose", mandator, {i.domain_id for i in scope})
    return _create(
        actor=actor,
        mandator=mandator,
        mandatary=mandatary,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        allows_subdelegation=allows_subdelegation,
        max_depth=max_depth,
        initiated_by=Initiator.MANDATOR,
    )


@transaction.atomic
def mandate_request(
    *,
    actor: ActingContext,
    mandator: Party,
    scope: list[ScopeItem],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Mandate:
    """The actor's party asks ``mandator`` for a mandate; the mandator approves or refuses.
    Same rules as `mandate_propose`, seen from the other side."""
    mandatary = _acting_party(actor)
    valid_from = valid_from or timezone.localdate()
    errors = _common_checks(mandator, mandatary, scope, valid_from, valid_until, 0)
    if errors:
        raise ValidationError(errors)
    _require(actor, "mandates.propose", mandatary, {i.domain_id for i in scope})
    return _create(
        actor=actor,
        mandator=mandator,
        mandatary=mandatary,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        allows_subdelegation=False,
        max_depth=0,
        initiated_by=Initiator.MANDATARY,
    )


@transaction.atomic
def mandate_subdelegate(
    *,
    actor: ActingContext,
    parent: Mandate,
    mandatary: Party,
    scope: list[ScopeItem],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    allows_subdelegation: bool = False,
    max_depth: int = 0,
) -> Mandate:
    """The parent's mandatary passes part of its mandate on to ``mandatary``.

    Rules: the parent is accepted, in force and allows sub-delegation; the actor acts for the
    parent's mandatary; the scope and the period stay within the parent's; the depth limit
    shrinks by one at each link; the chain may not come back to a party already in it (no
    cycle). Raises `ValidationError`, `PermissionDenied`, `StepUpRequired`, `MandateConflict`.
    """
    locked = Mandate.objects.select_for_update().get(pk=parent.pk)
    if locked.state != MandateState.ACCEPTED or locked.ended_at is not None:
        raise MandateConflict(_("Only an accepted mandate in force can be sub-delegated."))
    mandator = locked.mandatary
    valid_from = valid_from or max(timezone.localdate(), locked.valid_from)
    errors = _common_checks(mandator, mandatary, scope, valid_from, valid_until, max_depth)
    if not locked.allows_subdelegation or locked.max_depth < 1:
        errors.setdefault("parent", []).append(_("This mandate may not be sub-delegated."))
    elif max_depth > locked.max_depth - 1:
        errors.setdefault("max_depth", []).append(
            _("The depth limit can be at most %(limit)d here.") % {"limit": locked.max_depth - 1}
        )
    parent_scope = list(locked.scope.all())
    if any(not item.within(parent_scope) for item in scope):
        errors.setdefault("scope", []).append(
            _("A sub-delegation cannot cover more than the mandate it comes from.")
        )
    if valid_from < locked.valid_from or (
        locked.valid_until is not None and (valid_until is None or valid_until > locked.valid_until)
    ):
        errors.setdefault("valid_until", []).append(
            _("A sub-delegation cannot last longer than the mandate it comes from.")
        )
    if any(_same(mandatary, party) for party in _chain_parties(locked)):
        errors.setdefault("number", []).append(
            _("This would make the chain of mandates come back to a party already in it.")
        )
    if errors:
        raise ValidationError(errors)
    _require(actor, "mandates.subdelegate", mandator, {i.domain_id for i in scope})
    return _create(
        actor=actor,
        mandator=mandator,
        mandatary=mandatary,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        allows_subdelegation=allows_subdelegation,
        max_depth=max_depth,
        initiated_by=Initiator.MANDATOR,
        parent=locked,
    )
