"""Pieces the company access-management APIs share: the base view, pagination, refusals and
schema responses, one-URL method routing and the national number field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.models import Company
from companies.serializers import ErrorSerializer
from identity.assurance import AssuranceLevel
from identity.numbers import parse_national_number
from identity.permissions import IsPerson

if TYPE_CHECKING:
    from csam.authz.context import ActingContext


class NoActingCompany(exceptions.PermissionDenied):
    default_code = "no_acting_company"
    default_detail = gettext_lazy(
        "Choose the company you act for first (POST /api/v1/acting/, or the switch at the top "
        "of the page)."
    )

    def __init__(self) -> None:
        super().__init__(detail={"detail": self.default_detail, "code": self.default_code})


class CompanyPagination(LimitOffsetPagination):
    """The project's limit/offset pagination, with a ceiling on the size of one page."""

    max_limit = 200


REFUSED = {
    403: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Not allowed: the engine's reason in detail; code step_up_required (with "
            "required_assurance) or no_acting_company when that is why."
        ),
    ),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Not found in this company.")}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="The object's state forbids it.")}
BAD_INPUT = {400: OpenApiResponse(OpenApiTypes.OBJECT, description="A list of messages per field.")}


class CompanyApi(APIView):
    """Base of the access-management APIs: a person acting for a company who may see its rights.

    After authentication and `IsPerson` (level substantial), `initial` takes the tenant from the
    acting context and asks the engine for ``companies.view``, so no operation can skip either.
    Handlers use ``self.actor`` and ``self.tenant``.
    """

    permission_classes = [IsPerson]
    required_assurance = AssuranceLevel.SUBSTANTIAL
    actor: ActingContext
    tenant: Company

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The engine sits above this app: look it up at call time (one-way dependencies).
        from csam.authz.actions import Action
        from csam.authz.engine import require

        actor = request._request.acting
        # The tenant is the company chosen in the session (re-checked by the middleware on every
        # request), never a company named by the request.
        if actor.company is None:
            raise NoActingCompany()
        require(actor=actor, action=Action.COMPANIES_VIEW, tenant=actor.company)
        self.actor = actor
        self.tenant = actor.company

    def paginate(self, queryset: Any, serializer_class: type[serializers.Serializer]) -> Response:
        paginator = CompanyPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


class NationalNumberField(serializers.CharField):
    """A national register number in any usual notation, validated and kept as 11 digits."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return parse_national_number(value).digits
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
