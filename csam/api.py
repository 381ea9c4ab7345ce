"""API-wide pieces: the one exception handler that maps domain errors to HTTP."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from companies.exceptions import Conflict
from identity.assurance import StepUpRequired


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: Django validation errors → 400 per field, `StepUpRequired` → 403 with
    the level to reach, `PermissionDenied` → 403 carrying the engine's reason, `Conflict` → 409."""
    if isinstance(exc, StepUpRequired):
        return Response(exc.payload(), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            detail = {"detail": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, Conflict):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
