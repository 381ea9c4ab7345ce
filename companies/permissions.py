"""DRF permission for endpoints used by registered e-government service clients."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from companies.models import ServiceClient


class IsServiceClient(BasePermission):
    """A registered e-government service authenticated with its API key."""

    message = "This endpoint is for registered e-government service clients."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, ServiceClient) and request.user.is_active
