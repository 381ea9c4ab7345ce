"""Companies API: service clients see who they are; people manage their company's access.

The access-management endpoints (``/api/v1/company/…``) always work on the caller's acting
company, resolved from the session into ``request.acting``; a company id never comes from the
request. Reading needs a session at level substantial and the engine's ``companies.view``;
writing goes through the services, which ask the engine for the act's authority and level high.
Another company's objects answer 404, like missing ones.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.models import AccessManagerKind, Company
from companies.permissions import IsServiceClient
from companies.selectors import (
    GRANT_STATUSES,
    access_manager_get,
    access_manager_list,
    access_matrix,
    collaborator_get,
    collaborator_list,
    company_history_list,
    domain_get,
    domain_list,
    grant_get,
    grant_list,
    grants_export_rows,
    role_get,
    service_get,
)
from companies.serializers import (
    AbilitiesSerializer,
    AccessManagerSerializer,
    CollaboratorRoleSerializer,
    ErrorSerializer,
    GrantSerializer,
    ImportRowSerializer,
    MatrixRowSerializer,
    MatrixServiceSerializer,
    PersonSerializer,
)
from companies.services import (
    access_manager_designate,
    access_manager_end,
    grant_create,
    grant_revoke,
    grants_import_csv,
)
from companies.services.imports import MAX_IMPORT_BYTES
from identity.assurance import AssuranceLevel
from identity.numbers import parse_national_number
from identity.permissions import IsPerson

if TYPE_CHECKING:
    from csam.authz.context import ActingContext
    from csam.authz.engine import Decision


class ServiceClientMeApi(APIView):
    """The calling service client: its name, organisation and the services it may ask about."""

    permission_classes = [IsServiceClient]

    @extend_schema_serializer(component_name="ServiceClientMeOutput")
    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        organisation = serializers.CharField(source="organisation.code")
        services = serializers.SerializerMethodField()

        def get_services(self, obj: object) -> list[str]:
            return sorted(s.code for s in obj.services.all())

    @extend_schema(responses=OutputSerializer, operation_id="clients_me_retrieve")
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)


# --- Company access management: shared pieces ----------------------------------------------------


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


class MethodRoutesApi(APIView):
    """One URL whose HTTP methods are separate operations, each served by its own API class.

    ``GET /company/grants/`` lists and ``POST /company/grants/`` creates, yet each operation keeps
    its own class (permissions, serializers, schema). A request goes whole to the class serving
    its method; other methods get DRF's 405. The handlers are also set on this class, only so
    that the OpenAPI generator finds each operation's schema at the shared path.
    """

    routes: ClassVar[dict[str, type[APIView]]] = {}
    route_views: ClassVar[dict[str, Any]] = {}
    permission_classes = [IsPerson]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.route_views = {method: api.as_view() for method, api in cls.routes.items()}
        if "get" in cls.route_views:
            # HEAD is GET without the body: the GET operation's view answers it.
            cls.route_views["head"] = cls.route_views["get"]
        for method, api in cls.routes.items():
            setattr(cls, method, getattr(api, method))
        if "get" in cls.routes:
            cls.pagination_class = getattr(cls.routes["get"], "pagination_class", None)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        route = self.route_views.get((request.method or "").lower())
        if route is None:
            return super().dispatch(request, *args, **kwargs)
        return route(request, *args, **kwargs)


class NationalNumberField(serializers.CharField):
    """A national register number in any usual notation, validated and kept as 11 digits."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return parse_national_number(value).digits
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


def _decision_ability(decision: Decision) -> dict[str, Any]:
    # Name the lack of authority before the level: stepping up would not help with it.
    authority = [r.message for r in decision.reasons if r.code != "assurance_too_low"]
    return {
        "allowed": decision.allowed,
        # Only the level is missing: the caller could do it after stepping up.
        "step_up_required": decision.codes == ("assurance_too_low",),
        "reason": authority[0] if authority else decision.reason,
    }


# --- The company ---------------------------------------------------------------------------------


class CompanyRetrieveApi(CompanyApi):
    """The acting company, and what the caller may do in it at the session's level."""

    @extend_schema_serializer(component_name="ActingCompany")
    class OutputSerializer(serializers.Serializer):
        enterprise_number = serializers.CharField()
        formatted_number = serializers.CharField()
        name = serializers.CharField()
        legal_form = serializers.CharField()
        status = serializers.CharField(help_text="active or stopped.")
        may = AbilitiesSerializer()

    @extend_schema(responses={200: OutputSerializer, **REFUSED}, operation_id="company_retrieve")
    def get(self, request: Request) -> Response:
        """The acting company and, per act, whether the caller may do it now."""
        from csam.authz.actions import Action
        from csam.authz.engine import decide

        def ask(action: Action, target: Any) -> dict[str, Any]:
            return _decision_ability(
                decide(actor=self.actor, action=action, target=target, tenant=self.tenant)
            )

        company = self.tenant
        may = {
            "designate_main_manager": ask(
                Action.COMPANIES_DESIGNATE_MAIN_MANAGER, (AccessManagerKind.MAIN, None)
            ),
            "designate_managers": ask(
                Action.COMPANIES_DESIGNATE_MANAGER, (AccessManagerKind.CO_MAIN, None)
            ),
            # A domain's authority (the main manager, or a manager of that domain) is what
            # designating its co-managers asks for; granting and revoking its roles ask the same.
            "domains": [
                {
                    "domain": domain.code,
                    "domain_name": domain.name,
                    **ask(
                        Action.COMPANIES_DESIGNATE_DOMAIN_CO_MANAGER,
                        (AccessManagerKind.CO_DOMAIN, domain),
                    ),
                }
                for domain in domain_list()
            ],
        }
        data = {
            "enterprise_number": company.enterprise_number,
            "formatted_number": company.formatted_number,
            "name": company.name,
            "legal_form": company.legal_form,
            "status": company.status,
            "may": may,
        }
        return Response(self.OutputSerializer(data).data)


# --- Collaborators -------------------------------------------------------------------------------


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


# --- Grants --------------------------------------------------------------------------------------


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


class CsvRenderer(BaseRenderer):
    """Lets a client ask for ``text/csv``; a refusal then comes as a one-cell CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        rows = data if isinstance(data, list) else [["detail"], [str(data.get("detail", ""))]]
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode(self.charset)


class CompanyGrantExportApi(CompanyApi):
    """All the company's grants, with their status, as a CSV file."""

    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "Header national_number, surname, given_names, service, role, "
                    "for_clients, valid_from, valid_until, status; one grant a line."
                ),
            ),
            **REFUSED,
        },
        operation_id="company_grants_export",
    )
    def get(self, request: Request) -> HttpResponse:
        """The company's grants as a CSV file (a spreadsheet-safe download)."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"grants-{self.tenant.enterprise_number}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        csv.writer(response).writerows(grants_export_rows(tenant=self.tenant))
        return response


class CompanyGrantImportApi(CompanyApi):
    """Grants from a CSV file: checked row by row, then applied whole or not at all."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="CompanyGrantImportInput")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text=(
                "CSV, UTF-8. Columns national_number, service, role; optionally valid_from, "
                "valid_until (YYYY-MM-DD) and for_clients (yes/no)."
            )
        )
        dry_run = serializers.BooleanField(
            default=False, help_text="true: only check the file; nothing is applied."
        )

        def validate_file(self, file: Any) -> Any:
            if file.size > MAX_IMPORT_BYTES:
                raise serializers.ValidationError(
                    _("The file is too large (at most %(size)d KiB).")
                    % {"size": MAX_IMPORT_BYTES // 1024}
                )
            return file

    @extend_schema_serializer(component_name="CompanyImportResult")
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField(help_text="No error in the file or any row.")
        applied = serializers.IntegerField(help_text="Grants made (0 on a dry run or an error).")
        file_errors = serializers.ListField(child=serializers.CharField())
        rows = ImportRowSerializer(many=True)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={200: OutputSerializer, **BAD_INPUT, **REFUSED},
        operation_id="company_grants_import",
    )
    def post(self, request: Request) -> Response:
        """Check a grants CSV file and, unless dry_run, apply it (only if every row is right)."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = grants_import_csv(
            actor=self.actor,
            tenant=self.tenant,
            content=data["file"].read(),
            dry_run=data["dry_run"],
        )
        return Response(
            self.OutputSerializer(
                {
                    "ok": result.ok,
                    "applied": result.applied,
                    "file_errors": result.file_errors,
                    "rows": result.rows,
                }
            ).data
        )


# --- Access managers -----------------------------------------------------------------------------


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


# --- Overview and history ------------------------------------------------------------------------


class CompanyMatrixApi(CompanyApi):
    """Collaborators × services, a page of collaborators at a time, current roles in the cells."""

    @extend_schema_serializer(component_name="CompanyMatrix")
    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField(help_text="Collaborators in all (rows on every page).")
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        services = MatrixServiceSerializer(
            many=True, help_text="The columns: services in which this page's rows hold a role."
        )
        results = MatrixRowSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description="Rows (collaborators) per page."),
            OpenApiParameter("offset", int, description="The first row's index."),
        ],
        responses={200: OutputSerializer, **REFUSED},
        operation_id="company_matrix_retrieve",
    )
    def get(self, request: Request) -> Response:
        """Who holds which roles on which services, a page of collaborators at a time."""
        paginator = CompanyPagination()
        people = paginator.paginate_queryset(
            collaborator_list(tenant=self.tenant), request, view=self
        )
        matrix = access_matrix(tenant=self.tenant, people=people)
        data = {
            "count": paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "services": matrix.services,
            "results": matrix.rows,
        }
        return Response(self.OutputSerializer(data).data)


class CompanyHistoryListApi(CompanyApi):
    """The company's part of the audit log, newest first."""

    pagination_class = CompanyPagination

    class FilterSerializer(serializers.Serializer):
        action = serializers.CharField(
            required=False, help_text="An action or its prefix, e.g. companies.grant"
        )
        object_type = serializers.CharField(required=False, help_text="grant, access_manager…")
        object_id = serializers.CharField(required=False)

    @extend_schema_serializer(component_name="CompanyAuditEvent")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        at = serializers.DateTimeField()
        actor_label = serializers.CharField()
        acting_for = serializers.CharField()
        action = serializers.CharField()
        outcome = serializers.CharField()
        object_type = serializers.CharField()
        object_id = serializers.CharField()
        data = serializers.JSONField(
            help_text="before and after (the object's state), and facts of the act."
        )

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **BAD_INPUT, **REFUSED},
        operation_id="company_history_list",
    )
    def get(self, request: Request) -> Response:
        """What happened to the company's rights, by whom, newest first."""
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        events = company_history_list(
            tenant=self.tenant,
            action=filters.validated_data.get("action", ""),
            object_type=filters.validated_data.get("object_type", ""),
            object_id=filters.validated_data.get("object_id", ""),
        )
        return self.paginate(events, self.OutputSerializer)
