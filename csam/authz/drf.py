"""DRF permission classes; they delegate to the assurance rules and the engine."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from companies.models import ServiceClient
from identity.assurance import AssuranceLevel, assurance_of


class IsPerson(BasePermission):
    """A logged-in person (session), at the level the view declares in ``required_assurance``.

    Below that level the request fails with `StepUpRequired` (403, ``code: step_up_required``)
    rather than a bare refusal, so the caller knows which level to reach.
    """

    message = "Log in as a person to use this endpoint."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if isinstance(user, ServiceClient) or not user.is_authenticated:
            return False
        required: AssuranceLevel = getattr(view, "required_assurance", AssuranceLevel.LOW)
        assurance_of(request).require(required)
        return True


class IsServiceClient(BasePermission):
    """A registered e-government service authenticated with its API key."""

    message = "This endpoint is for registered e-government service clients."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, ServiceClient) and request.user.is_active
