"""Access managers: who manages the acting company's access, their designation and its end."""

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
from companies.selectors import access_manager_get, access_manager_list, domain_get
from companies.serializers import AccessManagerSerializer
from companies.services import access_manager_designate, access_manager_end
from csam.method_routes import MethodRoutesApi


class CompanyManagerListApi(CompanyApi):
    """Who manages the company's access: main, co-main and per-domain managers."""

    pagination_class = CompanyPagination

    class FilterSerializer(serializers.Serializer):
        include_ended = serializers.BooleanField(
            default=False, help_text="Also designations that have ended."
        )

    OutputSerializer = AccessManagerSerializer

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **BAD_INPUT, **REFUSED},
        operation_id="company_managers_list",
    )
    def get(self, request: Request) -> Response:
        """The company's access managers (current ones unless include_ended)."""
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        managers = access_manager_list(
            tenant=self.tenant, include_ended=filters.validated_data["include_ended"]
        )
        return self.paginate(managers, self.OutputSerializer)


class CompanyManagerDesignateApi(CompanyApi):
    """Designate an access manager: the main one (by a legal representative), co-main and domain
    managers (by the main manager), co-managers of a domain (by that domain's manager)."""

    @extend_schema_serializer(component_name="CompanyManagerDesignateInput")
    class InputSerializer(serializers.Serializer):
        national_number = NationalNumberField(max_length=20)
        # Checked by the service; a plain string in the schema, so that this set of kinds does
        # not collide with other "kind" enums (person/company) in the component names.
        kind = serializers.CharField(max_length=20, help_text="main, co_main, domain or co_domain.")
        domain = serializers.SlugField(
            required=False,
            allow_null=True,
            max_length=50,
            help_text="A domain code; only (and always) for domain and co_domain.",
        )
        valid_from = serializers.DateField(
            required=False, allow_null=True, help_text="Today when left out."
        )
        valid_until = serializers.DateField(
            required=False, allow_null=True, help_text="Open-ended when left out."
        )

        def validate_domain(self, value: str | None) -> Any:
            if not value:
                return None
            domain = domain_get(domain_code=value)
            if domain is None:
                raise serializers.ValidationError(_("No such domain."))
            return domain

    OutputSerializer = AccessManagerSerializer

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer, **BAD_INPUT, **REFUSED},
        operation_id="company_managers_create",
    )
    def post(self, request: Request) -> Response:
        """Designate an access manager; the caller needs the authority for that kind, level high."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        designation = access_manager_designate(
            actor=self.actor,
            tenant=self.tenant,
            national_number=data["national_number"],
            kind=data["kind"],
            domain=data.get("domain"),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
        )
        return Response(self.OutputSerializer(designation).data, status=status.HTTP_201_CREATED)


class CompanyManagersApi(MethodRoutesApi):
    routes: ClassVar[dict[str, type[APIView]]] = {
        "get": CompanyManagerListApi,
        "post": CompanyManagerDesignateApi,
    }


class CompanyManagerEndApi(CompanyApi):
    OutputSerializer = AccessManagerSerializer

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, **REFUSED, **NOT_FOUND, **CONFLICT},
        operation_id="company_managers_end",
    )
    def post(self, request: Request, designation_id: int) -> Response:
        """End a designation now (kept in the history); 409 when it has ended already."""
        designation = access_manager_get(tenant=self.tenant, designation_id=designation_id)
        if designation is None:
            raise Http404
        designation = access_manager_end(
            actor=self.actor, tenant=self.tenant, designation=designation
        )
        return Response(self.OutputSerializer(designation).data)
