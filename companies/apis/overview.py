"""Overview and history: the collaborators × services matrix and the company's audit trail."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from companies.apis._common import BAD_INPUT, REFUSED, CompanyApi, CompanyPagination
from companies.selectors import access_matrix, collaborator_list, company_history_list
from companies.serializers import MatrixRowSerializer, MatrixServiceSerializer


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
