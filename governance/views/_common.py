"""What the governance pages share: asking the engine and lookups (paging and form errors are
every app's: `csam.pages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from governance import selectors
from governance.models import Body, Meeting

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


def _require(acting: ActingContext, action: str, target: Any) -> None:
    """Raise `PermissionDenied` (or `StepUpRequired`) unless the engine allows the act."""
    from csam.authz.actions import Action
    from csam.authz.engine import require

    require(actor=acting, action=Action(action), target=target)


def _offered(request: HttpRequest, action: str, target: Any) -> bool:
    """Offer the act on a page when the engine allows it or lacks only the level (step-up)."""
    from csam.authz.actions import Action
    from csam.authz.engine import decide

    acting = getattr(request, "acting", None)
    if acting is None or not acting.is_authenticated:
        return False
    decision = decide(actor=acting, action=Action(action), target=target)
    return decision.allowed or decision.codes == ("assurance_too_low",)


def _body_or_404(code: str) -> Body:
    body = selectors.body_get(code=code)
    if body is None:
        raise Http404(_("No such body."))
    return body


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = selectors.meeting_get(meeting_id=meeting_id)
    if meeting is None:
        raise Http404(_("No such meeting."))
    return meeting
