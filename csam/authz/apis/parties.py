"""Who may act for a party in a service (access reviews), and attributes of a person with minimal
disclosure, for e-government services."""

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.models import Company
from companies.numbers import parse_enterprise_number
from companies.permissions import IsServiceClient
from companies.selectors import (
    company_get_by_number,
    service_get_by_code,
)
from csam.authz.apis.questions import _client_may_ask
from csam.authz.representatives import person_age_over, representatives_of
from identity.models import Person
from identity.numbers import parse_national_number
from identity.selectors import person_get_by_number


class ServiceRepresentativesApi(APIView):
    """Who may act for a company or a person in one of the client's services, and through what
    (grant, legal representative, mandate), for access reviews. Paginated."""

    permission_classes = [IsServiceClient]

    @extend_schema_serializer(component_name="Representative")
    class OutputSerializer(serializers.Serializer):
        national_number = serializers.CharField(source="person.national_number")
        name = serializers.CharField(source="person.full_name")
        roles = serializers.SerializerMethodField()
        via = serializers.ListField(child=serializers.DictField())

        def get_roles(self, obj: Any) -> list[str]:
            return sorted(obj.roles)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "on_behalf_of",
                str,
                required=True,
                description="An enterprise number (10 digits) or a national register number.",
            )
        ],
        responses={200: OutputSerializer(many=True)},
        operation_id="services_representatives_list",
    )
    def get(self, request: Request, code: str) -> Response:
        if not _client_may_ask(request.user, code):
            raise exceptions.PermissionDenied(_("You may ask only about your own services."))
        service = service_get_by_code(code=code)
        if service is None:
            raise exceptions.NotFound(_("Unknown service."))
        number = request.query_params.get("on_behalf_of", "")
        party = _party_from_any_number(number)
        paginator = LimitOffsetPagination()
        found = representatives_of(party=party, service=service) if party is not None else []
        page = paginator.paginate_queryset(found, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


def _party_from_any_number(number: str) -> Person | Company | None:
    """A company (10 digits) or a person (11 digits); 400 for anything else."""
    digits = "".join(ch for ch in number if ch.isdigit())
    try:
        if len(digits) == 11:
            return person_get_by_number(national_number=parse_national_number(number).digits)
        return company_get_by_number(enterprise_number=parse_enterprise_number(number))
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"on_behalf_of": exc.messages}) from exc


AGE_CLAIM = re.compile(r"^age_over_(\d{1,3})$")


class PersonAttributesApi(APIView):
    """Minimal disclosure: ``age_over_N`` answers true or false (null when the birth date is not
    known) without the birth date; ``residence`` only to clients allowed that attribute."""

    permission_classes = [IsServiceClient]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "claims", str, required=True, description="Comma-separated: age_over_18,residence"
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
        operation_id="persons_attributes_retrieve",
    )
    def get(self, request: Request, number: str) -> Response:
        try:
            digits = parse_national_number(number).digits
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"number": exc.messages}) from exc
        claims = [c.strip() for c in request.query_params.get("claims", "").split(",") if c.strip()]
        if not claims or len(claims) > 10:
            raise serializers.ValidationError({"claims": [_("Ask for 1 to 10 claims.")]})
        answers: dict[str, Any] = {}
        person = person_get_by_number(national_number=digits)
        if person is None:
            raise exceptions.NotFound(_("Unknown person."))
        for claim in claims:
            match = AGE_CLAIM.match(claim)
            if match and 0 < int(match.group(1)) <= 150:
                answers[claim] = person_age_over(person=person, years=int(match.group(1)))
            elif claim == "residence":
                if not request.user.may_read_residence:
                    raise exceptions.PermissionDenied(
                        _("This client may not read the municipality of residence.")
                    )
                answers[claim] = person.residence_municipality or None
            else:
                raise serializers.ValidationError(
                    {"claims": [_("Unknown claim: %(claim)s") % {"claim": claim}]}
                )
        return Response(answers)
