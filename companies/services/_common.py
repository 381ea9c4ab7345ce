"""Pieces every writing service of this app shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from companies.models import Company

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


def require_action(actor: ActingContext, action: str, target: Any, tenant: Company) -> None:
    """Ask the decision engine; raise `PermissionDenied` / `StepUpRequired` when denied."""
    # The engine sits above this app: look it up at call time (one-way dependencies).
    from csam.authz.actions import Action
    from csam.authz.engine import require

    require(actor=actor, action=Action(action), target=target, tenant=tenant)


def insert_unique(instance: models.Model, *, field: str, message: str) -> None:
    """Validate and insert ``instance``; a unique-constraint clash (someone did the same a moment
    ago) becomes a `ValidationError` on ``field`` with ``message``, leaving one row standing."""
    instance.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({field: [message]}) from None
