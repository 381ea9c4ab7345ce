"""Collaborators: the people holding (or having held) a grant in the acting company."""

from __future__ import annotations

from django.http import Http404

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from companies.apis._common import BAD_INPUT, NOT_FOUND, REFUSED, CompanyApi, CompanyPagination
from companies.selectors import collaborator_get, collaborator_list, grant_list
from companies.serializers import CollaboratorRoleSerializer, GrantSerializer, PersonSerializer


class CompanyCollaboratorListApi(CompanyApi):
    """People holding a grant in the company (or having held one, with ``include_ended``)."""

    pagination_class = CompanyPagination

    class FilterSerializer(serializers.Serializer):
        search = serializers.CharField(
            required=False, help_text="Part of a name, or a whole national register number."
        )
        service = serializers.CharField(required=False, help_text="A service code.")
        domain = serializers.CharField(required=False, help_text="A domain code.")
        include_ended = serializers.BooleanField(
            default=False, help_text="Also people whose grants have all ended."
        )

    @extend_schema_serializer(component_name="CompanyCollaborator")
    class OutputSerializer(PersonSerializer):
        roles = CollaboratorRoleSerializer(source="tenant_grants", many=True)

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **BAD_INPUT, **REFUSED},
        operation_id="company_collaborators_list",
    )
    def get(self, request: Request) -> Response:
        """People with grants in the company, with their roles, by name."""
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        people = collaborator_list(
            tenant=self.tenant,
            search=filters.validated_data.get("search", ""),
            service_code=filters.validated_data.get("service", ""),
            domain_code=filters.validated_data.get("domain", ""),
            include_ended=filters.validated_data["include_ended"],
        )
        return self.paginate(people, self.OutputSerializer)


class CompanyCollaboratorRetrieveApi(CompanyApi):
    """One person tied to the company, with every grant they hold or held in it."""

    @extend_schema_serializer(component_name="CompanyCollaboratorDetail")
    class OutputSerializer(PersonSerializer):
        grants = GrantSerializer(many=True)

    @extend_schema(
        responses={200: OutputSerializer, **REFUSED, **NOT_FOUND},
        operation_id="company_collaborators_retrieve",
    )
    def get(self, request: Request, person_id: int) -> Response:
        """One collaborator and all their grants in the company (current, future, ended)."""
        person = collaborator_get(tenant=self.tenant, person_id=person_id)
        if person is None:
            raise Http404
        grants = grant_list(tenant=self.tenant, person=person, status="all")
        return Response(
            self.OutputSerializer(
                {
                    "id": person.pk,
                    "given_names": person.given_names,
                    "surname": person.surname,
                    "masked_number": person.masked_number,
                    "grants": grants,
                }
            ).data
        )
