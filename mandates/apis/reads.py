"""Reading the party's mandates: the list (given, received, awaiting its decision) and one
mandate with its history."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from mandates.apis._common import (
    BAD_INPUT,
    NOT_FOUND,
    REFUSED,
    MandateApi,
    MandateDetailSerializer,
    MandateSerializer,
    _detail_data,
    _mandate_data,
)
from mandates.models import MandateState
from mandates.selectors import (
    mandate_list_awaiting,
    mandate_list_given,
    mandate_list_received,
)


class MandatePagination(LimitOffsetPagination):
    """The project's limit/offset pagination, with a ceiling on the size of one page."""

    max_limit = 200


class MandateListApi(MandateApi):
    """The party's mandates: given, received, or awaiting its decision."""

    pagination_class = MandatePagination

    @extend_schema_serializer(component_name="MandateListFilter")
    class FilterSerializer(serializers.Serializer):
        role = serializers.ChoiceField(
            choices=["given", "received", "awaiting"], default="given", required=False
        )
        state = serializers.ChoiceField(
            choices=MandateState.choices, required=False, allow_blank=True
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "role",
                str,
                enum=["given", "received", "awaiting"],
                description=(
                    "given (the party is the mandator, the default), received (the party is the "
                    "mandatary) or awaiting (proposals and requests the party must decide)."
                ),
            ),
            OpenApiParameter(
                "state",
                str,
                enum=[c[0] for c in MandateState.choices],
                description="Only mandates in this state (given and received).",
            ),
        ],
        responses={200: MandateSerializer(many=True), **BAD_INPUT, **REFUSED},
        operation_id="mandates_list",
    )
    def get(self, request: Request) -> Response:
        """The party's mandates, newest first."""
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        role = query.validated_data.get("role") or "given"
        state = query.validated_data.get("state", "")
        if role == "given":
            mandates = mandate_list_given(party=self.party, state=state)
        elif role == "received":
            mandates = mandate_list_received(party=self.party, state=state)
        else:
            mandates = mandate_list_awaiting(party=self.party)
        paginator = MandatePagination()
        page = paginator.paginate_queryset(mandates, request, view=self)
        data = MandateSerializer([_mandate_data(m) for m in page], many=True).data
        return paginator.get_paginated_response(data)


class MandateRetrieveApi(MandateApi):
    """One of the party's mandates, with its history."""

    @extend_schema(
        responses={200: MandateDetailSerializer, **REFUSED, **NOT_FOUND},
        operation_id="mandates_retrieve",
    )
    def get(self, request: Request, mandate_id: int) -> Response:
        return Response(MandateDetailSerializer(_detail_data(self.mandate_or_404(mandate_id))).data)
