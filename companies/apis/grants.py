"""Grants, one at a time: list, create, read and revoke the acting company's grants."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import Http404
from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.apis._common import (
    BAD_INPUT,
    CONFLICT,
    NOT_FOUND,
    REFUSED,
    CompanyApi,
    CompanyPagination,
    NationalNumberField,
)
from companies.selectors import (
    GRANT_STATUSES,
    collaborator_get,
    grant_get,
    grant_list,
    role_get,
    service_get,
)
from companies.serializers import GrantSerializer
from companies.services import grant_create, grant_revoke
from csam.method_routes import MethodRoutesApi


class CompanyGrantListApi(CompanyApi):
    """The company's grants, newest first."""

    pagination_class = CompanyPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=GRANT_STATUSES,
            default="current",
            help_text="current (default), future, ended or all.",
        )
        service = serializers.CharField(required=False, help_text="A service code.")
        domain = serializers.CharField(required=False, help_text="A domain code.")
        person = serializers.IntegerField(
            required=False, min_value=1, help_text="A collaborator's id."
        )

    OutputSerializer = GrantSerializer

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **BAD_INPUT, **REFUSED},
        operation_id="company_grants_list",
    )
    def get(self, request: Request) -> Response:
        """The company's grants, filtered by status, service, domain or person."""
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        person = None
        if "person" in data:
            person = collaborator_get(tenant=self.tenant, person_id=data["person"])
        grants = grant_list(
            tenant=self.tenant,
            person=person,
            status=data["status"],
            service_code=data.get("service", ""),
            domain_code=data.get("domain", ""),
        )
        if "person" in data and person is None:
            # Nobody by that id in this company: no grants (whoever they may be elsewhere).
            grants = grants.none()
        return self.paginate(grants, self.OutputSerializer)


class CompanyGrantCreateApi(CompanyApi):
    """Give a collaborator (named by national register number) a role, for a period."""

    @extend_schema_serializer(component_name="CompanyGrantCreateInput")
    class InputSerializer(serializers.Serializer):
        national_number = NationalNumberField(max_length=20)
        service = serializers.SlugField(max_length=50, help_text="A service code.")
        role = serializers.SlugField(max_length=50, help_text="A role code within the service.")
        valid_from = serializers.DateField(
            required=False, allow_null=True, help_text="Today when left out."
        )
        valid_until = serializers.DateField(
            required=False, allow_null=True, help_text="Open-ended when left out."
        )
        for_clients = serializers.BooleanField(
            default=False, help_text="Held for the company's clients, under their mandates."
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if service_get(service_code=attrs["service"]) is None:
                raise serializers.ValidationError({"service": [_("No such service is offered.")]})
            role = role_get(service_code=attrs["service"], role_code=attrs["role"])
            if role is None:
                raise serializers.ValidationError({"role": [_("This service has no such role.")]})
            attrs["role"] = role
            return attrs

    OutputSerializer = GrantSerializer

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer, **BAD_INPUT, **REFUSED},
        operation_id="company_grants_create",
    )
    def post(self, request: Request) -> Response:
        """Grant a role; the caller must manage the role's domain, at level high."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        grant = grant_create(
            actor=self.actor,
            tenant=self.tenant,
            national_number=data["national_number"],
            role=data["role"],
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            for_clients=data["for_clients"],
        )
        return Response(self.OutputSerializer(grant).data, status=status.HTTP_201_CREATED)


class CompanyGrantsApi(MethodRoutesApi):
    routes: ClassVar[dict[str, type[APIView]]] = {
        "get": CompanyGrantListApi,
        "post": CompanyGrantCreateApi,
    }


class CompanyGrantRetrieveApi(CompanyApi):
    OutputSerializer = GrantSerializer

    @extend_schema(
        responses={200: OutputSerializer, **REFUSED, **NOT_FOUND},
        operation_id="company_grants_retrieve",
    )
    def get(self, request: Request, grant_id: int) -> Response:
        """One of the company's grants."""
        grant = grant_get(tenant=self.tenant, grant_id=grant_id)
        if grant is None:
            raise Http404
        return Response(self.OutputSerializer(grant).data)


class CompanyGrantRevokeApi(CompanyApi):
    OutputSerializer = GrantSerializer

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, **REFUSED, **NOT_FOUND, **CONFLICT},
        operation_id="company_grants_revoke",
    )
    def post(self, request: Request, grant_id: int) -> Response:
        """End a grant now (kept in the history); 409 when it has ended already."""
        grant = grant_get(tenant=self.tenant, grant_id=grant_id)
        if grant is None:
            raise Http404
        grant = grant_revoke(actor=self.actor, tenant=self.tenant, grant=grant)
        return Response(self.OutputSerializer(grant).data)
