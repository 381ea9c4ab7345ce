"""What every writing service of this app shares: asking the decision engine and auditing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csam.audit.services import audit_act

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


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
