"""DRF permission for endpoints used by people (session log-in), with their level of assurance."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from identity.assurance import AssuranceLevel, assurance_of
from identity.models import User


class IsPerson(BasePermission):
    """A logged-in person (not a service client), at the level the view declares in
    ``required_assurance``. Below that level the request fails with `StepUpRequired` (403 with
    ``code: step_up_required``) rather than a bare refusal, so the caller knows what to reach."""

    message = "Log in as a person to use this endpoint."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            return False
        required: AssuranceLevel = getattr(view, "required_assurance", AssuranceLevel.LOW)
        assurance_of(request).require(required)
        return True
