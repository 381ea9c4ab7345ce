"""Grants in bulk, as CSV files: the export of all the company's grants and the import."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from companies.apis._common import BAD_INPUT, REFUSED, CompanyApi
from companies.selectors import grants_export_rows
from companies.serializers import ImportRowSerializer
from companies.services import grants_import_csv
from companies.services.imports import MAX_IMPORT_BYTES


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
