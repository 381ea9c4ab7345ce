"""Choosing the acting context over the API (session users)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.numbers import parse_enterprise_number
from companies.selectors import (
    company_get_by_number,
)
from csam.authz.services import acting_choose_company
from identity.assurance import AssuranceLevel
from identity.permissions import IsPerson


class ActingChooseApi(APIView):
    """Act in one's own name (``company: null``) or for a company one holds a right in."""

    permission_classes = [IsPerson]
    required_assurance = AssuranceLevel.LOW

    @extend_schema_serializer(component_name="ActingInput")
    class InputSerializer(serializers.Serializer):
        company = serializers.CharField(allow_null=True, max_length=20)

        def validate_company(self, value: str | None) -> str | None:
            if value is None:
                return None
            try:
                return parse_enterprise_number(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc

    @extend_schema_serializer(component_name="ActingOutput")
    class OutputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        enterprise_number = serializers.CharField(allow_null=True)
        name = serializers.CharField(allow_null=True)

    @extend_schema_serializer(component_name="ActingDenied")
    class DeniedSerializer(serializers.Serializer):
        detail = serializers.CharField()
        reasons = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 403: DeniedSerializer},
        operation_id="acting_choose",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        number = serializer.validated_data["company"]
        if number is None:
            acting_choose_company(request=request._request, company=None)
            return Response({"kind": "self", "enterprise_number": None, "name": None})
        company = company_get_by_number(enterprise_number=number)
        denied_message = _("You hold no right in this company.")
        if company is None:
            # Unknown and not-yours look the same: nothing to learn about other tenants.
            return Response(
                {
                    "detail": denied_message,
                    "reasons": [{"code": "no_right_in_company", "message": denied_message}],
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        decision = acting_choose_company(request=request._request, company=company)
        if not decision.allowed:
            return Response(
                {
                    "detail": decision.reason,
                    "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        return Response(
            {
                "kind": "company",
                "enterprise_number": company.enterprise_number,
                "name": company.name,
            }
        )
