"""How a view declares the level of assurance it needs."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from identity.assurance import AssuranceLevel, assurance_of


def assurance_required(level: AssuranceLevel) -> Callable:
    """Let the view run only for a session at ``level`` or above.

    Anonymous users go to the log-in page; a logged-in user below the level gets `StepUpRequired`,
    which the middleware turns into the step-up page (and back to this view afterwards).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            assurance_of(request).require(level)
            return view(request, *args, **kwargs)

        wrapped.required_assurance = level  # type: ignore[attr-defined]
        return wrapped

    return decorator


class AssuranceRequiredMixin:
    """Class-based form of `assurance_required`: set ``required_assurance`` on the view."""

    required_assurance: AssuranceLevel = AssuranceLevel.LOW

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        assurance_of(request).require(self.required_assurance)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
